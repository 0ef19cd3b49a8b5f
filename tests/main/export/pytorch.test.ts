// The PyTorch export run by real PyTorch (Debian's python3-torch): the script's network has inspect's
// parameter count, gives the engine's probabilities on a batch with the exported weights, and trains an
// epoch under torchrun with two processes on the CPU (Gloo), writing weights the studio opens again.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createInferenceNet, inferProbabilities } from '../../../src-engine/core/insight/infer.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { exportRun } from '../../../src-main/services/export/export.ts'
import { syntheticFolder } from './folders.ts'

/** A Python that has torch and Pillow: the one on PATH, else Debian's. */
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch, PIL'], { stdio: 'ignore' }).status === 0)
const why = 'no python3 with torch and Pillow here (apt-get install python3-torch python3-pil; .ci/run installs them)'
const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
// LeNet: one channel, 5x5 'same' padding, a flatten before dense; the ResNet: batchnorm, add skips, stride-2
// 'same' convolutions (TensorFlow's uneven padding) and 1x1 projections.
const NAMES = ['lenet5.cnn.json', 'resnet-small.cnn.json']
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const cacheDir = tmp('cnn-pt-cache-')
let store: Store
const runs = new Map<string, { runId: string; folder: string }>()

const py = (args: string[], cwd: string) => {
  const r = spawnSync(python!, args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } })
  return { code: r.status, out: String(r.stdout), err: String(r.stderr) }
}

beforeAll(async () => {
  if (!python) return
  store = new Store(join(tmp('cnn-pt-db-'), 'x.db'))
  const svc = new TrainingService(store, { cacheDir })
  for (const f of NAMES) {
    const model = parseModelFile(readFileSync(TEMPLATES + f, 'utf8'))
    const input = analyzeGraph(model).nodes.find((n) => n.type === 'input')!.outputShape!
    const folder = await syntheticFolder(tmp('cnn-pt-data-'), { classes: 10, perClass: 2, size: input[0], channels: input[2] as 1 | 3 })
    const { runId } = await svc.start({ model, datasetDir: folder, settings: { epochs: 1, batchSize: 8, lr: 0.003, workers: 2 } })
    runs.set(f, { runId, folder })
  }
  await svc.whenIdle()
}, 600_000)

describe.skipIf(!python)(`the PyTorch script (${python ?? why})`, () => {
  it.each(NAMES)('%s: parameter count and outputs on a batch equal the engine\'s', async (f) => {
    const { runId } = runs.get(f)!
    const dir = tmp('cnn-pt-out-')
    const r = await exportRun(store, runId, { format: 'pytorch', out: join(dir, 'train.py'), cacheDir })
    expect(r.files).toEqual([join(dir, 'train.py'), join(dir, 'train.weights')])

    // 6 images of standard-normal noise, NHWC, through both; one Python process prints the counts too.
    const m = createInferenceNet(store.modelOf(runId), referenceKernels('float32'), store.checkpoint(runId, 'best')!.weights, 8)
    const rng = new Rng(11)
    const n = 6
    const x = Float32Array.from({ length: n * m.net.inputSize }, () => rng.normal())
    const ours = inferProbabilities(m, x, n)
    writeFileSync(join(dir, 'batch.bin'), x)
    const p = py(['train.py', '--params', '--predict-raw', 'batch.bin', 'probs.bin'], dir)
    expect(p.code, p.err).toBe(0)
    const totals = analyzeGraph(store.modelOf(runId), { forTraining: true }).totals
    expect(JSON.parse(p.out)).toEqual({ params: totals.params, trainableParams: totals.trainableParams, nonTrainableParams: totals.nonTrainableParams })
    const buf = readFileSync(join(dir, 'probs.bin'))
    const theirs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)
    expect(theirs.length).toBe(ours.length)
    let max = 0
    for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - theirs[i]))
    console.log(`pytorch ${f}: ${totals.params} params, max |dp| on ${n} images ${max.toExponential(2)}`)
    expect(max).toBeLessThan(1e-4)
  }, 300_000)

  it('trains one epoch under torchrun --nproc_per_node 2 on the CPU (gloo), and the studio reopens its weights', async () => {
    const { runId, folder } = runs.get('lenet5.cnn.json')!
    const dir = tmp('cnn-pt-ddp-')
    await exportRun(store, runId, { format: 'pytorch', out: join(dir, 'train.py'), cacheDir })
    // torch.distributed.run is torchrun's module. --redirects/--tee 1: torch 1.13's default ('0') does not
    // parse on Python 3.11 (its enum lookup skips the zero flag), so name them.
    const r = py(['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', 'train.py', '--data', folder, '--epochs', '1', '--save', join(dir, 'ddp.weights')], dir)
    console.log(`torchrun:\n${r.out}`)
    expect(r.code, r.err + r.out).toBe(0)
    expect(r.out).toMatch(/20 images \(10 train, 10 validation, 0 skipped\), 10 classes; 2 processes, cpu/)
    expect(r.out).toMatch(/epoch 1\/1: loss [\d.]+ acc [\d.]+ val_loss [\d.]+ val_acc [\d.]+/)
    const m = createInferenceNet(store.modelOf(runId), referenceKernels('float32'), new Uint8Array(readFileSync(join(dir, 'ddp.weights'))), 1)
    const probs = inferProbabilities(m, new Float32Array(m.net.inputSize).fill(0.5), 1)
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    // Training moved the weights away from the exported ones.
    const before = createInferenceNet(store.modelOf(runId), referenceKernels('float32'), new Uint8Array(readFileSync(join(dir, 'train.weights'))), 1)
    expect(Array.from(before.net.paramBlock)).not.toEqual(Array.from(m.net.paramBlock))
  }, 300_000)
})
