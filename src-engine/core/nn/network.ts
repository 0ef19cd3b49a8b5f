// A network compiled from graph analysis by its training plan (plan.ts: the nodes that run, fusions,
// gradients, who writes and who adds): layers in topological order, every buffer planned once for
// `maxBatch` images, parameters and gradients each in ONE contiguous block (so a worker pool sums and
// broadcasts them with one loop), branches handled by summing fan-out gradients.
import type { GraphAnalysis } from '../graph/types.ts'
import { UntrainableModelError } from '../graph/analyze.ts'
import type { FloatArray, Kernels } from '../kernels/types.ts'
import { buildLayer, fusedRelu, type SoftmaxLayer } from './layers/index.ts'
import { sizeOf, type BuildContext, type Layer, type Param } from './layer.ts'
import { planNetwork, type NetworkPlan } from './plan.ts'
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
  /** What was planned for the graph (plan.ts), which the layers were built from. */
  readonly plan: NetworkPlan
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
  /** By layer: the global average pooling a conv runs in one pass with in inference that wants only outputs, and the pools so run. */
  private readonly gapOf: (Layer | null)[]
  private readonly gappedAway: boolean[]
  /** Per layer: the pool whose gradient it takes its own from in one pass (training), or null; and the pools so skipped. */
  private readonly backPooled: (Layer | null)[]
  private readonly backSkipped: boolean[]

  /** `analysis` must be free of errors and end in softmax (analyzeForTraining). */
  constructor(analysis: GraphAnalysis, kernels: Kernels<FloatArray>, maxBatch: number, seed: number) {
    if (analysis.hasErrors) throw new UntrainableModelError(analysis.issues.filter((i) => i.severity === 'error'))
    if (analysis.classes === null || analysis.inputId === null) throw new Error('the model must end in softmax over a vector of class scores (analyse it with analyzeForTraining)')
    this.kernels = kernels
    this.maxBatch = maxBatch
    const rng = (this.rng = new Rng(seed))

    // Only what leads to the output is computed (dead-end branches are warned about in analysis).
    const plan = (this.plan = planNetwork(analysis, maxBatch))
    this.inputSize = sizeOf(plan.input!.outputShape!)
    this.classes = analysis.classes
    this.input = kernels.alloc(maxBatch * this.inputSize)

    const { trainable, state: stateSize } = plan
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
    this.layers = []
    for (const step of plan.steps) {
      const n = step.node
      if (n.type === 'input') continue
      // A ReLU run in its conv's or dense's epilogue shares that layer's buffers and runs no pass.
      if (step.fusedInto) {
        byId.set(n.id, fusedRelu(n, byId.get(step.fusedInto)!))
        continue
      }
      const layer = buildLayer(step, ctx)
      byId.set(n.id, layer)
      this.layers.push(layer)
    }
    if (pCursor !== trainable || sCursor !== stateSize) throw new Error(`internal: planned ${trainable}/${stateSize} parameters, built ${pCursor}/${sCursor}`)
    // A conv planned to run in one pass with the pool after it does so where the kernels can; the pool's turn
    // is then skipped. By layer: that pool (or null), and whether the layer is a pool so run.
    const onePass = (planned: 'onePassPool' | 'onePassGap', can: (conv: Layer) => boolean): [(Layer | null)[], boolean[]] => {
      const of: (Layer | null)[] = this.layers.map(() => null), away = this.layers.map(() => false)
      this.layers.forEach((conv, i) => {
        const id = plan.byId.get(conv.info.id)![planned]
        if (!id || !can(conv)) return
        of[i] = byId.get(id)!
        away[this.layers.indexOf(of[i]!)] = true
      })
      return [of, away]
    }
    // forward(n, ., true): a 2x2 stride-2 max-pool (Layer.forwardPooled); forward(n, false, true): a ReLU and a
    // global average pooling (Layer.forwardGap).
    ;[this.poolOf, this.pooledAway] = onePass('onePassPool', (conv) => !!conv.forwardPooled)
    ;[this.gapOf, this.gappedAway] = onePass('onePassGap', (conv) => !!conv.forwardGap)
    this.params = this.layers.flatMap((l) => l.params)

    this.inputsOf = this.layers.map((l) => l.info.inputs.map((id) => byId.get(id)?.out ?? this.input))
    // A gradient goes only where the plan wants one (where it leads back to parameters), and each consumer
    // writes or adds as planned.
    this.gradsOf = this.layers.map((l) => plan.byId.get(l.info.id)!.gradInto.map((wanted, k) => (wanted ? byId.get(l.info.inputs[k])?.dOut ?? null : null)))
    this.accumulateOf = this.layers.map((l) => plan.byId.get(l.info.id)!.accumulate)
    // For backward(..., gradientsOnly): a first conv (no input gradient) with its pool in one pass takes its
    // gradients straight from the pool's (Layer.backwardPooled); the pool's turn is skipped.
    this.backPooled = this.layers.map((l, i) => (this.poolOf[i] && l.backwardPooled && !this.gradsOf[i][0] ? this.poolOf[i] : null))
    this.backSkipped = this.layers.map((l) => this.backPooled.includes(l))
    this.output = byId.get(analysis.outputId!) as SoftmaxLayer
    this.logits = this.inputsOf[this.layers.indexOf(this.output)][0]
    this.fused = kernels.alloc(maxBatch * this.classes)
  }

  /**
   * Runs the first n images of `input`; returns the class probabilities [n, classes] (a view).
   * `outputsOnly` (training, or inference that wants the probabilities alone, not the layers' outputs a
   * feature map or Grad-CAM reads): a conv and its max-pool may run as one pass that never writes the conv's
   * output. Training keeps the pool's argmax from it; the backward needs nothing else of that output (the
   * pool does the ReLU's backward from its own output). Inference alone also runs a conv with its ReLU and
   * a global average pooling as one pass.
   */
  forward(n: number, train: boolean, outputsOnly = false): FloatArray {
    // Inference also runs a conv, its ReLU and a global average pooling in one pass; training cannot (the
    // ReLU's backward reads the conv's output).
    const gaps = outputsOnly && !train
    for (let i = 0; i < this.layers.length; i++) {
      const pool = outputsOnly ? this.poolOf[i] : null
      const gap = gaps ? this.gapOf[i] : null
      if (gap) this.layers[i].forwardGap!(this.inputsOf[i], n, gap.out)
      else if (pool) this.layers[i].forwardPooled!(this.inputsOf[i], n, pool.out, train ? pool.argmax : null)
      else if (!(outputsOnly && this.pooledAway[i]) && !(gaps && this.gappedAway[i])) this.layers[i].forward(this.inputsOf[i], n, train)
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
   * `gradientsOnly` (training, which wants the parameters' gradients alone, not the gradient at each layer's
   * output that Learn reads): a first conv may take its gradients straight from its pool's, leaving its own
   * `dOut` unwritten.
   */
  backward(labels: Int32Array, n: number, scale: number, gradientsOnly = false): BatchResult {
    const r = this.evaluate(labels, n)
    const p = this.output.out, g = this.fused, C = this.classes
    for (let i = 0; i < n * C; i++) g[i] = p[i] * scale
    for (let s = 0; s < n; s++) g[s * C + labels[s]] -= scale
    this.backwardFromLogits(g, n, undefined, gradientsOnly)
    return r
  }

  /**
   * Backward from a given gradient of the class scores before softmax, dX/dlogits [n, classes]: Grad-CAM
   * asks for the gradient of one class's score, not of the loss. With `downTo`, stops once every layer after
   * that one has run, so its `dOut` holds the gradient with respect to its output as `out` holds it (for a
   * conv with a fused ReLU: the rectified output, whatever follows) and nothing earlier is computed. A
   * max-pool that does that conv's ReLU backward leaves the ReLU's mask out for this, which makes the
   * gradient the one with respect to the ReLU's input.
   */
  backwardFromLogits(gradLogits: FloatArray, n: number, downTo?: Layer, gradientsOnly = false): void {
    const stop = downTo ? this.layers.indexOf(downTo) : -1
    if (downTo && stop < 0) throw new Error(`internal: layer ${downTo.info.id} is not in this network`)
    const unmasked = downTo ? this.plan.byId.get(downTo.info.id)!.maskingPool : null
    this.output.fusedGrad = gradLogits
    try {
      for (let i = this.layers.length - 1; i > stop; i--) {
        // Only where the parameters' gradients are all that is wanted: the pass never writes the conv's dOut.
        const pool = gradientsOnly ? this.backPooled[i] : null
        if (pool) this.layers[i].backwardPooled!(this.inputsOf[i], n, pool)
        else if (!gradientsOnly || !this.backSkipped[i]) this.layers[i].backward(this.inputsOf[i], this.gradsOf[i], this.accumulateOf[i], n, this.layers[i].info.id === unmasked)
      }
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
