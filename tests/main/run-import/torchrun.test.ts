// The round trip of issue 22 with real PyTorch (Debian's python3-torch): a run trained in the studio is
// exported as the PyTorch script, trained on for 2 epochs under torchrun with two processes on the CPU
// (Gloo) writing a run folder (--out), and imported back: its epochs are the folder's, the studio's
// evaluation of its last checkpoint on the validation split gives the script's own last validation
// accuracy, it compares with the run it came from, and the same folder is not imported twice.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Store } from '../../../src-main/services/store/store.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { exportRun } from '../../../src-main/services/export/export.ts'
import { importRunFolder } from '../../../src-main/services/run-import/import.ts'
import { evaluateRun } from '../../../src-main/services/insight/evaluate.ts'
import { compareRuns } from '../../../src-main/services/compare.ts'
import { ServiceError } from '../../../src-main/services/errors.ts'
import { syntheticFolder } from '../export/folders.ts'
import { noTorch, python, tinyModel } from './fixtures.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const cacheDir = tmp('cnn-rt-cache-')
let store: Store
let original: string
let folder: string

beforeAll(async () => {
  if (!python) return
  store = new Store(join(tmp('cnn-rt-db-'), 'x.db'))
  folder = await syntheticFolder(tmp('cnn-rt-data-'), { classes: 3, perClass: 8, size: 12, channels: 3 })
  const svc = new TrainingService(store, { cacheDir })
  ;({ runId: original } = await svc.start({ model: tinyModel(3), datasetDir: folder, settings: { epochs: 1, batchSize: 6, lr: 0.003, valSplit: 0.25, seed: 7, workers: 1 } }))
  await svc.whenIdle()
}, 300_000)

describe.skipIf(!python)(`a run trained under torchrun comes back (${python ?? noTorch})`, () => {
  it('2 epochs under torchrun --nproc_per_node 2 (gloo), imported: epochs, evaluation = the script\'s last val accuracy, compare', async () => {
    const dir = tmp('cnn-rt-out-')
    await exportRun(store, original, { format: 'pytorch', out: join(dir, 'train.py'), cacheDir })
    const runDir = join(dir, 'run')
    // --redirects/--tee 1: torch 1.13's default does not parse on Python 3.11 (see the export's test).
    const r = spawnSync(python!, ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', 'train.py', '--data', folder, '--epochs', '2', '--lr', '0.002', '--out', runDir],
      { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } })
    console.log(`torchrun:\n${r.stdout}`)
    expect(r.status, String(r.stderr) + String(r.stdout)).toBe(0)
    expect(r.stdout).toMatch(/24 images \(18 train, 6 validation, 0 skipped\), 3 classes; 2 processes, cpu/)
    expect(existsSync(join(dir, 'train.trained.weights'))).toBe(false) // with --out, the weights are in the folder
    const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'))
    expect(info).toMatchObject({ format: 'cnn-studio.run', status: 'completed', worldSize: 2, backend: 'gloo', settings: { epochs: 2, seed: 7, valSplit: 0.25 } })
    expect(info.devices).toHaveLength(2)
    const lines = readFileSync(join(runDir, 'epochs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.epoch)).toEqual([1, 2])
    const validation = JSON.parse(readFileSync(join(runDir, 'validation.json'), 'utf8'))
    expect(validation.files).toHaveLength(6)

    const imported = await importRunFolder(store, runDir, { cacheDir })
    expect(imported).toEqual({ runId: expect.stringMatching(/^r_/), status: 'completed', epochs: 2, warnings: [] }) // no warning: the same validation split
    const run = store.getRun(imported.runId)
    expect(run.origin).toMatchObject({ kind: 'imported', worldSize: 2, exportedFrom: original, folderStatus: 'completed' })
    expect(run.dataset).toBe(folder)
    const epochs = store.epochs(imported.runId)
    expect(epochs.map((e) => [e.epoch, e.trainLoss, e.valAccuracy])).toEqual(lines.map((l) => [l.epoch, l.trainLoss, l.valAccuracy]))
    expect(store.steps(imported.runId).epoch.length).toBeGreaterThan(0)

    // The studio's evaluation of the last checkpoint on the run's validation split: the script's own number.
    const scriptAcc = lines[1].valAccuracy as number
    const ev = await evaluateRun(store, imported.runId, { split: 'val', checkpoint: 'last', cacheDir })
    console.log(`original ${original} (1 epoch in the studio): val_acc ${store.getRun(original).final?.valAccuracy?.toFixed(4)}; imported ${imported.runId}: epochs ${lines.map((l) => `${l.epoch} val_acc ${l.valAccuracy.toFixed(4)} val_loss ${l.valLoss.toFixed(4)}`).join('; ')}; studio evaluation of the last checkpoint: acc ${ev.accuracy.toFixed(4)} loss ${ev.loss.toFixed(4)} on ${ev.count} images`)
    expect(ev.count).toBe(6)
    expect(Math.abs(ev.accuracy - scriptAcc)).toBeLessThan(1e-4)
    expect(ev.loss).toBeCloseTo(lines[1].valLoss, 3)

    const c = compareRuns(store, [original, imported.runId])
    expect(c.runs.map((x) => x.runId)).toEqual([original, imported.runId])
    expect(c.architecture.same).toBe(true)
    expect(c.differences.epochs).toEqual([1, 2])

    // The same folder again: refused, nothing written.
    const before = store.listRuns().length
    const again = await importRunFolder(store, runDir, { cacheDir }).catch((e: unknown) => e)
    expect(again).toBeInstanceOf(ServiceError)
    expect((again as ServiceError).code).toBe('IMPORTED_ALREADY')
    expect((again as ServiceError).message).toContain(imported.runId)
    expect(store.listRuns().length).toBe(before)
  }, 300_000)
})
