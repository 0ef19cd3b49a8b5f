// Resume on the data the run was trained on: a renamed, removed or added class, or replaced images, refuse
// the resume with what changed (a removed or added class even when forced: the model's output cannot take
// it, and it must never end as "diverged"); --force-data goes past a rename or new images and is recorded.
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { cli } from '../../helpers/cli.ts'
import { solid } from '../../fixtures/images/make.ts'

const shapes = new URL('../../../resources/sample-dataset/shapes', import.meta.url).pathname
const model = parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))

/** A stopped run after one epoch on a private copy of the sample folder. */
async function stoppedRun(): Promise<{ store: Store; svc: TrainingService; runId: string; data: string; db: string; cache: string }> {
  const dir = tmp('cnn-resume-')
  const data = join(dir, 'shapes')
  cpSync(shapes, data, { recursive: true })
  const db = join(dir, 'r.db')
  const cache = join(dir, 'cache')
  const store = new Store(db)
  const svc = new TrainingService(store, { cacheDir: cache })
  const off = svc.subscribe((e) => {
    if (e.type === 'epoch') svc.stop(e.runId)
  })
  const { runId } = await svc.start({ model, datasetDir: data, settings: { epochs: 3, batchSize: 32, workers: 1 } })
  await svc.whenIdle()
  off()
  expect(store.getRun(runId).status).toBe('stopped')
  return { store, svc, runId, data, db, cache }
}

describe('resume checks the data', () => {
  it('a renamed class (the order changes) is refused with what changed; --force-data goes ahead and is recorded', async () => {
    const r = await stoppedRun()
    renameSync(join(r.data, 'circle'), join(r.data, 'zcircle'))
    const err = await r.svc.resume(r.runId).catch((e) => e)
    expect(err.code).toBe('DATA_CHANGED')
    expect(err.message).toContain("class folder 'circle' is gone and 'zcircle' is new (renamed?)")
    expect(err.message).toMatch(/--force-data/)
    expect(r.store.getRun(r.runId).status).toBe('stopped')
    r.store.close()
    // The real command, forced: it trains the remaining epochs and keeps what it was forced past.
    const out = cli(['runs', 'resume', r.runId, '--db', r.db, '--force-data', '--json'], { env: { ...process.env, CNN_STUDIO_CACHE: r.cache } })
    expect(out.code, out.stderr).toBe(0)
    const j = JSON.parse(out.stdout)
    expect(j.status).toBe('completed')
    expect(j.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3])
    expect(j.dataForced).toHaveLength(1)
    expect(j.dataForced[0].changes[0]).toContain("'zcircle' is new")
    expect(cli(['runs', 'show', r.runId, '--db', r.db]).stdout).toMatch(/although the data had changed \(--force-data\)/)
  })

  it('the same classes in another order is refused: every label would mean another class', async () => {
    const r = await stoppedRun()
    // circle, square, triangle -> square, triangle, xcircle would be a rename; swap two names instead
    renameSync(join(r.data, 'circle'), join(r.data, 'tmp'))
    renameSync(join(r.data, 'square'), join(r.data, 'circle'))
    renameSync(join(r.data, 'tmp'), join(r.data, 'square'))
    const err = await r.svc.resume(r.runId).catch((e) => e)
    expect(err.code).toBe('DATA_CHANGED')
    expect(err.message).toMatch(/the images changed/) // same names and order, other files under them
    r.store.close()
  })

  it('a removed class and an added class are refused even when forced, and the run stays resumable', async () => {
    const r = await stoppedRun()
    const triangle = join(r.data, 'triangle')
    const keep = join(tmp('cnn-keep-'), 'triangle')
    renameSync(triangle, keep) // moved, not copied: the files keep their mtimes, so the fingerprint comes back

    for (const force of [false, true]) {
      const err = await r.svc.resume(r.runId, { forceData: force }).catch((e) => e)
      expect(err.code).toBe('DATA_CHANGED')
      expect(err.message).toMatch(/its model ends in 3 classes but .* now has 2 \(circle, square\)/)
    }
    renameSync(keep, triangle)
    const star = join(r.data, 'star')
    for (const f of readdirSync(join(r.data, 'square')).slice(0, 20)) cpSync(join(r.data, 'square', f), join(star, f), { recursive: true })
    for (const force of [false, true]) {
      const err = await r.svc.resume(r.runId, { forceData: force }).catch((e) => e)
      expect(err.code).toBe('DATA_CHANGED')
      expect(err.message).toMatch(/now has 4 \(circle, square, star, triangle\)/)
      expect(err.message).not.toMatch(/learning rate|diverged/)
    }
    expect(r.store.getRun(r.runId).status).toBe('stopped')
    rmSync(star, { recursive: true })
    await r.svc.resume(r.runId) // back as it was: resumes
    await r.svc.whenIdle()
    expect(r.store.getRun(r.runId).status).toBe('completed')
    r.store.close()
  })

  it('replaced images are refused; forced, the run continues on the new data and records it', async () => {
    const r = await stoppedRun()
    const f = readdirSync(join(r.data, 'circle'))[0]
    writeFileSync(join(r.data, 'circle', f), await solid(32, 32, 3, [10, 200, 30]).png().toBuffer())
    const err = await r.svc.resume(r.runId).catch((e) => e)
    expect(err.message).toMatch(/the images changed \(files added, removed or modified\)/)
    await r.svc.resume(r.runId, { forceData: true })
    await r.svc.whenIdle()
    const run = r.store.getRun(r.runId)
    expect(run.status).toBe('completed')
    expect(run.dataForced[0].changes).toEqual([expect.stringMatching(/the images changed/)])
    // a second resume is checked against the data it last trained on, which has not changed since
    expect(r.store.datasetOf(r.runId)!.fingerprint).not.toBe('')
    r.store.close()
  })
})
