// The host's commands for the screens, on a real database and real images: the settings' JSON schema, a
// class's contact sheet, renaming/starring/tagging/annotating a run (kept in SQLite), the architecture diff
// of any two runs, a comparison of up to ten runs with each model's parameters and MACs, and the CLI's
// `runs list` and `runs compare` with the same figures.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { modelFigures } from '../../../src-main/services/compare.ts'
import { put, solid } from '../../fixtures/images/make.ts'
import { cli } from '../../helpers/cli.ts'

const template = (id: string) => parseModelFile(readFileSync(new URL(`../../../resources/templates/${id}.cnn.json`, import.meta.url), 'utf8'))
let host: Host | null = null
afterEach(() => host?.close())

/** A database with one run per model given, recorded as the training service records them. */
function seeded(models: string[]): { db: string; ids: string[] } {
  const db = join(mkdtempSync(join(tmpdir(), 'cnn-screens-')), 'e.db')
  const store = new Store(db)
  const datasetId = store.saveDataset({ root: '/data/shapes', fingerprint: 'f', classes: ['a', 'b', 'c'], counts: [1, 1, 1] })
  const ids = models.map((m, i) => {
    const id = store.createRun({ name: `${m} ${i}`, settings: { lr: 0.001 * (i + 1), epochs: 2 }, modelId: store.saveModel(template(m)).id, datasetId, splitSeed: 1 })
    store.setStatus(id, 'running')
    store.setStatus(id, 'completed', { final: { valAccuracy: 0.5 + i / 100 } })
    return id
  })
  store.close()
  return { db, ids }
}

describe('host commands for the screens', () => {
  it('a refused start names each bad setting by its path in `fields`, beside the one-line message', async () => {
    host = createHost({ dbPath: seeded([]).db })
    const r = await host.invoke('runs.start', { model: template('shapes-cnn'), datasetDir: '/nowhere', settings: { batchSize: 0, lr: -1, optimizer: 'rmsprop' } })
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/^runs\.start: settings\.batchSize: /) } })
    if (r.ok) return
    expect(r.error.fields).toEqual({
      'settings.batchSize': 'Too small: expected number to be >=1',
      'settings.lr': 'Too small: expected number to be >0',
      'settings.optimizer': 'Invalid option: expected one of "sgd"|"adam"|"adamw"',
    })
    // the service's own check (what the CLI and a direct caller meet) gives them too, relative to the settings
    const err = await host.service.start({ model: template('shapes-cnn'), datasetDir: '/nowhere', settings: { epochs: 0 } }).catch((e) => e)
    expect([err.code, err.fields]).toEqual(['INVALID_SETTINGS', { epochs: 'Too small: expected number to be >=1' }])
  })

  it('settings.schema is the settings as JSON schema, with their defaults and ranges', async () => {
    host = createHost({ dbPath: seeded([]).db })
    const r = await host.invoke('settings.schema', undefined)
    expect(r).toMatchObject({ ok: true, result: { type: 'object', properties: { epochs: { type: 'integer', default: 10, minimum: 1 }, optimizer: { enum: ['sgd', 'adam', 'adamw'] }, lr: { exclusiveMinimum: 0 } } } })
  })

  it('datasets.thumbnails gives a PNG contact sheet of a class; an unknown class names the ones there are', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cnn-thumbs-'))
    for (let i = 0; i < 3; i++) put(root, `red/${i}.png`, await solid(20, 20, 3, [200, 10 * i, 0]).png().toBuffer())
    put(root, 'blue/0.png', await solid(20, 20, 3, [0, 0, 200]).png().toBuffer())
    host = createHost({ dbPath: seeded([]).db, cacheDir: mkdtempSync(join(tmpdir(), 'cnn-thumbcache-')) })
    const r = await host.invoke('datasets.thumbnails', { dir: root, className: 'red', count: 8 })
    if (!r.ok) throw new Error(r.error.message)
    const sheet = r.result as { png: string; total: number; columns: number }
    expect(sheet.total).toBe(3)
    const meta = await sharp(Buffer.from(sheet.png.replace(/^data:image\/png;base64,/, ''), 'base64')).metadata()
    expect([meta.format, meta.height]).toEqual(['png', 48])
    expect(await host.invoke('datasets.thumbnails', { dir: root, className: 'green' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/no class 'green' \(it has: blue, red\)/) } })
  })

  it('runs.update renames, stars, tags and annotates, kept in the database; a bad request changes nothing', async () => {
    const { db, ids } = seeded(['shapes-cnn'])
    host = createHost({ dbPath: db })
    const r = await host.invoke('runs.update', { runId: ids[0], name: 'baseline', starred: true, tags: ['keep', 'keep', 'best'], note: 'the first try' })
    expect(r).toMatchObject({ ok: true, result: { name: 'baseline', starred: true, tags: ['keep', 'best'], note: 'the first try' } })
    expect(await host.invoke('runs.update', { runId: ids[0], name: '' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    expect(await host.invoke('runs.update', { runId: 'r_nope', starred: false })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    host.close()
    host = createHost({ dbPath: db })
    const list = await host.invoke('runs.list', undefined)
    expect(list).toMatchObject({ ok: true, result: [{ runId: ids[0], name: 'baseline', starred: true, tags: ['keep', 'best'], note: 'the first try', ...modelFigures(template('shapes-cnn')) }] })
  })

  it('runs.compare takes up to ten runs with their params and MACs; runs.diff pairs any two by structure', async () => {
    const models = ['cnn-32x32x3', 'mlp-32x32x3', ...Array(9).fill('shapes-cnn')]
    const { db, ids } = seeded(models)
    host = createHost({ dbPath: db })
    const c = await host.invoke('runs.compare', { runIds: ids.slice(0, 10) })
    if (!c.ok) throw new Error(c.error.message)
    const cmp = c.result as { runs: { params: number; macs: number }[]; differences: Record<string, unknown[]>; architecture: { same: boolean } }
    expect(cmp.runs).toHaveLength(10)
    expect(cmp.runs[0]).toMatchObject(modelFigures(template('cnn-32x32x3')))
    expect(cmp.runs[1]).toMatchObject(modelFigures(template('mlp-32x32x3')))
    expect(Object.keys(cmp.differences)).toEqual(['lr'])
    expect(cmp.architecture.same).toBe(false)
    expect(await host.invoke('runs.compare', { runIds: ids })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/runIds/) } })
    const d = await host.invoke('runs.diff', { a: ids[2], b: ids[3] })
    expect(d).toMatchObject({ ok: true, result: { same: true, added: [], removed: [] } })
    const x = await host.invoke('runs.diff', { a: ids[0], b: ids[1] })
    expect(x.ok && (x.result as { nodes: { a?: string; status: string }[] }).nodes.find((n) => n.a === 'r1')!.status).toBe('changed')
  })

  it('the CLI prints the same figures: runs list with params, MACs and dataset; runs compare with params and MACs per run', () => {
    const { db, ids } = seeded(['cnn-32x32x3', 'mlp-32x32x3'])
    const list = cli(['runs', 'list', '--db', db])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/params[\s\S]*MACs[\s\S]*dataset/)
    expect(list.stdout).toContain('/data/shapes')
    const json = JSON.parse(cli(['runs', 'list', '--db', db, '--json']).stdout)
    expect(json.runs[0]).toMatchObject({ dataset: '/data/shapes', ...modelFigures(template('mlp-32x32x3')) })
    const cmp = cli(['runs', 'compare', ids[0], ids[1], '--db', db])
    expect(cmp.code).toBe(0)
    expect(cmp.stdout).toMatch(/params[\s\S]*MACs \/ image/)
    expect(cmp.stdout).toMatch(/~ r1 \(relu\): input/)
    expect(cmp.stdout).toMatch(/- c1 \(conv2d\) \(params -/)
  })
})
