// The trainer on the GPU: the Trainer contract of the CPU trainer (node/trainer), one GpuNetwork for the
// whole batch instead of a worker pool. Each step uploads the batch and reads back only its loss and correct
// count; the weights come back to the host where they are needed: at an epoch's end (the checkpoint), on a
// pause, and when the run ends, so exportWeights (synchronous, as the contract has it) gives those.
// Checkpoints are the CPU trainer's format (same tensor names, optimizer state included), so a run paused or
// killed on one device resumes on either.
import { analyzeForTraining } from '../../core/graph/index.ts'
import type { BatchSource } from '../../core/data/types.ts'
import { GpuNetwork } from '../../core/gpu/network.ts'
import { GpuContext } from '../../core/gpu/ops.ts'
import { planShards } from '../../core/nn/plan.ts'
import { learningRate } from '../../core/train/schedule.ts'
import type { EpochEvent, Evaluation, Trainer, TrainerOptions, TrainResult } from '../../core/train/types.ts'
import { epochEvent } from '../../core/train/epoch-event.ts'
import { describeNonFinite, encodeWeights, OPTIMIZER_STATE, unpackWeights } from '../../core/train/weights.ts'
import { NoGpuError } from './choose.ts'
import { loadGpu } from './load.ts'
import { RunControl } from '../../core/train/run-control.ts'

const ADVICE = 'lower the learning rate (try a tenth of it), add batchnorm after the convolutions, or use adam'
const DIVERGED = `the loss became NaN or infinite, so the weights can no longer learn; ${ADVICE}`

export function createGpuTrainer(opts: TrainerOptions): Trainer {
  const analysis = analyzeForTraining(opts.model) // an untrainable model is refused here, before the GPU starts
  const { hyper } = opts
  const batch = hyper.batchSize
  const { batch: stepImages } = planShards(batch, 1, Math.max(opts.train.count, opts.val?.count ?? 0))
  let net: GpuNetwork
  let x: Float32Array, y: Int32Array
  // The host's copy of the weights, the running statistics and the optimizer state, as of the last sync.
  let params: Float32Array, state: Float32Array, optState: Float32Array = new Float32Array(0)
  const ready = (async () => {
    const gpu = await loadGpu()
    if (!gpu.device) throw new NoGpuError(`--device gpu: ${gpu.reason}. Train on the CPU with --device cpu (or auto).`)
    net = new GpuNetwork(new GpuContext(gpu.device), analysis, stepImages, hyper.seed)
    net.setOptimizer(hyper)
    x = new Float32Array(stepImages * net.inputSize)
    y = new Int32Array(stepImages)
    params = new Float32Array(net.paramCount)
    state = new Float32Array(net.stateCount)
    if (opts.initialWeights) {
      const tensors = unpackWeights(opts.initialWeights, { params: net.layout, state: net.stateNames }, params, state, true)
      // Running statistics the blob lacks keep their initial values.
      if (state.length && net.stateNames.some((s) => !tensors.has(s.name))) state.set(await net.readState())
      net.loadWeights(params, state)
      const opt = tensors.get(OPTIMIZER_STATE)
      if (opt) net.loadOptimizerState(opt)
    }
    await sync()
  })()
  ready.catch(() => {})

  async function sync(): Promise<void> {
    params = await net.readParams()
    state = await net.readState()
    optState = await net.optimizerState()
  }

  function exportWeights(): Uint8Array {
    const tensors = net.layout.map((p) => ({ name: p.name, data: params.subarray(p.offset, p.offset + p.size) }))
    let o = 0
    for (const s of net.stateNames) {
      tensors.push({ name: s.name, data: state.subarray(o, o + s.size) })
      o += s.size
    }
    tensors.push({ name: OPTIMIZER_STATE, data: optState })
    return encodeWeights(tensors, { model: opts.model.name ?? null })
  }

  function nonFiniteWeight(): string | null {
    const i = params.findIndex((v) => !Number.isFinite(v))
    if (i < 0) return null
    const t = net.layout.find((p) => i >= p.offset && i < p.offset + p.size)
    return `the weights became ${describeNonFinite(params[i])} (in ${t?.name ?? `number ${i}`}) after the optimizer's step, so they can no longer learn; ${ADVICE}`
  }

  const control = new RunControl()

  async function evaluateSource(source: BatchSource): Promise<Evaluation> {
    await ready
    const classes = net.classes
    const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
    source.startEpoch(0)
    let lossSum = 0, correct = 0, seen = 0
    for (let n = source.nextBatch(x, y, stepImages); n > 0; n = source.nextBatch(x, y, stepImages)) {
      const probs = await net.predict(x, n)
      for (let s = 0; s < n; s++) {
        let best = 0
        for (let c = 1; c < classes; c++) if (probs[s * classes + c] > probs[s * classes + best]) best = c
        confusion[y[s]][best]++
      }
      const r = await net.evaluate(x, y, n)
      lossSum += r.lossSum
      correct += r.correct
      seen += n
    }
    return { loss: seen ? lossSum / seen : NaN, accuracy: seen ? correct / seen : NaN, confusion }
  }

  async function train(): Promise<TrainResult> {
    await ready
    const epochs: EpochEvent[] = []
    const stepsPerEpoch = Math.ceil(opts.train.count / batch)
    const totalSteps = stepsPerEpoch * hyper.epochs
    let trainImages = 0, trainSeconds = 0
    const result = async (status: TrainResult['status'], message?: string): Promise<TrainResult> => {
      if (status !== 'diverged') await sync()
      return { status, message, epochs, imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0 }
    }
    for (let epoch = opts.startEpoch ?? 0; epoch < hyper.epochs; epoch++) {
      opts.train.startEpoch(epoch)
      const t0 = performance.now()
      let lossSum = 0, correct = 0, seen = 0, lr = hyper.lr
      let n = opts.train.nextBatch(x, y, stepImages)
      for (let step = 0; n > 0; step++) {
        if (control.pauseAsked) await sync() // a checkpoint taken while paused has this step's weights
        if (await control.betweenSteps()) return result('stopped')
        const stepStart = performance.now()
        lr = learningRate(hyper.lr, hyper.schedule, epoch * stepsPerEpoch + step, stepsPerEpoch, totalSteps)
        const r = await net.trainStep(x, y, n, lr)
        if (!Number.isFinite(r.lossSum)) return result('diverged', `epoch ${epoch + 1}, step ${step + 1}: ${DIVERGED}`)
        lossSum += r.lossSum
        correct += r.correct
        seen += n
        const dt = (performance.now() - stepStart) / 1000
        opts.onStep?.({ epoch: epoch + 1, step: step + 1, stepsPerEpoch, loss: r.lossSum / n, accuracy: r.correct / n, lr, imagesPerSecond: n / dt })
        n = opts.train.nextBatch(x, y, stepImages)
      }
      await sync()
      // Only the loss is read each step: weights that overflowed without it showing are caught here, before the checkpoint.
      const bad = nonFiniteWeight()
      if (bad) return result('diverged', `epoch ${epoch + 1}: ${bad}`)
      const seconds = (performance.now() - t0) / 1000
      trainImages += seen
      trainSeconds += seconds
      const val = opts.val && opts.val.count > 0 ? opts.val : null
      const e = await epochEvent(epoch, t0, seconds, { lossSum, correct, seen }, lr, val ? () => evaluateSource(val) : null)
      epochs.push(e)
      await opts.onEpoch?.(e, exportWeights)
    }
    return result('completed')
  }

  return {
    async run() {
      try {
        return await train()
      } finally {
        control.ended()
      }
    },
    pause: () => control.pause(),
    resume: () => control.resume(),
    stop: () => control.stop(),
    evaluate: evaluateSource,
    exportWeights() {
      if (!params) throw new Error('the trainer is still starting')
      return exportWeights()
    },
    async close() {
      await ready.catch(() => {})
      net?.destroy()
    },
  }
}
