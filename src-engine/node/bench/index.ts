// The engine's reference benchmark (shared/bench/README.md): SmallCNN, batch 64 of 32x32x3, 10 classes,
// SGD momentum 0.9; training and inference images/s with 1 worker and with all cores, and the GEMM's
// GFLOP/s alone. Figures, not pass/fail: compare with the PyTorch reference measured in the same sitting.
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { parseModelFile, type ModelFile } from '../../core/graph/index.ts'
import { randomSource } from '../../core/data/synthetic.ts'
import { createTrainer } from '../trainer/index.ts'
import { loadKernelModule } from '../wasm-kernels.ts'
import { createWasmKernels } from '../../core/kernels/wasm.ts'
import { PEAK_GFLOPS_PER_CORE } from './profile.ts'

/** SmallCNN exactly as the bench README defines it (also resources/templates/smallcnn.cnn.json). */
export const SMALLCNN: ModelFile = parseModelFile({
  format: 'cnn-studio.graph', version: 1, name: 'SmallCNN',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 32, width: 32, channels: 3 } },
    { id: 'c1', type: 'conv2d', attrs: { filters: 32, kernel: 3, padding: 'same' } }, { id: 'r1', type: 'relu' }, { id: 'p1', type: 'maxpool2d', attrs: { size: 2 } },
    { id: 'c2', type: 'conv2d', attrs: { filters: 64, kernel: 3, padding: 'same' } }, { id: 'r2', type: 'relu' }, { id: 'p2', type: 'maxpool2d', attrs: { size: 2 } },
    { id: 'c3', type: 'conv2d', attrs: { filters: 128, kernel: 3, padding: 'same' } }, { id: 'r3', type: 'relu' },
    { id: 'gap', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'c1'], ['c1', 'r1'], ['r1', 'p1'], ['p1', 'c2'], ['c2', 'r2'], ['r2', 'p2'], ['p2', 'c3'], ['c3', 'r3'], ['r3', 'gap'], ['gap', 'fc'], ['fc', 'out']],
})
/** The dense-heavy model of issue 11: 624k parameters, few operations; shows the fixed cost per step. */
export const DENSE_HEAVY: ModelFile = parseModelFile({
  format: 'cnn-studio.graph', version: 1, name: 'Dense-heavy',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 48, width: 48, channels: 1 } }, { id: 'flat', type: 'flatten' },
    { id: 'fc1', type: 'dense', attrs: { units: 256 } }, { id: 'r1', type: 'relu' },
    { id: 'fc2', type: 'dense', attrs: { units: 128 } }, { id: 'r2', type: 'relu' },
    { id: 'fc3', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'flat'], ['flat', 'fc1'], ['fc1', 'r1'], ['r1', 'fc2'], ['fc2', 'r2'], ['r2', 'fc3'], ['fc3', 'out']],
})
/** FLOP per image: forward 2 * MACs; a training step 2 * (3 * MACs - the first conv's input gradient). */
export const TRAIN_FLOP_PER_IMAGE = 2 * (3 * 10_323_200 - 884_736)
export const BATCH = 64

export interface BenchRow {
  threads: number
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  gemmGflops: number
}

export interface BenchResult {
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  threads: number
  batch: number
  kernels: string
  gemmGflopsPeak128: number
  rows: BenchRow[]
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function smallCnn(threads: number, steps: number): Promise<{ train: number; infer: number }> {
  const data = randomSource(BATCH * steps, [32, 32, 3], 10)
  const perEpoch: number[] = []
  const t = createTrainer({
    model: SMALLCNN, train: data, workers: threads,
    hyper: { epochs: 4, batchSize: BATCH, optimizer: 'sgd', lr: 0.01, momentum: 0.9, seed: 1 },
    onEpoch: (e) => { perEpoch.push(e.imagesPerSecond) },
  })
  await t.run()
  const infer: number[] = []
  for (let r = 0; r < 4; r++) {
    const t0 = performance.now()
    await t.evaluate(data)
    infer.push(data.count / ((performance.now() - t0) / 1000))
  }
  await t.close()
  // The first epoch includes start-up and JIT warm-up: leave it out.
  return { train: median(perEpoch.slice(1)), infer: median(infer.slice(1)) }
}

async function gemmGflops(threads: number, size = 512, reps = 20): Promise<number> {
  const module = await loadKernelModule()
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./gemm-worker.ts', import.meta.url), { workerData: { module, size, reps } }))
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))))
  const t0 = performance.now()
  const done = workers.map((w) => new Promise((r) => w.once('message', r)))
  for (const w of workers) w.postMessage('go')
  await Promise.all(done)
  const seconds = (performance.now() - t0) / 1000
  await Promise.all(workers.map((w) => w.terminate()))
  return (2 * size ** 3 * reps * threads) / seconds / 1e9
}

export async function runBench(opts: { threads?: number; steps?: number; onProgress?: (what: string) => void } = {}): Promise<BenchResult> {
  const all = opts.threads ?? availableParallelism()
  const counts = [...new Set([1, all])]
  const kernels = createWasmKernels(await loadKernelModule())
  const rows: BenchRow[] = []
  for (const threads of counts) {
    opts.onProgress?.(`GEMM 512^3, ${threads} thread${threads > 1 ? 's' : ''}`)
    const gemm = await gemmGflops(threads)
    opts.onProgress?.(`SmallCNN batch ${BATCH}, ${threads} worker${threads > 1 ? 's' : ''}`)
    const s = await smallCnn(threads, opts.steps ?? 20)
    rows.push({ threads, trainImagesPerSecond: s.train, inferImagesPerSecond: s.infer, gemmGflops: gemm })
  }
  const best = rows[rows.length - 1]
  return {
    trainImagesPerSecond: Math.round(best.trainImagesPerSecond),
    inferImagesPerSecond: Math.round(best.inferImagesPerSecond),
    threads: best.threads,
    batch: BATCH,
    kernels: kernels.name,
    gemmGflopsPeak128: PEAK_GFLOPS_PER_CORE * best.threads, // 128-bit SIMD peak of this machine per the bench README
    rows,
  }
}
