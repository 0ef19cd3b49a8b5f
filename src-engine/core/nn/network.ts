// A network compiled from graph analysis: layers in topological order, every buffer planned once for
// `maxBatch` images, parameters and gradients each in ONE contiguous block (so a worker pool sums and
// broadcasts them with one loop), branches handled by summing fan-out gradients.
import type { GraphAnalysis, NodeInfo } from '../graph/types.ts'
import { UntrainableModelError } from '../graph/analyze.ts'
import { neededNodes } from '../graph/memory.ts'
import type { FloatArray, Kernels } from '../kernels/types.ts'
import { buildLayer, fusedRelu, type SoftmaxLayer } from './layers/index.ts'
import { sizeOf, type BuildContext, type Layer, type Param } from './layer.ts'
import { Rng } from './rng.ts'

export interface BatchResult {
  /** Sum of cross-entropy over the batch (not the mean: shards are summed, then divided once). */
  lossSum: number
  correct: number
}

export class Network {
  readonly kernels: Kernels<FloatArray>
  readonly maxBatch: number
  readonly inputSize: number
  readonly classes: number
  /** [maxBatch, H, W, C]: write a batch here, then call forward. */
  readonly input: FloatArray
  readonly layers: Layer[]
  readonly params: Param[]
  /** Every trainable parameter, back to back; `params[i].value` are views into it. */
  readonly paramBlock: FloatArray
  readonly gradBlock: FloatArray
  /** Non-trainable state (batchnorm running statistics), back to back. */
  readonly stateBlock: FloatArray
  readonly stateNames: { name: string; size: number }[]
  /** Drives initialisation, then dropout masks. */
  readonly rng: Rng
  private readonly inputsOf: FloatArray[][]
  private readonly gradsOf: (FloatArray | null)[][]
  private readonly accumulateOf: boolean[][]
  private readonly output: SoftmaxLayer
  /** What the output softmax reads: the class scores, for an exact loss. */
  private readonly logits: FloatArray
  private readonly fused: FloatArray
  /** By layer: the max-pool a conv runs in one pass with when only outputs are wanted, and the pools so run. */
  private readonly poolOf: (Layer | null)[]
  private readonly pooledAway: boolean[]

  /** `analysis` must be free of errors and end in softmax (analyzeForTraining). */
  constructor(analysis: GraphAnalysis, kernels: Kernels<FloatArray>, maxBatch: number, seed: number) {
    if (analysis.hasErrors) throw new UntrainableModelError(analysis.issues.filter((i) => i.severity === 'error'))
    if (analysis.classes === null || analysis.inputId === null) throw new Error('the model must end in softmax over a vector of class scores (analyse it with analyzeForTraining)')
    this.kernels = kernels
    this.maxBatch = maxBatch
    const rng = (this.rng = new Rng(seed))

    // Only what leads to the output is computed (dead-end branches are warned about in analysis).
    const nodes = neededNodes(analysis)
    this.inputSize = sizeOf(analysis.byId.get(analysis.inputId)!.outputShape!)
    this.classes = analysis.classes
    this.input = kernels.alloc(maxBatch * this.inputSize)

    const consumers = new Map<string, NodeInfo[]>()
    for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n])
    const trainable = nodes.reduce((s, n) => s + n.trainableParams, 0)
    const stateSize = nodes.reduce((s, n) => s + n.nonTrainableParams, 0)
    this.paramBlock = kernels.alloc(trainable)
    this.gradBlock = kernels.alloc(trainable)
    this.stateBlock = kernels.alloc(stateSize)
    this.stateNames = []
    let pCursor = 0, sCursor = 0
    const ctx: BuildContext = {
      kernels, maxBatch, rng,
      param: (name, size, decay, init) => {
        const p: Param = { name, value: this.paramBlock.subarray(pCursor, pCursor + size), grad: this.gradBlock.subarray(pCursor, pCursor + size), decay }
        pCursor += size
        init(p.value)
        return p
      },
      state: (name, size, fill) => {
        const v = this.stateBlock.subarray(sCursor, sCursor + size)
        sCursor += size
        v.fill(fill)
        this.stateNames.push({ name, size })
        return v
      },
    }

    const byId = new Map<string, Layer | null>([[analysis.inputId, null]])
    // A ReLU that is the only consumer of a conv2d or dense runs in that layer's epilogue: one pass less
    // over memory forward, and a SIMD mask backward. The ReLU node shares the producer's buffers.
    const fusedInto = new Set<string>()
    // conv -> ReLU -> max-pool, the ReLU's only consumer the pool: the ReLU's backward (a mask by the
    // conv's output) is done by the pool's backward as it routes the gradient, one pass less.
    const reluInPool = (n: NodeInfo) => {
      const r = consumers.get(n.id) ?? []
      if (n.type !== 'conv2d' || r.length !== 1 || r[0].type !== 'relu') return false
      const after = consumers.get(r[0].id) ?? []
      return after.length === 1 && after[0].type === 'maxpool2d' && after[0].inputs.length === 1
    }
    const maskingPools = new Set(nodes.filter(reluInPool).map((n) => consumers.get(consumers.get(n.id)![0].id)![0].id))
    this.layers = []
    for (const n of nodes) {
      if (n.type === 'input') continue
      if (n.type === 'relu' && fusedInto.has(n.inputs[0])) {
        const layer = fusedRelu(n, byId.get(n.inputs[0])!)
        byId.set(n.id, layer)
        continue
      }
      const next = consumers.get(n.id) ?? []
      const reluNext = next.length > 0 && next.every((c) => c.type === 'relu' || c.type === 'leakyrelu')
      const fuse = (n.type === 'conv2d' || n.type === 'dense') && next.length === 1 && next[0].type === 'relu'
      if (fuse) fusedInto.add(n.id)
      const layer = buildLayer(n, ctx, reluNext, fuse, reluInPool(n) || maskingPools.has(n.id))
      byId.set(n.id, layer)
      this.layers.push(layer)
    }
    if (pCursor !== trainable || sCursor !== stateSize) throw new Error(`internal: planned ${trainable}/${stateSize} parameters, built ${pCursor}/${sCursor}`)
    // For forward(n, false, true): a conv whose ReLU feeds only a 2x2 stride-2 max-pool without padding
    // runs with that pool in one pass where the kernels can (Layer.forwardPooled); the pool's turn is skipped.
    this.poolOf = this.layers.map(() => null)
    this.pooledAway = this.layers.map(() => false)
    this.layers.forEach((l, i) => {
      const g = l.info.window
      if (l.info.type !== 'maxpool2d' || !maskingPools.has(l.info.id) || !g) return
      if (g.kh !== 2 || g.kw !== 2 || g.sh !== 2 || g.sw !== 2 || g.padTop || g.padLeft || g.padBottom || g.padRight) return
      const conv = byId.get(analysis.byId.get(l.info.inputs[0])!.inputs[0])!
      if (!conv.forwardPooled) return
      this.poolOf[this.layers.indexOf(conv)] = l
      this.pooledAway[i] = true
    })
    this.params = this.layers.flatMap((l) => l.params)

    this.inputsOf = this.layers.map((l) => l.info.inputs.map((id) => byId.get(id)?.out ?? this.input))
    // A gradient is only wanted where it leads back to parameters: none into the image, nor into a
    // parameter-free stretch right after it (the flatten before a first dense layer: that dense then
    // skips its input-gradient GEMM, the largest of a dense-heavy model's).
    const leadsToParams = new Map<string, boolean>()
    for (const n of nodes) leadsToParams.set(n.id, n.trainableParams > 0 || n.inputs.some((i) => leadsToParams.get(i)))
    this.gradsOf = this.layers.map((l) => l.info.inputs.map((id) => (leadsToParams.get(id) ? byId.get(id)?.dOut ?? null : null)))
    // In reverse order the first consumer of a node writes its gradient, later ones add to it.
    const written = new Set<string>()
    const acc: boolean[][] = this.layers.map(() => [])
    for (let li = this.layers.length - 1; li >= 0; li--) {
      acc[li] = this.layers[li].info.inputs.map((id) => {
        const seen = written.has(id)
        written.add(id)
        return seen
      })
    }
    this.accumulateOf = acc
    this.output = byId.get(analysis.outputId!) as SoftmaxLayer
    this.logits = this.inputsOf[this.layers.indexOf(this.output)][0]
    this.fused = kernels.alloc(maxBatch * this.classes)
  }

  /**
   * Runs the first n images of `input`; returns the class probabilities [n, classes] (a view).
   * `outputsOnly` (inference that wants the probabilities alone, not the layers' outputs a feature map or
   * Grad-CAM reads): a conv and its max-pool may run as one pass that never writes the conv's output.
   */
  forward(n: number, train: boolean, outputsOnly = false): FloatArray {
    const fuse = outputsOnly && !train
    for (let i = 0; i < this.layers.length; i++) {
      const pool = fuse ? this.poolOf[i] : null
      if (pool) this.layers[i].forwardPooled!(this.inputsOf[i], n, pool.out)
      else if (!fuse || !this.pooledAway[i]) this.layers[i].forward(this.inputsOf[i], n, train)
    }
    return this.output.out
  }

  /**
   * Cross-entropy of the last forward against `labels`, without gradients. It is computed from the logits
   * z by log-sum-exp, -log p_y = max + log(sum_c e^(z_c - max)) - z_y, exact however confident the network
   * is wrong (the probability itself underflows to 0 in float32 once z_y trails by ~104).
   */
  evaluate(labels: Int32Array, n: number, predictions?: Int32Array): BatchResult {
    const z = this.logits
    const C = this.classes
    let lossSum = 0, correct = 0
    for (let s = 0; s < n; s++) {
      const o = s * C
      let best = 0
      for (let c = 1; c < C; c++) if (z[o + c] > z[o + best]) best = c
      if (best === labels[s]) correct++
      if (predictions) predictions[s] = best
      const max = z[o + best]
      let sum = 0
      for (let c = 0; c < C; c++) sum += Math.exp(z[o + c] - max)
      lossSum += max + Math.log(sum) - z[o + labels[s]]
    }
    return { lossSum, correct }
  }

  /**
   * Backward pass of softmax + cross-entropy after a training forward: fills `gradBlock` with
   * dLoss/dparams where Loss = scale * sum of the batch's cross-entropies (scale = 1 / global batch size).
   */
  backward(labels: Int32Array, n: number, scale: number): BatchResult {
    const r = this.evaluate(labels, n)
    const p = this.output.out, g = this.fused, C = this.classes
    for (let i = 0; i < n * C; i++) g[i] = p[i] * scale
    for (let s = 0; s < n; s++) g[s * C + labels[s]] -= scale
    this.backwardFromLogits(g, n)
    return r
  }

  /**
   * Backward from a given gradient of the class scores before softmax, dX/dlogits [n, classes]: Grad-CAM
   * asks for the gradient of one class's score, not of the loss. With `downTo`, stops once every layer after
   * that one has run, so its `dOut` holds the gradient with respect to its output (for a conv with a fused
   * ReLU: the rectified output) and nothing earlier is computed.
   */
  backwardFromLogits(gradLogits: FloatArray, n: number, downTo?: Layer): void {
    const stop = downTo ? this.layers.indexOf(downTo) : -1
    if (downTo && stop < 0) throw new Error(`internal: layer ${downTo.info.id} is not in this network`)
    this.output.fusedGrad = gradLogits
    try {
      for (let i = this.layers.length - 1; i > stop; i--) this.layers[i].backward(this.inputsOf[i], this.gradsOf[i], this.accumulateOf[i], n)
    } finally {
      this.output.fusedGrad = null
    }
  }

  /** Where each parameter sits in `paramBlock`, and whether weight decay applies to it. */
  layout(): { name: string; offset: number; size: number; decay: boolean }[] {
    let offset = 0
    return this.params.map((p) => {
      const e = { name: p.name, offset, size: p.value.length, decay: p.decay }
      offset += p.value.length
      return e
    })
  }
}
