// The trainer: data-parallel training on worker threads. Each worker holds a copy of the network in
// shared memory and runs forward/backward on its share of every batch, then sums its slice of the gradient
// over all workers, steps the optimizer on that slice and writes the new weights into every copy
// (worker.ts). The coordinator (here, on the main thread, never blocking it for long) hands out batches,
// averages the batchnorm statistics and reads the weights and optimizer state out of the workers' memory
// for a checkpoint; nothing it does per step grows with the parameter count times the workers.
import { availableParallelism } from 'node:os'
import { analyzeForTraining } from '../../core/graph/index.ts'
import type { BatchSource } from '../../core/data/types.ts'
import { adamState, loadAdamState } from '../../core/train/optimizer.ts'
import { learningRate } from '../../core/train/schedule.ts'
import type { EpochEvent, Evaluation, Trainer, TrainerOptions, TrainResult } from '../../core/train/types.ts'
import { epochEvent } from '../../core/train/epoch-event.ts'
import { describeNonFinite, encodeWeights, firstNonFiniteIndex, OPTIMIZER_STATE, unpackWeights } from '../../core/train/weights.ts'
import { planShards } from '../../core/nn/plan.ts'
import { RunControl } from '../../core/train/run-control.ts'
import { loadKernelModule } from '../wasm-kernels.ts'
import { WorkerPool } from './pool.ts'
import { createGpuTrainer } from '../gpu/trainer.ts'
import type { Batch, Command, KernelChoice, Reply, Share } from './protocol.ts'
import type { FloatArray } from '../../core/kernels/types.ts'
import type { TrainerProfile } from './profile.ts'

export interface CreateTrainerOptions extends TrainerOptions {
  /** 'fast' (WebAssembly SIMD, the default) or 'reference' (plain loops: slow, for checks). */
  kernels?: KernelChoice
  /** Filled in as training runs: where each step's time goes (bench --profile). */
  profile?: TrainerProfile
  /** 'gpu': the GPU trainer (node/gpu/trainer.ts, one WebGPU network, no workers); default 'cpu'. */
  device?: 'cpu' | 'gpu'
}

const ADVICE = 'lower the learning rate (try a tenth of it), add batchnorm after the convolutions, or use adam'
const DIVERGED = `the loss became NaN or infinite, so the weights can no longer learn; ${ADVICE}`

export function createTrainer(opts: CreateTrainerOptions): Trainer {
  if (opts.device === 'gpu') return createGpuTrainer(opts)
  analyzeForTraining(opts.model) // an untrainable model is refused here, before any worker starts
  const { hyper } = opts
  const batch = hyper.batchSize
  // A step holds at most the batch size and at most the larger set's images; one worker per image at most.
  // Evaluation reads batches of `stepImages` too, so a larger set evaluated later goes through in more steps.
  const { workers: workerCount, shard: maxShard, batch: stepImages } = planShards(batch, opts.workers ?? availableParallelism(), Math.max(opts.train.count, opts.val?.count ?? 0))
  const kernelChoice: KernelChoice = opts.kernels ?? 'fast'

  let pool: WorkerPool | null = null
  let state: Float32Array
  /** Optimizer steps taken (Adam's bias correction counts them; a resumed run continues the count). */
  let optSteps = 0
  // Two batch buffers: the next batch is prepared (decoded, augmented) while the workers run this one.
  let bufs: Batch[]
  const ready = (async () => {
    const wasm = kernelChoice === 'fast' ? await loadKernelModule() : undefined
    pool = await WorkerPool.start(workerCount, opts.model, maxShard, hyper.seed, kernelChoice, hyper, wasm, !!opts.profile)
    const w0 = pool.workers[0]
    if (opts.profile) {
      opts.profile.layers = w0.layers
      opts.profile.workerTimings = pool.workers.map((w) => w.timings!)
    }
    state = Float32Array.from(w0.stateBlock)
    const shared = (bytes: number) => new SharedArrayBuffer(bytes)
    bufs = [0, 1].map(() => ({ x: new Float32Array(shared(stepImages * w0.inputSize * 4)), y: new Int32Array(shared(stepImages * 4)) }))
    pool.shareBatches(bufs)
    // Every copy starts from worker 0's initialisation (or the checkpoint).
    const master = Float32Array.from(w0.paramBlock)
    if (opts.initialWeights) loadWeights(opts.initialWeights, master)
    for (const w of pool.workers) {
      w.paramBlock.set(master)
      w.stateBlock.set(state)
    }
  })()
  // Keep an unhandled rejection from surfacing before run() or evaluate() awaits it.
  ready.catch(() => {})

  /** The optimizer's state tensors over the whole parameter vector, from each worker's slice (SGD: momentum; Adam: m, v). */
  function optimizerTensors(): Float32Array[] {
    const ws = pool!.workers
    const size = ws[0].paramBlock.length
    return ws[0].optimizerBuffers.map((_, j) => {
      const full = new Float32Array(size)
      for (const w of ws) full.set(w.optimizerBuffers[j].subarray(0, w.slice[1] - w.slice[0]), w.slice[0])
      return full
    })
  }

  function loadWeights(blob: Uint8Array, master: Float32Array): void {
    const w0 = pool!.workers[0]
    const tensors = unpackWeights(blob, { params: w0.layout, state: w0.stateNames }, master, state, true)
    const opt = tensors.get(OPTIMIZER_STATE)
    if (!opt) return
    const size = master.length
    const full = optimizerTensors()
    if (full.length === 1) full[0].set(opt.subarray(0, size))
    else optSteps = loadAdamState(opt, full[0], full[1])
    for (const w of pool!.workers) full.forEach((t, j) => w.optimizerBuffers[j].set(t.subarray(w.slice[0], w.slice[1])))
  }

  function exportWeights(): Uint8Array {
    const w0 = pool!.workers[0]
    // After a step every copy holds the same weights: worker 0's are the model's.
    const master = w0.paramBlock
    const tensors = w0.layout.map((p) => ({ name: p.name, data: master.subarray(p.offset, p.offset + p.size) }))
    let o = 0
    state.set(w0.stateBlock) // the workers average the running statistics into every copy at each step
    for (const s of w0.stateNames) {
      tensors.push({ name: s.name, data: state.subarray(o, o + s.size) })
      o += s.size
    }
    const full = optimizerTensors()
    tensors.push({ name: OPTIMIZER_STATE, data: full.length === 1 ? full[0] : adamState(full[0], full[1], optSteps) })
    return encodeWeights(tensors, { model: opts.model.name ?? null })
  }

  /** Why the weights after a step are unusable (the first NaN or infinity, by tensor), or null when all are finite. */
  function nonFiniteWeight(w0: { paramBlock: FloatArray; stateBlock: FloatArray; layout: { name: string; offset: number; size: number }[]; stateNames: { name: string; size: number }[] }, badParam: number): string | null {
    const where = (block: FloatArray, i: number, names: { name: string; size: number; offset?: number }[]): string | null => {
      if (i < 0) return null
      let o = 0
      const t = names.find((n) => { const start = n.offset ?? o; o = start + n.size; return i >= start && i < start + n.size })
      return `the weights became ${describeNonFinite(block[i])} (in ${t?.name ?? `number ${i}`}) after the optimizer's step, so they can no longer learn; ${ADVICE}`
    }
    return where(w0.paramBlock, badParam, w0.layout) ?? (w0.stateBlock.length ? where(w0.stateBlock, firstNonFiniteIndex(w0.stateBlock), w0.stateNames) : null)
  }

  /** Waits out a step still running before a run or an evaluation ends early (the workers must be idle for what follows). */
  const settle = async (f: { running: Promise<unknown> } | null) => {
    await f?.running.catch(() => {})
  }

  /** Splits the n images of batch buffer `buf` across the workers: each copies its own share in (worker.ts). */
  function scatter(buf: number, n: number, make: (share: Share) => Command): Command[] {
    const used = Math.min(pool!.workers.length, n)
    const cmds: Command[] = []
    let start = 0
    for (let i = 0; i < used; i++) {
      const share = Math.floor(n / used) + (i < n % used ? 1 : 0)
      cmds.push(make({ buf, start, n: share }))
      start += share
    }
    return cmds
  }

  const control = new RunControl()

  async function evaluateSource(source: BatchSource): Promise<Evaluation> {
    await ready
    const classes = pool!.workers[0].classes
    const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
    source.startEpoch(0)
    let lossSum = 0, correct = 0, seen = 0
    let cur = 0
    const post = (buf: number, n: number) => {
      const cmds = scatter(buf, n, (share) => ({ type: 'eval', ...share }))
      return { buf, n, cmds, running: pool!.run(cmds) }
    }
    const n = source.nextBatch(bufs[cur].x, bufs[cur].y, stepImages)
    let current = n > 0 ? post(cur, n) : null
    while (current) {
      // As in training: the next batch is prepared and posted while the workers run this one.
      const nextN = source.nextBatch(bufs[1 - cur].x, bufs[1 - cur].y, stepImages)
      const next = nextN > 0 ? post(1 - cur, nextN) : null
      let rs: Extract<Reply, { type: 'done' }>[]
      try {
        rs = await current.running
      } catch (e) {
        await settle(next)
        throw e
      }
      const y = bufs[current.buf].y
      let start = 0
      current.cmds.forEach((c, i) => {
        const preds = rs[i].predictions!
        for (let s = 0; s < c.n; s++) confusion[y[start + s]][preds[s]]++
        start += c.n
      })
      for (const r of rs) {
        lossSum += r.lossSum
        correct += r.correct
      }
      seen += current.n
      cur = 1 - cur
      current = next
    }
    return { loss: seen ? lossSum / seen : NaN, accuracy: seen ? correct / seen : NaN, confusion }
  }

  async function run(): Promise<TrainResult> {
    try {
      return await train()
    } finally {
      control.ended()
    }
  }

  async function train(): Promise<TrainResult> {
    await ready
    const epochs: EpochEvent[] = []
    const stepsPerEpoch = Math.ceil(opts.train.count / batch)
    const totalSteps = stepsPerEpoch * hyper.epochs
    let trainImages = 0, trainSeconds = 0
    const result = (status: TrainResult['status'], message?: string): TrainResult =>
      ({ status, message, epochs, imagesPerSecond: trainSeconds > 0 ? trainImages / trainSeconds : 0 })

    /** A step sent to the workers and not yet read back. */
    interface InFlight { step: number; n: number; lr: number; t: number; posted: number; running: Promise<Extract<Reply, { type: 'done' }>[]> }
    let t = optSteps
    const post = (epoch: number, step: number, buf: number, n: number): InFlight => {
      const posted = performance.now()
      const lr = learningRate(hyper.lr, hyper.schedule, epoch * stepsPerEpoch + step, stepsPerEpoch, totalSteps)
      const cmds: Command[] = scatter(buf, n, (share) => ({ type: 'train', ...share, scale: 1 / n, used: 0, lr, t }))
      const used = cmds.length
      for (const c of cmds) if (c.type === 'train') c.used = used
      // A worker without images this step (a last, short batch) still reduces and steps its slice.
      while (cmds.length < pool!.workers.length) cmds.push({ type: 'train', buf, start: 0, n: 0, scale: 0, used, lr, t })
      if (opts.profile) opts.profile.step.scatterMs += performance.now() - posted
      return { step, n, lr, t: t++, posted, running: pool!.run(cmds) }
    }

    for (let epoch = opts.startEpoch ?? 0; epoch < hyper.epochs; epoch++) {
      opts.train.startEpoch(epoch)
      const t0 = performance.now()
      let lossSum = 0, correct = 0, seen = 0, lr = hyper.lr
      let cur = 0
      const n = opts.train.nextBatch(bufs[cur].x, bufs[cur].y, stepImages)
      if (n > 0 && (await control.betweenSteps())) return result('stopped')
      let current: InFlight | null = n > 0 ? post(epoch, 0, cur, n) : null
      let lastDone = performance.now()
      while (current) {
        // The next batch is prepared while the workers run this one, and posted before this one ends, so a
        // worker goes from one step to the next without waiting for the coordinator. Not when a pause or stop
        // was asked: the run halts with no step in flight.
        const tNext0 = performance.now()
        const nextN = opts.train.nextBatch(bufs[1 - cur].x, bufs[1 - cur].y, stepImages)
        const tNext = performance.now()
        let next: InFlight | null = nextN > 0 && !control.pauseAsked && !control.stopAsked ? post(epoch, current.step + 1, 1 - cur, nextN) : null
        let rs: Extract<Reply, { type: 'done' }>[]
        try {
          rs = await current.running
        } catch (e) {
          await settle(next)
          throw e
        }
        const tDone = performance.now()
        const diverged = async (message: string) => (await settle(next), result('diverged', message))
        let stepLoss = 0, stepCorrect = 0
        for (const r of rs) {
          stepLoss += r.lossSum
          stepCorrect += r.correct
        }
        const at = `epoch ${epoch + 1}, step ${current.step + 1}`
        if (!Number.isFinite(stepLoss)) return diverged(`${at}: ${DIVERGED}`)
        // Weights can blow up in the gradient before the loss of this step shows it: each worker summed its
        // slice, and none stepped unless every sum was finite.
        if (rs.some((r) => !Number.isFinite(r.check ?? NaN))) return diverged(`${at}: ${DIVERGED}`)
        optSteps = current.t + 1
        // The step itself can overflow weights the gradient check passed (a huge learning rate): such a run
        // ends here, before an epoch's end could write them as a checkpoint that export and predict would use.
        const bad = rs.findIndex((r) => (r.bad ?? -1) >= 0)
        const why = nonFiniteWeight(pool!.workers[0], bad < 0 ? -1 : pool!.workers[bad].slice[0] + rs[bad].bad!)
        if (why) return diverged(`${at}: ${why}`)
        const stepMs = tDone - Math.max(lastDone, current.posted)
        lastDone = tDone
        if (opts.profile) {
          // The shared part ran in the workers, in parallel: its time is the slowest worker's. What is left of
          // the step beyond the slowest worker's layers is messaging and waiting (profile.ts).
          const slowest = (k: 'reduceMs' | 'optimizerMs' | 'copyMs' | 'inputMs') => Math.max(...rs.map((r) => r[k] ?? 0))
          const shared = slowest('reduceMs') + slowest('optimizerMs') + slowest('copyMs') + slowest('inputMs')
          const p = opts.profile.step
          p.steps++
          p.images += current.n
          p.stepMs += stepMs
          p.copyInMs += slowest('inputMs')
          p.nextBatchMs += tNext - tNext0
          p.waitMs += stepMs - shared
          p.gradSumMs += slowest('reduceMs')
          p.optimizerMs += slowest('optimizerMs')
          p.broadcastMs += slowest('copyMs')
        }
        lossSum += stepLoss
        correct += stepCorrect
        seen += current.n
        lr = current.lr
        opts.onStep?.({ epoch: epoch + 1, step: current.step + 1, stepsPerEpoch, loss: stepLoss / current.n, accuracy: stepCorrect / current.n, lr, imagesPerSecond: current.n / (stepMs / 1000) })
        cur = 1 - cur
        if (!next && nextN > 0) {
          // Held back for a pause or a stop: this is where the run halts between steps.
          if (await control.betweenSteps()) return result('stopped')
          next = post(epoch, current.step + 1, cur, nextN)
        }
        current = next
      }
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
    run,
    pause: () => control.pause(),
    resume: () => control.resume(),
    stop: () => control.stop(),
    evaluate: evaluateSource,
    exportWeights() {
      if (!pool) throw new Error('the trainer is still starting')
      return exportWeights()
    },
    async close() {
      await ready.catch(() => {})
      await pool?.close()
    },
  }
}
