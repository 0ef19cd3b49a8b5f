/// <reference types="@webgpu/types" />
// A network on the GPU, built from the same training plan as the CPU Network (core/nn/plan.ts) and
// initialised with the very weights the CPU Network draws for the same seed (it builds one for a single
// image to draw them), so both start alike and their parameter blocks share one layout: a checkpoint
// moves between them as it is. Every buffer is made here, once per model and batch size; a training step
// uploads the batch, runs forward, loss, backward and the optimizer in one submission, and reads back only
// the batch's loss sum and correct count.
import type { GraphAnalysis } from '../graph/types.ts'
import { UntrainableModelError } from '../graph/analyze.ts'
import { referenceKernels } from '../kernels/reference.ts'
import { Network, type BatchResult } from '../nn/network.ts'
import { planNetwork, type NetworkPlan } from '../nn/plan.ts'
import { deriveSeed } from '../nn/rng.ts'
import { adamState, loadAdamState, type OptimizerSettings } from '../train/optimizer.ts'
import { layerOps, type LayerEnv, type NodeBuffers } from './layers.ts'
import { f32bits, type GpuContext, type Op } from './ops.ts'

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

export class GpuNetwork {
  readonly ctx: GpuContext
  readonly plan: NetworkPlan
  readonly maxBatch: number
  readonly inputSize: number
  readonly classes: number
  /** Parameter names, offsets and sizes, the CPU Network's layout. */
  readonly layout: { name: string; offset: number; size: number; decay: boolean }[]
  readonly paramCount: number
  /** The running statistics' names and sizes, back to back in `state` (the CPU Network's stateNames). */
  readonly stateNames: { name: string; size: number }[]
  readonly stateCount: number
  readonly params: GPUBuffer
  readonly grads: GPUBuffer
  readonly state: GPUBuffer
  readonly input: GPUBuffer
  private readonly labels: GPUBuffer
  private readonly result: GPUBuffer
  private readonly stage: GPUBuffer
  private readonly nodes = new Map<string, NodeBuffers>()
  private readonly forwardTrain: Op[] = []
  private readonly forwardEval: Op[] = []
  private readonly backwardOps: Op[] = []
  /** Each layer's own ops, for the per-layer profile. */
  private readonly byLayer: { id: string; type: string; forward: Op[]; backward: Op[] }[] = []
  private readonly lossTrain: Op[]
  private readonly lossEval: Op[]
  private readonly decay: GPUBuffer
  private readonly seed: number
  private optimizer: { settings: OptimizerSettings; ops: Op[]; moments: GPUBuffer[]; t: number; lr: number } | null = null
  /** Training forwards so far: each draws its own dropout masks. */
  private steps = 0
  private scale = 1

  /** `analysis` must be free of errors and end in softmax (analyzeForTraining), as for the CPU Network. */
  constructor(ctx: GpuContext, analysis: GraphAnalysis, maxBatch: number, seed: number) {
    if (analysis.hasErrors) throw new UntrainableModelError(analysis.issues.filter((i) => i.severity === 'error'))
    if (analysis.classes === null || analysis.inputId === null) throw new Error('the model must end in softmax over a vector of class scores (analyse it with analyzeForTraining)')
    this.ctx = ctx
    this.maxBatch = maxBatch
    this.seed = seed
    // The CPU Network of one image draws the initial weights in its order; its blocks are copied up.
    const cpu = new Network(analysis, referenceKernels('float32'), 1, seed)
    this.plan = planNetwork(analysis, maxBatch)
    this.layout = cpu.layout()
    this.paramCount = cpu.paramBlock.length
    this.stateCount = cpu.stateBlock.length
    this.stateNames = cpu.stateNames
    this.inputSize = cpu.inputSize
    this.classes = cpu.classes
    this.params = ctx.buffer(this.paramCount, 'parameters')
    this.grads = ctx.buffer(this.paramCount, 'gradients')
    this.state = ctx.buffer(this.stateCount, 'state')
    ctx.write(this.params, cpu.paramBlock as Float32Array)
    ctx.write(this.state, cpu.stateBlock as Float32Array)
    const decay = new Float32Array(this.paramCount)
    for (const p of this.layout) if (p.decay) decay.fill(1, p.offset, p.offset + p.size)
    this.decay = ctx.buffer(this.paramCount, 'decay mask')
    ctx.write(this.decay, decay)
    const paramAt = new Map(this.layout.map((p) => [p.name, p.offset]))
    const stateAt = new Map<string, number>()
    let s = 0
    for (const { name, size: k } of this.stateNames) {
      stateAt.set(name, s)
      s += k
    }

    this.input = ctx.buffer(maxBatch * this.inputSize, 'input')
    const inputId = analysis.inputId
    this.nodes.set(inputId, { out: this.input, dOut: ctx.buffer(1, 'input gradient (unused)'), size: this.inputSize })
    const env: LayerEnv = {
      ctx, maxBatch, params: this.params, grads: this.grads, state: this.state,
      of: (id) => this.nodes.get(id)!,
      param: (name) => paramAt.get(name),
      stateAt: (name) => stateAt.get(name)!,
      seed: () => deriveSeed(this.seed ^ 0x5eed, this.steps),
    }
    const backward: Op[][] = []
    for (const step of this.plan.steps) {
      const n = step.node
      if (n.type === 'input') continue
      // A fused ReLU shares its producer's buffers and runs no pass.
      if (step.fusedInto) {
        this.nodes.set(n.id, this.nodes.get(step.fusedInto)!)
        continue
      }
      const per = size(n.outputShape!)
      this.nodes.set(n.id, { out: ctx.buffer(maxBatch * per, `${n.id} out`), dOut: ctx.buffer(maxBatch * per, `${n.id} dOut`), size: per })
      const ops = layerOps(step, env, n.id === analysis.outputId)
      this.forwardTrain.push(...ops.train)
      this.forwardEval.push(...ops.eval)
      backward.push(ops.backward)
      this.byLayer.push({ id: n.id, type: n.type, forward: ops.train, backward: ops.backward })
    }
    this.backwardOps = backward.reverse().flat()

    // The loss: cross-entropy from the output softmax's logits, its gradient into the logits' dOut.
    const out = this.plan.byId.get(analysis.outputId!)!
    const logits = this.nodes.get(out.node.inputs[0])!
    const C = this.classes
    this.labels = ctx.buffer(maxBatch, 'labels')
    const rows = ctx.buffer(2 * maxBatch, 'loss rows')
    this.result = ctx.buffer(2, 'loss and correct')
    this.stage = ctx.staging(8, 'loss read-back')
    const dz = out.gradInto[0] ? logits.dOut : ctx.buffer(maxBatch * C, 'logits gradient (unused)')
    const acc = out.accumulate[0] ? 1 : 0
    const loss = (train: number): Op[] => [
      ctx.op('crossEntropy', [logits.out, this.labels, dz, rows], (b) => [b, C, acc, train, f32bits(this.scale)], (b) => b),
      ctx.op('batchTotals', [rows, this.result], (b) => [b], () => 1, true),
    ]
    this.lossTrain = loss(1)
    this.lossEval = loss(0)
  }

  /** The GPU buffers of a node's output and output gradient (tests and read-back). */
  buffersOf(id: string): NodeBuffers | undefined {
    return this.nodes.get(id)
  }

  /** Sets the optimizer (and zeroes its state): SGD with momentum or Nesterov, Adam, AdamW, as on the CPU. */
  setOptimizer(settings: OptimizerSettings): void {
    for (const m of this.optimizer?.moments ?? []) m.destroy()
    const P = this.paramCount
    const isSgd = settings.optimizer === 'sgd'
    const moments = isSgd ? [this.ctx.buffer(P, 'momentum')] : [this.ctx.buffer(P, 'adam m'), this.ctx.buffer(P, 'adam v')]
    const o = { settings, ops: [] as Op[], moments, t: 0, lr: 0 }
    const b1 = settings.beta1 ?? 0.9, b2 = settings.beta2 ?? 0.999
    const fields = (): number[] => {
      const c1 = 1 - Math.pow(b1, o.t), c2 = 1 - Math.pow(b2, o.t)
      return [P, f32bits(o.lr), f32bits(settings.momentum), f32bits(settings.weightDecay ?? 0), settings.nesterov ? 1 : 0,
        f32bits(b1), f32bits(b2), f32bits(settings.epsilon ?? 1e-8), f32bits(isSgd ? 0 : o.lr / c1), f32bits(isSgd ? 0 : 1 / c2), settings.optimizer === 'adamw' ? 1 : 0]
    }
    o.ops = [this.ctx.op(isSgd ? 'sgd' : 'adam', [this.params, this.grads, this.decay, ...moments], fields, () => P)]
    this.optimizer = o
  }

  /**
   * One training step on n images: forward, cross-entropy (Loss = scale * sum, scale 1/n by default),
   * backward and, with `lr`, the optimizer; returns the batch's loss sum and correct count.
   */
  async trainStep(input: Float32Array, labels: Int32Array, n: number, lr?: number, scale = 1 / n): Promise<BatchResult> {
    this.upload(input, labels, n)
    this.steps++
    this.scale = scale
    const ops = [...this.forwardTrain, ...this.lossTrain, ...this.backwardOps]
    if (lr !== undefined) {
      if (!this.optimizer) throw new Error('internal: trainStep with a learning rate before setOptimizer')
      this.optimizer.t++
      this.optimizer.lr = lr
      ops.push(...this.optimizer.ops)
    }
    return this.submit(ops, n)
  }

  /** Forward in evaluation (running statistics, no dropout) and the loss, no gradients. */
  async evaluate(input: Float32Array, labels: Int32Array, n: number): Promise<BatchResult> {
    this.upload(input, labels, n)
    return this.submit([...this.forwardEval, ...this.lossEval], n)
  }

  /** Class probabilities [n, classes] of an evaluation forward. */
  async predict(input: Float32Array, n: number): Promise<Float32Array> {
    this.upload(input, null, n)
    this.ctx.run(this.forwardEval, n)
    const out = this.plan.output!.id
    return this.ctx.read(this.nodes.get(out)!.out, n * this.classes)
  }

  /**
   * Milliseconds per layer of a training forward and of its backward for n images (the mean of `reps`
   * runs, each waited for alone, after one warm-up), on whatever the buffers hold: a profile, not a step.
   */
  async profile(n: number, reps = 3): Promise<{ id: string; type: string; forwardMs: number; backwardMs: number }[]> {
    const time = async (ops: Op[]) => {
      if (!ops.length) return 0
      this.ctx.run(ops, n)
      await this.ctx.device.queue.onSubmittedWorkDone()
      const t0 = performance.now()
      for (let r = 0; r < reps; r++) {
        this.ctx.run(ops, n)
        await this.ctx.device.queue.onSubmittedWorkDone()
      }
      return (performance.now() - t0) / reps
    }
    const out = []
    for (const l of this.byLayer) out.push({ id: l.id, type: l.type, forwardMs: await time(l.forward), backwardMs: await time(l.backward) })
    return out
  }

  async readParams(): Promise<Float32Array> {
    return this.ctx.read(this.params, this.paramCount)
  }

  async readGrads(): Promise<Float32Array> {
    return this.ctx.read(this.grads, this.paramCount)
  }

  async readState(): Promise<Float32Array> {
    return this.ctx.read(this.state, this.stateCount)
  }

  /** Loads weights (and running statistics) in the CPU Network's layout: a checkpoint, or another run's. */
  loadWeights(params: Float32Array, state?: Float32Array): void {
    if (params.length !== this.paramCount) throw new Error(`the weights hold ${params.length} numbers, the model ${this.paramCount}`)
    this.ctx.write(this.params, params)
    if (state && this.stateCount) this.ctx.write(this.state, state)
  }

  /** The optimizer's state in createOptimizer's checkpoint layout (SGD: momentum; Adam: m, v, t). */
  async optimizerState(): Promise<Float32Array> {
    const o = this.optimizer
    if (!o) return new Float32Array(0)
    const m = await this.ctx.read(o.moments[0], this.paramCount)
    if (o.settings.optimizer === 'sgd') return m
    return adamState(m, await this.ctx.read(o.moments[1], this.paramCount), o.t)
  }

  loadOptimizerState(st: Float32Array): void {
    const o = this.optimizer
    if (!o) throw new Error('internal: loadOptimizerState before setOptimizer')
    const P = this.paramCount
    if (o.settings.optimizer === 'sgd') {
      this.ctx.write(o.moments[0], st.subarray(0, P))
      return
    }
    const m = new Float32Array(P), v = new Float32Array(P)
    o.t = loadAdamState(st, m, v)
    this.ctx.write(o.moments[0], m)
    this.ctx.write(o.moments[1], v)
  }

  /** Frees every buffer (the device stays). */
  destroy(): void {
    const seen = new Set<GPUBuffer>()
    for (const b of this.nodes.values()) seen.add(b.out).add(b.dOut)
    for (const b of [this.params, this.grads, this.state, this.labels, this.result, this.stage, this.decay, ...(this.optimizer?.moments ?? [])]) seen.add(b)
    for (const b of seen) b.destroy()
  }

  private upload(input: Float32Array, labels: Int32Array | null, n: number): void {
    if (n < 1 || n > this.maxBatch) throw new Error(`internal: a batch of ${n} on a network planned for ${this.maxBatch}`)
    this.ctx.write(this.input, input.subarray(0, n * this.inputSize))
    if (labels) this.ctx.write(this.labels, labels.subarray(0, n))
  }

  private async submit(ops: Op[], n: number): Promise<BatchResult> {
    const { ctx } = this
    ctx.prepare(ops, n)
    const enc = ctx.device.createCommandEncoder()
    const pass = enc.beginComputePass()
    ctx.encode(pass, ops, n)
    pass.end()
    enc.copyBufferToBuffer(this.result, 0, this.stage, 0, 8)
    ctx.device.queue.submit([enc.finish()])
    await this.stage.mapAsync(1)
    const r = new Float32Array(this.stage.getMappedRange(), 0, 2)
    const out = { lossSum: r[0], correct: Math.round(r[1]) }
    this.stage.unmap()
    return out
  }
}
