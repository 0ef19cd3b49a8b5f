// Two processes on one experiment database: a run another live process trains stays `running` for every
// reader and cannot be resumed, deleted, paused or stopped from elsewhere; once its owner is killed
// (kill -9) the next reader shows it `interrupted` with its epochs. Real `cnn-studio` processes, a real file.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../src-main/services/store/store.ts'
import { HEARTBEAT_STALE_MS, processStart } from '../../src-main/services/store/owner.ts'
import { TrainingService } from '../../src-main/services/training.ts'
import { CLI_ARGS, cli } from '../helpers/cli.ts'
import { chainModel } from '../helpers/graphs.ts'

const shapesModel = new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
const lenet = new URL('../../resources/templates/lenet5.cnn.json', import.meta.url).pathname
const shapes = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const until = async (what: string, ok: () => boolean, ms = 90_000) => {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
const json = (args: string[], env: NodeJS.ProcessEnv) => {
  const r = cli(args, { env })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('a run another process trains', () => {
  it('stays running for readers and writers, refuses resume/delete/pause/stop from elsewhere, and reads interrupted after kill -9', async () => {
    const dir = tmp('cnn-own-')
    const db = join(dir, 'shared.db')
    const env = { ...process.env, CNN_STUDIO_CACHE: join(dir, 'cache') }
    const child = spawn(process.execPath, [...CLI_ARGS, 'train', shapesModel, shapes, '--epochs', '500', '--batch-size', '16', '--workers', '1', '--db', db], { stdio: 'ignore', env })
    try {
      // Wait for a recorded epoch, reading as an outside process would (read-only).
      let runId = ''
      await until('the first epoch', () => {
        try {
          const s = new Store(db, { readonly: true })
          const [r] = s.listRuns()
          const n = r ? s.epochs(r.runId).length : 0
          runId = r?.runId ?? ''
          s.close()
          return n >= 1
        } catch {
          return false // not created or migrated yet
        }
      })
      expect(json(['runs', 'list', '--db', db, '--json'], env).runs[0]).toMatchObject({ runId, status: 'running' })

      // A second `train` that is refused (10 classes vs 3) starts a training service on the file: the live run is left alone.
      const refused = cli(['train', lenet, shapes, '--db', db], { env })
      expect(refused.code).toBe(1)
      expect(json(['runs', 'show', runId, '--db', db, '--json'], env).status).toBe('running')

      const owner = `cnn-studio train (pid ${child.pid} on ${hostname()}`
      const resume = cli(['runs', 'resume', runId, '--db', db], { env })
      expect(resume.code).toBe(1)
      expect(resume.stderr).toContain(`run ${runId} is running in another process: ${owner}`)
      const del = cli(['runs', 'delete', runId, '--db', db], { env })
      expect(del.code).toBe(1)
      expect(del.stderr).toContain(owner)
      // The app and `serve` go through the same service: pause and stop are refused naming the owner too.
      const store = new Store(db)
      const svc = new TrainingService(store)
      expect(svc.recovered).toEqual([])
      expect(() => svc.pause(runId)).toThrow(owner)
      expect(() => svc.stop(runId)).toThrow(owner)
      expect(() => svc.delete(runId)).toThrow(owner)
      store.close()
      expect(json(['runs', 'show', runId, '--db', db, '--json'], env).status).toBe('running')

      child.kill('SIGKILL')
      await new Promise((r) => child.once('exit', r))
      const after = json(['runs', 'show', runId, '--db', db, '--json'], env)
      expect(after.status).toBe('interrupted')
      expect(after.error).toMatch(new RegExp(`pid ${child.pid}\\) is gone`))
      expect(after.epochs.length).toBeGreaterThanOrEqual(1)
      expect(cli(['runs', 'delete', runId, '--db', db], { env }).code).toBe(0)
    } finally {
      child.kill('SIGKILL')
    }
  })
})

describe('the heartbeat', () => {
  it('is refreshed while a run waits paused, and stops when the run ends', async () => {
    const store = new Store(join(tmp('cnn-beat-'), 'b.db'))
    const svc = new TrainingService(store, { cacheDir: join(tmp('cnn-beat-'), 'cache') })
    const beat = (id: string) => (store.db.prepare('SELECT heartbeat_at AS t FROM runs WHERE id = ?').get(id) as { t: number }).t
    let paused = ''
    svc.subscribe((e) => {
      if (e.type === 'epoch' && !paused) {
        paused = e.runId
        svc.pause(e.runId)
      }
    })
    const { runId } = await svc.start({ model: parseModelFile(readFileSync(shapesModel, 'utf8')), datasetDir: shapes, settings: { epochs: 3, batchSize: 32, workers: 1 } })
    await until('the pause', () => store.getRun(runId).status === 'paused')
    const first = beat(runId)
    await until('a heartbeat while paused', () => beat(runId) > first, 30_000)
    expect(store.getRun(runId).status).toBe('paused')
    svc.stop(runId)
    await svc.whenIdle()
    expect(store.getRun(runId).status).toBe('stopped')
    store.close()
  })
})

describe('a process judged gone that comes back', () => {
  it('cannot write into the run another process took over', async () => {
    const db = join(tmp('cnn-fence-'), 'f.db')
    const store = new Store(db)
    const modelId = store.saveModel(chainModel([8, 8, 1], [['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])).id
    store.close()
    // The first owner: creates a run, then records an epoch each time it is told to (a hung trainer waking up).
    const storeUrl = new URL('../../src-main/services/store/store.ts', import.meta.url).href
    const script = `import { Store } from ${JSON.stringify(storeUrl)}
      import { createInterface } from 'node:readline'
      const s = new Store(${JSON.stringify(db)})
      const id = s.createRun({ name: 'fenced', settings: {}, modelId: ${modelId}, datasetId: null, splitSeed: 1 })
      s.setStatus(id, 'running', {}, true)
      console.log(id)
      let n = 0
      for await (const _ of createInterface({ input: process.stdin })) {
        try { s.recordEpoch(id, { epoch: ++n, trainLoss: 1, trainAccuracy: 0.5, lr: 0.1, seconds: 1, imagesPerSecond: 1 }, [], Uint8Array.of(n)); console.log('recorded') }
        catch (e) { console.log('refused: ' + e.message) }
      }`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lines: string[] = []
    let buf = ''
    child.stdout!.on('data', (d) => {
      buf += d
      const parts = buf.split('\n')
      buf = parts.pop()!
      lines.push(...parts)
    })
    try {
      await until('the run', () => lines.length >= 1)
      const runId = lines[0]
      child.stdin!.write('go\n')
      await until('the first epoch', () => lines.length >= 2)
      expect(lines[1]).toBe('recorded')
      // Its heartbeat goes silent past the limit (the process lives on, hung): it reads as interrupted, and we take the run over.
      const s = new Store(db)
      s.db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now() - HEARTBEAT_STALE_MS - 1_000, runId)
      expect(s.getRun(runId).status).toBe('interrupted')
      s.claim(runId)
      child.stdin!.write('go\n')
      await until('its second attempt', () => lines.length >= 3)
      expect(lines[2]).toMatch(/^refused: run r_\w+ was taken over by another process/)
      expect(s.epochs(runId).map((e) => e.epoch)).toEqual([1])
      s.close()
    } finally {
      child.kill('SIGKILL')
    }
  })
})

describe('the owner as readers judge it', () => {
  const model = chainModel([8, 8, 1], [['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])
  it('a live owner with a fresh heartbeat is running; a stale heartbeat or a reused pid is interrupted', async () => {
    const s = new Store(join(tmp('cnn-own-'), 'h.db'))
    const id = s.createRun({ name: 'x', settings: {}, modelId: s.saveModel(model).id, datasetId: null, splitSeed: 1 })
    s.setStatus(id, 'running')
    // Another live process on this host: a sleeping child stands in for the trainer.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      await until('the child process', () => processStart(other.pid!) !== null)
      const owner = { host: hostname(), pid: other.pid, start: processStart(other.pid!), label: 'cnn-studio serve', instance: 'other' }
      const set = (o: object, beat: number) => s.db.prepare('UPDATE runs SET owner = ?, owner_instance = ?, heartbeat_at = ? WHERE id = ?').run(JSON.stringify(o), 'other', beat, id)
      set(owner, Date.now())
      expect(s.getRun(id).status).toBe('running')
      expect(s.markInterrupted()).toEqual([])
      set(owner, Date.now() - HEARTBEAT_STALE_MS - 5_000)
      expect(s.getRun(id).status).toBe('interrupted')
      expect(s.getRun(id).error).toMatch(/last heartbeat 6\d s ago, the limit is 60 s/)
      set({ ...owner, start: '1' }, Date.now())
      expect(s.getRun(id).error).toMatch(/the pid now belongs to another process/)
      expect(s.markInterrupted()).toEqual([id])
      expect(readFileSync(s.file).length).toBeGreaterThan(0)
    } finally {
      other.kill('SIGKILL')
      s.close()
    }
  })
})
