// How much memory a training run takes, in bytes, worked out from graph analysis the way OUR engine
// allocates it (src-engine/core/nn/network.ts, core/kernels/wasm.ts, node/trainer, services/training.ts):
// each worker thread holds a whole copy of the network planned for its share of the batch in its own
// WebAssembly memory; the coordinator keeps the master weights, the summed gradients, the optimizer state
// and two input batches; the decoded dataset stays in memory as uint8 for the whole run.
// The designer shows it, `inspect` prints it, and training refuses a run that cannot fit before loading data.
import type { GraphAnalysis, NodeInfo } from './types.ts'
import { chooseConv, convScratchBytes } from '../kernels/plan.ts'
import type { WindowDims } from '../kernels/types.ts'

export interface MemoryEstimate {
  /** Trainable and non-trainable parameters: every worker's copy, the coordinator's master, the checkpoint being written. */
  weights: number
  /** Every worker's gradient block and the coordinator's sum of them. */
  gradients: number
  /** Momentum (SGD) or the two Adam moments, and their copies in the checkpoint being written. */
  optimizerState: number
  /** Per worker: the input shard, every layer's output and output gradient, masks, argmax, im2col scratch; the coordinator's two input batches. */
  activations: number
  /** The decoded images (uint8 at the input size) and their train/validation copies. */
  dataset: number
  /** The sum of the terms above plus the runtime's own (Node, one V8 isolate per worker thread, the kernel module). */
  total: number
}

export interface MemoryOptions {
  batchSize: number
  /** 'sgd' | 'adam' | 'adamw' (src-main/api/settings.ts). */
  optimizer: string
  /** Accepted for the settings' sake: our SGD keeps its momentum buffer whatever the momentum. */
  momentum?: number
  /** Worker threads (the trainer uses min(workers, batchSize)); default 1. */
  workers?: number
  /** Images decoded for the run (training folder, and the test folder if any); default 0. */
  datasetImages?: number
}

const F32 = 4
const I32 = 4
/** wasm.ts aligns every allocation to 64 bytes. */
const align = (bytes: number) => Math.ceil(Math.max(bytes, 4) / 64) * 64
/** The GEMM's packing scratch, reserved once per kernel instance (src-engine/wasm/gemm.ts: MC*KC*4 + KC*NC*4). */
const PACK_BYTES = 96 * 384 * 4 + 384 * 512 * 4
/**
 * The runtime under the run, measured on Node 24 (peak RSS of `train` on the sample minus the terms above):
 * the main process with SQLite, sharp and the CLI loaded, and each worker thread's isolate with the module.
 */
export const RUNTIME_BASE = 150 * 2 ** 20
export const RUNTIME_PER_WORKER = 14 * 2 ** 20

const size = (shape: number[] | null) => (shape ? shape.reduce((a, b) => a * b, 1) : 0)

/**
 * The nodes that lead to the output, in topological order: all the Network builds and an exporter writes
 * (dead-end branches are warned about by analysis, never computed).
 */
export function neededNodes(a: GraphAnalysis): NodeInfo[] {
  if (!a.outputId) return a.nodes.filter((n) => n.outputShape)
  const needed = new Set<string>()
  const stack = [a.outputId]
  while (stack.length) {
    const id = stack.pop()!
    if (needed.has(id) || !a.byId.has(id)) continue
    needed.add(id)
    stack.push(...a.byId.get(id)!.inputs)
  }
  return a.nodes.filter((n) => needed.has(n.id))
}

/** Bytes one worker's network takes in its WebAssembly memory for a shard of `shard` images, parameters excluded. */
function workerActivations(nodes: NodeInfo[], output: NodeInfo | undefined, shard: number): number {
  const consumers = new Map<string, NodeInfo[]>()
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n])
  const fused = new Set<string>()
  const inputNode = nodes.find((n) => n.type === 'input')
  // In reverse order the last consumer of a node writes its gradient; earlier ones add to it through a scratch.
  const lastConsumer = new Map<string, string>()
  for (const n of nodes) for (const i of n.inputs) lastConsumer.set(i, n.id)

  let bytes = align(shard * size(inputNode?.outputShape ?? null) * F32) // Network.input
  // The convs' scratch requests in the order a training step makes them: forward, then backward in
  // reverse (weight gradient, then input gradient where one is wanted), as the kernels plan them.
  const forward: number[] = [], backward: number[] = []
  const leadsToParams = new Map<string, boolean>()
  for (const n of nodes) leadsToParams.set(n.id, n.trainableParams > 0 || n.inputs.some((i) => leadsToParams.get(i)))
  for (const n of nodes) {
    if (n.type === 'input' || !n.outputShape) continue
    if (n.type === 'relu' && fused.has(n.inputs[0])) continue // shares its producer's buffers
    const next = consumers.get(n.id) ?? []
    if ((n.type === 'conv2d' || n.type === 'dense') && next.length === 1 && next[0].type === 'relu') fused.add(n.id)
    const out = shard * size(n.outputShape)
    bytes += 2 * align(out * F32) // out and dOut (layers/base.ts buffers)
    if (n.type === 'maxpool2d') bytes += align(out * I32) // argmax
    if (n.type === 'globalmaxpool') bytes += out * I32 // argmax, a plain Int32Array
    if (n.type === 'batchnorm') bytes += align(out * F32) + 4 * 8 * n.outputShape[n.outputShape.length - 1] // xhat, per-channel float64 sums
    if (n.type === 'dropout') bytes += align(out * F32) // mask
    // As the Network decides: a gradient goes only where it leads back to parameters, so a branch point
    // right after the input (a pool feeding two convs) gets none, and needs no scratch to add one through.
    const fanOut = n.inputs[0] !== undefined && leadsToParams.get(n.inputs[0]) === true && lastConsumer.get(n.inputs[0]) !== n.id
    if ((n.type === 'conv2d' || n.type === 'maxpool2d' || n.type === 'avgpool2d') && fanOut) {
      bytes += align(shard * size(n.inputShapes[0]) * F32) // gradient scratch, added onto the other consumer's
    }
    if (n.type === 'conv2d' && n.window && n.inputShapes[0]) {
      const [inH, inW, cin] = n.inputShapes[0]
      const d: WindowDims = { ...n.window, n: shard, inH, inW, cin, cout: n.outputShape[2] }
      const algo = chooseConv(d)
      forward.push(convScratchBytes(d, algo, 'forward'))
      const data = leadsToParams.get(n.inputs[0]) ? [convScratchBytes(d, algo, 'data')] : []
      backward.unshift(convScratchBytes(d, algo, 'weights'), ...data)
    }
  }
  // The scratch grows by reserving a new, larger region (a bump allocator never frees), so each request
  // larger than every one before it adds its own bytes.
  let im2col = 0, largest = 0
  for (const r of [...forward, ...backward]) {
    if (r > largest) {
      im2col += align(r)
      largest = r
    }
  }
  bytes += align(shard * size(output?.outputShape ?? null) * F32) // Network.fused: dLoss/dlogits
  bytes += 2 * align(shard * I32) // labels and predictions (worker.ts)
  return bytes + im2col + PACK_BYTES
}

/** The memory a training run of this graph takes with these settings; see MemoryEstimate for what each term holds. */
export function estimateTrainingMemory(a: GraphAnalysis, o: MemoryOptions): MemoryEstimate {
  const batch = Math.max(1, Math.floor(o.batchSize))
  const workers = Math.max(1, Math.min(Math.floor(o.workers ?? 1), batch))
  const shard = Math.ceil(batch / workers)
  const nodes = neededNodes(a)
  const trainable = nodes.reduce((s, n) => s + n.trainableParams, 0)
  const state = nodes.reduce((s, n) => s + n.nonTrainableParams, 0)
  const inputNode = nodes.find((n) => n.type === 'input')
  const imageSize = size(inputNode?.outputShape ?? null)

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
  const activations = workers * workerActivations(nodes, a.outputId ? a.byId.get(a.outputId) : undefined, shard) + 2 * batch * (imageSize * F32 + I32)
  // loadDataset keeps the decoded uint8 pixels (as the cache stores them); splitStratified copies them
  // into the training and validation sets, and both stay alive while the run trains. (The first decode of
  // a folder briefly holds a third copy while it writes the cache: measured 12% above this estimate for a
  // run whose images dominate, against 1% from a warm cache.)
  const dataset = 2 * Math.max(0, Math.floor(o.datasetImages ?? 0)) * imageSize
  const runtime = RUNTIME_BASE + workers * RUNTIME_PER_WORKER
  return { weights, gradients, optimizerState, activations, dataset, total: weights + gradients + optimizerState + activations + dataset + runtime }
}
