// The training plan: what the engine computes for a graph and how, decided once. The Network builds from
// it (core/nn/network.ts), the memory estimate sums it (core/nn/memory.ts), the profiler and the insight
// maps read it, so each rule below has this one home: which nodes run, who consumes whom, the ReLU fusions,
// which inputs get a gradient, which consumer writes it and which add to it, the buffers each layer keeps
// (as core/nn/layers allocate them; tests/engine/nn/memory.test.ts holds the two to the kernels' memory)
// and its conv scratch (core/kernels/plan.ts, the only source of scratch sizes).
import type { GraphAnalysis, NodeInfo } from '../graph/types.ts'
import { chooseConv, convScratchBytes, fusesPool, keptWeightsBytes } from '../kernels/plan.ts'
import type { ConvAlgorithm, WindowDims } from '../kernels/types.ts'

/** One buffer a layer keeps for `shard` images. */
export interface PlannedBuffer {
  /** What it holds: 'out', 'dOut', 'argmax', 'xhat', 'mask', 'statistics', 'gradScratch', 'keptU', 'keptWeights' (see NodePlan.buffers). */
  name: string
  /** Bytes in the fast kernels (float32 and int32 numbers; float64 for a batchnorm's per-channel sums). */
  bytes: number
  /** 'kernels': allocated in the kernels' memory (one worker's WebAssembly memory); 'host': a JavaScript array. */
  memory: 'kernels' | 'host'
}

/** The scratch bytes a conv's passes ask the fast kernels for (0: none), with the algorithm they chose. */
export interface ConvScratch {
  algo: ConvAlgorithm
  forward: number
  /** The input gradient's; 0 where no gradient goes into the conv's input. */
  data: number
  weights: number
  /** The one-pass conv + ReLU + pool (training and inference), where the conv runs so (NodePlan.onePassPool and the kernels' fusesPool); else 0. */
  pooled: number
}

export interface NodePlan {
  readonly node: NodeInfo
  /** The needed nodes that read this one's output, in topological order (a dead-end branch is not one). */
  readonly consumers: NodeInfo[]
  /** The node or one before it has trainable parameters: only then is a gradient computed into its output. */
  readonly leadsToParams: boolean
  /** A ReLU run in the epilogue of its producer (this id): it shares that layer's buffers and runs no pass. */
  readonly fusedInto: string | null
  /** A conv2d or dense whose only consumer is a ReLU, applied in its epilogue (one pass less forward, a SIMD mask backward). */
  readonly fusesRelu: boolean
  /** Every consumer is a ReLU or leaky ReLU: the layer is initialised for one (He rather than Glorot). */
  readonly reluNext: boolean
  /** On a conv whose fused ReLU feeds only a max-pool: that pool's id. Its backward does the ReLU's (a mask by its own output) as it routes the gradient, and the conv skips it. */
  readonly maskingPool: string | null
  /** On such a max-pool: the conv whose ReLU's backward it does. */
  readonly masksReluOf: string | null
  /** On a conv with a masking pool of 2x2, stride 2, no padding: training and inference may run the conv, its ReLU and that pool in one pass (where the kernels can, Kernels.fusesPool). */
  readonly onePassPool: string | null
  /** On a conv whose fused ReLU feeds only a global average pooling: that pool's id. Inference may run the conv, its ReLU and that pool in one pass (where the kernels can, Kernels.fusesGap); training cannot (the ReLU's backward needs the conv's output). */
  readonly onePassGap: string | null
  /** Per input: whether a gradient is computed into it (its producer leads to parameters). */
  readonly gradInto: boolean[]
  /** Per input: true when this node adds its gradient to another consumer's; false when it writes it. In reverse order the first consumer of a node writes, later ones add. */
  readonly accumulate: boolean[]
  /** The buffers its layer keeps for the shard (none for the input, nor for a fused ReLU). */
  readonly buffers: PlannedBuffer[]
  /** A conv's scratch requests; null for other nodes. */
  readonly scratch: ConvScratch | null
}

export interface NetworkPlan {
  /** Images per forward/backward the buffers are planned for. */
  readonly shard: number
  /** The nodes that lead to the output, in topological order: all that is computed. */
  readonly nodes: NodeInfo[]
  /** One per needed node, in the same order. */
  readonly steps: NodePlan[]
  readonly byId: Map<string, NodePlan>
  readonly input: NodeInfo | undefined
  readonly output: NodeInfo | undefined
  /** Trainable and non-trainable parameters of the needed nodes (floats). */
  readonly trainable: number
  readonly state: number
  /** The network's own buffers: the input batch and dLoss/dlogits. */
  readonly buffers: PlannedBuffer[]
}

const F32 = 4
const I32 = 4
const F64 = 8
const size = (shape: number[] | null | undefined) => (shape ? shape.reduce((a, b) => a * b, 1) : 0)
const kernelBuffer = (name: string, bytes: number): PlannedBuffer => ({ name, bytes, memory: 'kernels' })

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

/** The window problem of a conv/pool node for a batch of n (shapes from graph analysis). */
export function windowDims(info: NodeInfo, n: number): WindowDims {
  const [inH, inW, cin] = info.inputShapes[0]!
  return { ...info.window!, n, inH, inW, cin, cout: info.outputShape![2] }
}

/**
 * How many workers a run starts and how many images each plans for: a step never holds more images than
 * the batch size nor than the largest set it runs over (`images`, when known), and the trainer starts no
 * more workers than a step has images (one with none would only hold memory).
 */
export function planShards(batchSize: number, workers: number, images?: number): { batch: number; workers: number; shard: number } {
  let batch = Math.max(1, Math.floor(batchSize))
  if (images !== undefined && images > 0) batch = Math.min(batch, Math.floor(images))
  const w = Math.max(1, Math.min(Math.floor(workers), batch))
  return { batch, workers: w, shard: Math.ceil(batch / w) }
}

/**
 * The plan of `analysis` for `shard` images at a time. Never throws: a graph with errors gets a plan of
 * what can be worked out (the designer estimates memory while the model is being edited); the Network
 * checks for errors before it builds.
 */
export function planNetwork(analysis: GraphAnalysis, shard: number): NetworkPlan {
  const nodes = neededNodes(analysis)
  const consumers = new Map<string, NodeInfo[]>()
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n])
  const next = (id: string) => consumers.get(id) ?? []

  const leadsToParams = new Map<string, boolean>()
  for (const n of nodes) leadsToParams.set(n.id, n.trainableParams > 0 || n.inputs.some((i) => leadsToParams.get(i)))

  // In reverse order the first consumer of a node writes its gradient, later ones add to it.
  const written = new Set<string>()
  const accumulate = new Map<string, boolean[]>()
  for (let k = nodes.length - 1; k >= 0; k--) {
    accumulate.set(nodes[k].id, nodes[k].inputs.map((id) => {
      const seen = written.has(id)
      written.add(id)
      return seen
    }))
  }

  const fusesRelu = (n: NodeInfo) => (n.type === 'conv2d' || n.type === 'dense') && next(n.id).length === 1 && next(n.id)[0].type === 'relu'
  // conv -> ReLU -> max-pool, the ReLU's only consumer the pool: the pool's backward does the ReLU's.
  const maskingPool = (n: NodeInfo): NodeInfo | null => {
    if (n.type !== 'conv2d' || !fusesRelu(n)) return null
    const after = next(next(n.id)[0].id)
    return after.length === 1 && after[0].type === 'maxpool2d' && after[0].inputs.length === 1 ? after[0] : null
  }
  const masked = new Map<string, string>()
  for (const n of nodes) {
    const pool = maskingPool(n)
    if (pool) masked.set(pool.id, n.id)
  }

  const steps = nodes.map((n): NodePlan => {
    const producer = n.inputs[0] !== undefined ? analysis.byId.get(n.inputs[0]) : undefined
    const fusedInto = n.type === 'relu' && producer && fusesRelu(producer) ? producer.id : null
    const pool = maskingPool(n)
    const g = pool?.window
    const onePass = pool && g && g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && !g.padTop && !g.padLeft && !g.padBottom && !g.padRight ? pool.id : null
    const relu = fusesRelu(n) ? next(n.id)[0] : null
    const gapAfter = n.type === 'conv2d' && relu && next(relu.id).length === 1 && next(relu.id)[0].type === 'globalavgpool' ? next(relu.id)[0].id : null
    const gradInto = n.inputs.map((id) => leadsToParams.get(id) === true)
    const acc = accumulate.get(n.id)!
    const buffers = n.type === 'input' || fusedInto || !n.outputShape ? [] : layerBuffers(n, shard, acc[0] === true && gradInto[0] === true)
    let scratch: ConvScratch | null = null
    if (n.type === 'conv2d' && n.window && n.inputShapes[0] && n.outputShape) {
      const d = windowDims(n, shard)
      const algo = chooseConv(d, onePass !== null)
      scratch = {
        algo, forward: convScratchBytes(d, algo, 'forward'), weights: convScratchBytes(d, algo, 'weights'),
        data: gradInto[0] ? convScratchBytes(d, algo, 'data') : 0, pooled: onePass && fusesPool(d, algo) ? convScratchBytes(d, algo, 'pooled') : 0,
      }
      // The transformed weights its Winograd forward keeps (Kernels.keepWeights), allocated as the layer is built.
      const kept = keptWeightsBytes(d, algo)
      if (kept.u) buffers.push(kernelBuffer('keptU', kept.u), kernelBuffer('keptWeights', kept.weights))
    }
    return {
      node: n, consumers: next(n.id), leadsToParams: leadsToParams.get(n.id)!, fusedInto,
      fusesRelu: fusesRelu(n), reluNext: next(n.id).length > 0 && next(n.id).every((c) => c.type === 'relu' || c.type === 'leakyrelu'),
      maskingPool: pool?.id ?? null, masksReluOf: masked.get(n.id) ?? null, onePassPool: onePass, onePassGap: gapAfter,
      gradInto, accumulate: acc, buffers, scratch,
    }
  })
  const input = nodes.find((n) => n.type === 'input')
  const output = analysis.outputId ? analysis.byId.get(analysis.outputId) : undefined
  return {
    shard, nodes, steps, byId: new Map(steps.map((s) => [s.node.id, s])), input, output,
    trainable: nodes.reduce((s, n) => s + n.trainableParams, 0),
    state: nodes.reduce((s, n) => s + n.nonTrainableParams, 0),
    buffers: [kernelBuffer('input', shard * size(input?.outputShape) * F32), kernelBuffer('dLogits', shard * size(output?.outputShape) * F32)],
  }
}

/**
 * What each layer type keeps (core/nn/layers): its output and output gradient (layers/base.ts buffers), and
 * a max-pool's argmax, a batchnorm's normalised input and per-channel sums, a dropout's mask; a conv or
 * pool that adds its input gradient to another consumer's computes it into a scratch first.
 */
function layerBuffers(n: NodeInfo, shard: number, addsGradient: boolean): PlannedBuffer[] {
  const out = shard * size(n.outputShape)
  const b = [kernelBuffer('out', out * F32), kernelBuffer('dOut', out * F32)]
  if (n.type === 'maxpool2d') b.push(kernelBuffer('argmax', out * I32))
  if (n.type === 'globalmaxpool') b.push({ name: 'argmax', bytes: out * I32, memory: 'host' })
  if (n.type === 'batchnorm') b.push(kernelBuffer('xhat', out * F32), { name: 'statistics', bytes: 4 * F64 * n.outputShape![n.outputShape!.length - 1], memory: 'host' })
  if (n.type === 'dropout') b.push(kernelBuffer('mask', out * F32))
  if ((n.type === 'conv2d' || n.type === 'maxpool2d' || n.type === 'avgpool2d') && addsGradient) b.push(kernelBuffer('gradScratch', shard * size(n.inputShapes[0]) * F32))
  return b
}
