// `runs import` without torch: run folders written here the way the exported script writes them
// (fixtures.ts), into a real SQLite file. A refused folder writes nothing; an incomplete one (a job killed
// after its first epoch) comes in as stopped with what it has, and the studio's resume finishes it.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Store } from '../../../src-main/services/store/store.ts'
import { ServiceError } from '../../../src-main/services/errors.ts'
import { importRunFolder } from '../../../src-main/services/run-import/import.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { syntheticFolder } from '../export/folders.ts'
import { cli } from '../../helpers/cli.ts'
import { createHost } from '../../../src-main/host/host.ts'
import { tinyModel, writeRunFolder } from './fixtures.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const cacheDir = tmp('cnn-imp-cache-')
const CLASSES = ['class-00', 'class-01', 'class-02']
let data: string

beforeAll(async () => {
  data = await syntheticFolder(tmp('cnn-imp-data-'), { classes: 3, perClass: 8, size: 12, channels: 3 })
})

/** Rows of every table an import writes to: a refusal must leave them all as they were. */
const rows = (s: Store) => ['runs', 'models', 'datasets', 'epochs', 'steps', 'checkpoints'].map((t) => (s.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n)

async function refused(store: Store, dir: string, opts: { dataDir?: string } = {}): Promise<ServiceError> {
  const before = rows(store)
  const e = await importRunFolder(store, dir, { cacheDir, ...opts }).then(() => null, (x: unknown) => x)
  expect(e).toBeInstanceOf(ServiceError)
  expect(rows(store)).toEqual(before)
  return e as ServiceError
}

describe('runs import refuses, writing nothing', () => {
  it('a folder that is not a run folder: no run.json, another format, a missing folder', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const empty = tmp('cnn-imp-empty-')
    let e = await refused(store, empty)
    expect(e.code).toBe('NOT_A_RUN_FOLDER')
    expect(e.message).toBe(`${empty} is not a run folder: it has no run.json. A run folder is what the exported PyTorch script writes with --out RUN_DIR (cnn-studio export RUN --format pytorch)`)
    writeFileSync(join(empty, 'run.json'), JSON.stringify({ format: 'cnn-studio.onnx-preprocessing', version: 1 }))
    e = await refused(store, empty)
    expect(e.code).toBe('NOT_A_RUN_FOLDER')
    expect(e.message).toContain("format 'cnn-studio.onnx-preprocessing', expected 'cnn-studio.run'")
    e = await refused(store, join(empty, 'nothing-here'))
    expect(e.code).toBe('NOT_FOUND')
    store.close()
  })

  it('weights that do not fit its model, naming the file and the tensor', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { epochs: 1, datasetDir: data, classes: CLASSES, weightsModel: tinyModel(5) })
    const e = await refused(store, dir)
    expect(e.code).toBe('INVALID_MODEL')
    expect(e.message).toBe(`${join(dir, 'final.weights')} does not fit the run's model (model.cnn.json): the weights do not fit this model: out.weight has 720 numbers, the model needs 432`)
    store.close()
  })

  it('a folder whose job ended before its first epoch (no weights yet), and a damaged epochs.jsonl', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { status: 'running', epochs: 0, planned: 2, datasetDir: data, classes: CLASSES })
    let e = await refused(store, dir)
    expect(e.code).toBe('NOT_A_RUN_FOLDER')
    expect(e.message).toContain('it has no final.weights yet: the job ended before its first epoch did')
    const two = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { epochs: 2, datasetDir: data, classes: CLASSES })
    writeFileSync(join(two, 'epochs.jsonl'), '{"epoch": 1, "trainLoss": 1, "trainAccuracy": 0.5, "lr": 0.01}\n{"epoch": 3}\n')
    e = await refused(store, two)
    expect(e.message).toBe(`${join(two, 'epochs.jsonl')} line 2 is not epoch 2 with trainLoss, trainAccuracy and lr; the run folder cannot be imported as it is`)
    store.close()
  })

  it('a dataset folder of other classes, and one that is not here (--data names it)', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { epochs: 1, datasetDir: join(data, 'gone'), classes: CLASSES })
    let e = await refused(store, dir)
    expect(e.code).toBe('UNUSABLE_DATASET')
    expect(e.message).toMatch(new RegExp(`^the job trained on ${join(data, 'gone')}, which cannot be read here: .*; give the folder as it is on this machine \\(--data DIR\\)$`))
    const other = await syntheticFolder(tmp('cnn-imp-other-'), { classes: 3, perClass: 2, size: 12, channels: 3 })
    renameSync(join(other, 'class-02'), join(other, 'zebra'))
    e = await refused(store, dir, { dataDir: other })
    expect(e.code).toBe('DATA_CHANGED')
    expect(e.message).toContain('but the job trained on class-00, class-01, class-02')
    // The right folder given with --data: imported.
    expect((await importRunFolder(store, dir, { cacheDir, dataDir: data })).status).toBe('completed')
    store.close()
  })

  it('a folder imported already (the same run folder, copied elsewhere too)', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { id: 'abc123', epochs: 2, datasetDir: data, classes: CLASSES })
    const first = await importRunFolder(store, dir, { cacheDir })
    const copy = writeRunFolder(join(tmp('cnn-imp-run-'), 'copy'), { id: 'abc123', epochs: 2, datasetDir: data, classes: CLASSES })
    const e = await refused(store, copy)
    expect(e.code).toBe('IMPORTED_ALREADY')
    expect(e.message).toBe(`${copy} was imported already, as run ${first.runId} (the same run folder: run.json id abc123); delete that run first to import it again`)
    // Another job's folder is another run.
    const other = writeRunFolder(join(tmp('cnn-imp-run-'), 'other'), { id: 'def456', epochs: 2, datasetDir: data, classes: CLASSES })
    expect((await importRunFolder(store, other, { cacheDir })).runId).not.toBe(first.runId)
    store.close()
  })
})

describe('runs import of a folder', () => {
  it('complete: its epochs, steps, checkpoints (best is not last), statistics and origin', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { epochs: 3, datasetDir: data, classes: CLASSES })
    const r = await importRunFolder(store, dir, { cacheDir })
    // The fixture's validation.json is absent: said, not refused.
    expect(r).toEqual({ runId: expect.stringMatching(/^r_/), status: 'completed', epochs: 3, warnings: [`${join(dir, 'validation.json')} is missing or lists no files: the studio's validation split cannot be checked against the one the job used`] })
    const run = store.getRun(r.runId)
    expect(run).toMatchObject({ status: 'completed', dataset: data, final: { valAccuracy: 0.6, valLoss: expect.closeTo(0.9, 9) }, startedAt: '2026-12-04T10:00:00.000Z', error: null })
    expect(run.origin).toMatchObject({ kind: 'imported', folder: dir, exportedFrom: 'r_x', torch: '1.13.0', worldSize: 2, devices: ['host cpu', 'host cpu'], folderStatus: 'completed' })
    expect(run.settings).toMatchObject({ epochs: 3, lr: 0.01, seed: 7, valSplit: 0.25, datasetDir: data })
    expect(store.epochs(r.runId).map((e) => e.valAccuracy)).toEqual([0.5, 0.75, 0.6])
    expect(store.steps(r.runId).epoch).toEqual([1, 1, 2, 2, 3, 3])
    expect(store.checkpoint(r.runId, 'last')!.epoch).toBe(3)
    expect(store.checkpoint(r.runId, 'best')!.epoch).toBe(2)
    expect(store.normalizationOf(r.runId)).toEqual({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] })
    store.close()
  })

  it('incomplete (killed after epoch 1 of 2): imported as stopped with what it has, and runs resume finishes it here', async () => {
    const store = new Store(join(tmp('cnn-imp-db-'), 'x.db'))
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { status: 'running', epochs: 1, planned: 2, datasetDir: data, classes: CLASSES })
    const r = await importRunFolder(store, dir, { cacheDir })
    expect(r.status).toBe('stopped')
    expect(r.epochs).toBe(1)
    const run = store.getRun(r.runId)
    expect(run.error).toBe("the job's folder says it was still running after epoch 1 of 2 (killed, or still going when the folder was copied): imported as stopped; runs resume continues it here")
    expect(run.origin!.folderStatus).toBe('running')
    expect(run.endedAt).toBeNull()

    const svc = new TrainingService(store, { cacheDir })
    await svc.resume(r.runId)
    await svc.whenIdle()
    expect(store.getRun(r.runId).status).toBe('completed')
    const epochs = store.epochs(r.runId)
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2])
    expect(epochs[0].valAccuracy).toBe(0.5) // the imported epoch kept; the second trained here
    expect(store.checkpoint(r.runId, 'last')!.epoch).toBe(2)
    store.close()
  })
})

describe('cnn-studio runs import', () => {
  it('--json prints the run id; the same folder again is refused with exit 1, a folder that is not one with exit 2', () => {
    const db = join(tmp('cnn-imp-cli-'), 'x.db')
    const env = { ...process.env, CNN_STUDIO_CACHE: cacheDir }
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { epochs: 2, datasetDir: data, classes: CLASSES })
    const r = cli(['runs', 'import', dir, '--json', '--db', db], { env })
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ runId: expect.stringMatching(/^r_/), status: 'completed', epochs: 2 })
    const show = JSON.parse(cli(['runs', 'show', out.runId, '--json', '--db', db], { env }).stdout)
    expect(show.origin).toMatchObject({ kind: 'imported', worldSize: 2 })
    expect(JSON.parse(cli(['runs', 'list', '--json', '--db', db], { env }).stdout).runs[0].origin).toMatchObject({ kind: 'imported', folder: dir })
    const again = cli(['runs', 'import', dir, '--db', db], { env })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`was imported already, as run ${out.runId}`)
    const not = cli(['runs', 'import', tmp('cnn-imp-empty-'), '--db', db], { env })
    expect(not.code).toBe(2)
    expect(not.stderr).toContain('is not a run folder: it has no run.json')
  })
})

describe('the runs.import command of the page', () => {
  it('imports a folder (its run listed with where it was trained), and refuses one that is not, as an error the page shows', async () => {
    const host = createHost({ dbPath: join(tmp('cnn-imp-host-'), 'x.db'), cacheDir })
    const dir = writeRunFolder(join(tmp('cnn-imp-run-'), 'run'), { epochs: 2, datasetDir: data, classes: CLASSES })
    const r = await host.invoke('runs.import', { dir })
    expect(r).toMatchObject({ ok: true, result: { status: 'completed', epochs: 2 } })
    const list = await host.invoke('runs.list', undefined)
    expect(list).toMatchObject({ ok: true, result: [{ origin: { kind: 'imported', worldSize: 2, folder: dir } }] })
    const empty = tmp('cnn-imp-empty-')
    expect(await host.invoke('runs.import', { dir: empty })).toEqual({ ok: false, error: { code: 'NOT_A_RUN_FOLDER', message: expect.stringContaining(`${empty} is not a run folder`) } })
    host.close()
  })
})
