// How much memory a training run takes, in bytes: the training plan (core/nn/plan.ts) summed the way OUR
// engine allocates it (core/nn/network.ts, core/kernels/wasm.ts, node/trainer, services/training.ts):
// each worker thread holds a whole copy of the network planned for its shard of the batch in its own
// WebAssembly memory (at most WASM_MEMORY_LIMIT); the coordinator keeps the master weights, the summed
// gradients, the optimizer state and two input batches; the decoded dataset stays in memory as uint8 for
// the whole run. The designer shows it, `inspect` prints it, and training refuses a run that cannot fit
// before loading data.
import type { GraphAnalysis } from '../graph/types.ts'
import { PACK_A_BYTES, PACK_B_BYTES, reservedBytes } from '../kernels/plan.ts'
import { planNetwork, planShards, type NetworkPlan } from './plan.ts'

export { WASM_MEMORY_LIMIT } from '../kernels/plan.ts'

/** The terms of the estimate a user can act on, as MemoryEstimate names them. */
export type MemoryTerm = 'activations' | 'weights' | 'gradients' | 'optimizerState' | 'dataset'

export interface MemoryEstimate {
  /** Trainable and non-trainable parameters: every worker's copy, the coordinator's master, the checkpoint being written. */
  weights: number
  /** Every worker's gradient block and the coordinator's sum of them. */
  gradients: number
  /** Momentum (SGD) or the two Adam moments, and their copies in the checkpoint being written. */
  optimizerState: number
  /** Per worker: the input shard, every layer's output and output gradient, masks, argmax, im2col scratch, the Winograd convs' kept transformed weights; the coordinator's two input batches. */
  activations: number
  /** The decoded images (uint8 at the input size) and their train/validation copies. */
  dataset: number
  /** The sum of the terms above plus the runtime's own (Node, one V8 isolate per worker thread, the kernel module). */
  total: number
  /** The largest of the five terms: what to shrink first (a model dominated by its weights gains nothing from a smaller batch). */
  dominantTerm: MemoryTerm
  /** Worker threads the trainer starts: no more than the asked ones, nor than a step has images (planShards). */
  plannedWorkers: number
  /** Images each worker's network is planned for (its shard of the largest step). */
  shardBatch: number
  /** Bytes one worker's WebAssembly memory must hold: its network's buffers and scratch, parameters, gradients and state, the GEMM's packing buffers. It cannot pass WASM_MEMORY_LIMIT. */
  workerWasm: number
  /** Bytes of the coordinator's own kernel memory (master weights, gradient sum, optimizer state), under the same limit. */
  coordinatorWasm: number
}

export interface MemoryOptions {
  batchSize: number
  /** 'sgd' | 'adam' | 'adamw' (src-main/api/settings.ts). */
  optimizer: string
  /** Accepted for the settings' sake: our SGD keeps its momentum buffer whatever the momentum. */
  momentum?: number
  /** Worker threads asked for (the trainer starts at most one per image of a step, planShards); default 1. */
  workers?: number
  /** Images decoded for the run (training folder, and the test folder if any); default 0 (not known: full batches). */
  datasetImages?: number
}

const F32 = 4
const I32 = 4
/**
 * The runtime under the run, measured on Node 24 (peak RSS of `train` on the sample minus the terms above):
 * the main process with SQLite, sharp and the CLI loaded, and each worker thread's isolate with the module.
 */
export const RUNTIME_BASE = 150 * 2 ** 20
export const RUNTIME_PER_WORKER = 14 * 2 ** 20

/** Bytes of one worker's network for its shard, parameters excluded: in its kernel memory, and in JavaScript arrays. */
function workerBuffers(plan: NetworkPlan): { kernels: number; host: number } {
  let kernels = 0, host = 0
  for (const b of [...plan.buffers, ...plan.steps.flatMap((s) => s.buffers)]) {
    if (b.memory === 'kernels') kernels += reservedBytes(b.bytes)
    else host += b.bytes
  }
  // The convs' scratch requests in the order a training step makes them: forward (in one pass with its
  // pool where the conv runs so), then backward in
  // reverse (weight gradient, then input gradient where one is wanted). The scratch grows by reserving a
  // new, larger region (a bump allocator never frees), so each request larger than every one before it
  // adds its own bytes.
  const convs = plan.steps.flatMap((s) => (s.scratch ? [s.scratch] : []))
  const requests = [...convs.map((c) => c.pooled || c.forward), ...[...convs].reverse().flatMap((c) => [c.weights, c.data])]
  let largest = 0
  for (const r of requests) {
    if (r > largest) {
      kernels += reservedBytes(r)
      largest = r
    }
  }
  kernels += 2 * reservedBytes(plan.shard * I32) // labels and predictions (node/trainer/worker.ts)
  kernels += PACK_A_BYTES + PACK_B_BYTES // the GEMM's packing buffers, once per kernel instance
  return { kernels, host }
}

/** The memory a training run of this graph takes with these settings; see MemoryEstimate for what each term holds. */
export function estimateTrainingMemory(a: GraphAnalysis, o: MemoryOptions): MemoryEstimate {
  const images = Math.max(0, Math.floor(o.datasetImages ?? 0))
  const { batch, workers, shard } = planShards(o.batchSize, o.workers ?? 1, images)
  const plan = planNetwork(a, shard)
  const { trainable, state } = plan
  const imageSize = plan.input?.outputShape?.reduce((x, y) => x * y, 1) ?? 0

  // Each worker's paramBlock + stateBlock (wasm memory), the coordinator's master and state (trainer/index.ts),
  // and the encoded checkpoint built at the end of every epoch.
  const weights = (workers + 2) * (trainable + state) * F32
  // Each worker's gradBlock, and the coordinator's gradSum.
  const gradients = (workers + 1) * trainable * F32
  // SGD: one buffer (kept at any momentum); Adam/AdamW: two moments and the step count (core/train/optimizer.ts).
  // The checkpoint holds a copy (optimizer.state()) and the encoded blob holds another. The coordinator's
  // SIMD optimizer (core/kernels/wasm.ts) also keeps its weight-decay mask as floats.
  const optimizerFloats = o.optimizer === 'sgd' ? trainable : 2 * trainable + 1
  const optimizerState = (3 * optimizerFloats + trainable) * F32
  // Each worker's network for its shard, and the coordinator's two float32 batches (one filled while the
  // workers run the other) with their labels.
  const worker = workerBuffers(plan)
  const activations = workers * (worker.kernels + worker.host) + 2 * batch * (imageSize * F32 + I32)
  // loadDataset keeps the decoded uint8 pixels (as the cache stores them); splitStratified copies them
  // into the training and validation sets, and both stay alive while the run trains. (The first decode of
  // a folder briefly holds a third copy while it writes the cache: measured 12% above this estimate for a
  // run whose images dominate, against 1% from a warm cache.)
  const dataset = 2 * images * imageSize
  const runtime = RUNTIME_BASE + workers * RUNTIME_PER_WORKER
  const terms: Record<MemoryTerm, number> = { activations, weights, gradients, optimizerState, dataset }
  const dominantTerm = (Object.keys(terms) as MemoryTerm[]).reduce((best, t) => (terms[t] > terms[best] ? t : best))
  // The worker's kernel memory: its network, then its paramBlock, gradBlock and stateBlock (Network).
  const workerWasm = worker.kernels + 2 * reservedBytes(trainable * F32) + reservedBytes(state * F32)
  // The coordinator's: master, gradient sum, decay mask, and one (SGD) or two (Adam) state buffers.
  const coordinatorWasm = PACK_A_BYTES + PACK_B_BYTES + (o.optimizer === 'sgd' ? 4 : 5) * reservedBytes(trainable * F32)
  return {
    weights, gradients, optimizerState, activations, dataset, total: weights + gradients + optimizerState + activations + dataset + runtime,
    dominantTerm, plannedWorkers: workers, shardBatch: shard, workerWasm, coordinatorWasm,
  }
}
