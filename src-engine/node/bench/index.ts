// The engine's reference benchmark (shared/bench/README.md): SmallCNN, batch 64 of 32x32x3, 10 classes,
// SGD momentum 0.9; training and inference images/s with 1 worker and with all cores, and the GEMM's
// GFLOP/s alone; beside it the photo-sized net (96x96x3: users' folders are photos more often than icons).
// Figures, not pass/fail: compare with the PyTorch references measured in the same sitting.
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
/**
 * The photo-sized net of the engine issue: 96x96x3, 3x3 'same' convs of 32, 64, 128 and 256 filters, each of the
 * first three followed by ReLU and a 2x2 max-pool, then ReLU, global average pooling and dense 10 (its PyTorch
 * twin: scripts/pytorch_photo.py).
 */
export const PHOTO_NET: ModelFile = parseModelFile({
  format: 'cnn-studio.graph', version: 1, name: 'Photo-96',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 96, width: 96, channels: 3 } },
    { id: 'c1', type: 'conv2d', attrs: { filters: 32, kernel: 3, padding: 'same' } }, { id: 'r1', type: 'relu' }, { id: 'p1', type: 'maxpool2d', attrs: { size: 2 } },
    { id: 'c2', type: 'conv2d', attrs: { filters: 64, kernel: 3, padding: 'same' } }, { id: 'r2', type: 'relu' }, { id: 'p2', type: 'maxpool2d', attrs: { size: 2 } },
    { id: 'c3', type: 'conv2d', attrs: { filters: 128, kernel: 3, padding: 'same' } }, { id: 'r3', type: 'relu' }, { id: 'p3', type: 'maxpool2d', attrs: { size: 2 } },
    { id: 'c4', type: 'conv2d', attrs: { filters: 256, kernel: 3, padding: 'same' } }, { id: 'r4', type: 'relu' },
    { id: 'gap', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'c1'], ['c1', 'r1'], ['r1', 'p1'], ['p1', 'c2'], ['c2', 'r2'], ['r2', 'p2'], ['p2', 'c3'], ['c3', 'r3'], ['r3', 'p3'], ['p3', 'c4'], ['c4', 'r4'], ['r4', 'gap'], ['gap', 'fc'], ['fc', 'out']],
})

/** The nets `bench` measures, by the name `--net` takes. */
export const BENCH_NETS = { smallcnn: SMALLCNN, photo: PHOTO_NET } as const
export type BenchNet = keyof typeof BENCH_NETS

/** FLOP per image: forward 2 * MACs; a training step 2 * (3 * MACs - the first conv's input gradient). */
export const TRAIN_FLOP_PER_IMAGE = 2 * (3 * 10_323_200 - 884_736)
export const BATCH = 64

export interface BenchRow {
  threads: number
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  gemmGflops: number
}

export interface NetResult {
  net: BenchNet
  model: string
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  rows: { threads: number; trainImagesPerSecond: number; inferImagesPerSecond: number }[]
}

export interface BenchResult {
  /** SmallCNN's figures at the top level, as before the photo net joined (scripts read them). */
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  threads: number
  batch: number
  kernels: string
  gemmGflopsPeak128: number
  rows: BenchRow[]
  /** Every net measured (SmallCNN and the photo net unless `--net` chose one). */
  nets: NetResult[]
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function measureNet(model: ModelFile, threads: number, steps: number): Promise<{ train: number; infer: number }> {
  const shape = model.nodes.find((n) => n.type === 'input')!.attrs as { height: number; width: number; channels: number }
  const data = randomSource(BATCH * steps, [shape.height, shape.width, shape.channels], 10)
  const perEpoch: number[] = []
  const t = createTrainer({
    model, train: data, workers: threads,
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

/** Steps an epoch per net: about the same seconds for each (the photo net costs ~9x SmallCNN an image). */
const STEPS: Record<BenchNet, number> = { smallcnn: 20, photo: 4 }

export async function runBench(opts: { threads?: number; steps?: number; nets?: BenchNet[]; onProgress?: (what: string) => void } = {}): Promise<BenchResult> {
  const all = opts.threads ?? availableParallelism()
  const counts = [...new Set([1, all])]
  const kernels = createWasmKernels(await loadKernelModule())
  const which = opts.nets ?? (Object.keys(BENCH_NETS) as BenchNet[])
  const rows: BenchRow[] = []
  const nets: NetResult[] = which.map((net) => ({ net, model: BENCH_NETS[net].name!, trainImagesPerSecond: 0, inferImagesPerSecond: 0, rows: [] }))
  for (const threads of counts) {
    opts.onProgress?.(`GEMM 512^3, ${threads} thread${threads > 1 ? 's' : ''}`)
    const gemm = await gemmGflops(threads)
    let first: { train: number; infer: number } | null = null
    for (const n of nets) {
      opts.onProgress?.(`${n.model} batch ${BATCH}, ${threads} worker${threads > 1 ? 's' : ''}`)
      const s = await measureNet(BENCH_NETS[n.net], threads, opts.steps ?? STEPS[n.net])
      n.rows.push({ threads, trainImagesPerSecond: s.train, inferImagesPerSecond: s.infer })
      first ??= s
    }
    rows.push({ threads, trainImagesPerSecond: first!.train, inferImagesPerSecond: first!.infer, gemmGflops: gemm })
  }
  for (const n of nets) {
    const last = n.rows[n.rows.length - 1]
    n.trainImagesPerSecond = Math.round(last.trainImagesPerSecond)
    n.inferImagesPerSecond = Math.round(last.inferImagesPerSecond)
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
    nets,
  }
}
