// The per-layer profile (`cnn-studio bench --profile [--model FILE]`): trains any model on synthetic data of
// its input shape with the real trainer and workers, and says where a step's time goes: each layer's
// forward, backward-data and backward-weights, and what happens outside the layers (batch copy-in,
// messaging, and the gradient sum, optimizer and weight copies the workers do on their slices). Also the trainer's peak resident memory per
// epoch, which must stay flat (every buffer is planned once). Figures, not pass/fail.
import { availableParallelism } from 'node:os'
import { analyzeForTraining, inputOf, type ModelFile } from '../../core/graph/index.ts'
import { planNetwork, windowDims, type NetworkPlan } from '../../core/nn/plan.ts'
import { filterGradFromPool } from '../../core/kernels/plan.ts'
import { randomSource } from '../../core/data/synthetic.ts'
import { createTrainer } from '../trainer/index.ts'
import type { OptimizerName } from '../../core/train/types.ts'
import { emptyStepProfile, SLOTS, type TrainerProfile } from '../trainer/profile.ts'

/** The 128-bit SIMD peak of one core of this machine (shared/bench/README.md). */
export const PEAK_GFLOPS_PER_CORE = 56.6

export interface LayerProfile {
  id: string
  type: string
  /** Milliseconds per batch (the workers' mean: they run their shards at once). */
  forwardMs: number
  backwardDataMs: number
  backwardWeightsMs: number
  /** Of the whole step. */
  share: number
  /** A max-pool whose forward runs in its conv's pass (that conv's id): its forward time is the conv's. */
  forwardIn?: string
  /** ... and whose backward runs in that conv's weight gradient: its backward time is in the conv's. */
  backwardIn?: string
  /**
   * GFLOP/s of each pass over the whole batch where the layer multiplies (conv2d, dense), counting a direct
   * convolution's FLOPs (Winograd does fewer, so it can pass the peak); null elsewhere.
   */
  forwardGflops: number | null
  backwardDataGflops: number | null
  backwardWeightsGflops: number | null
}

export interface ModelProfile {
  model: string
  optimizer: OptimizerName
  batch: number
  workers: number
  steps: number
  stepMs: number
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  layers: LayerProfile[]
  /** Milliseconds per step outside the layers. */
  outside: { scatter: number; copyIn: number; messaging: number; gradSum: number; optimizer: number; broadcast: number; nextBatchOverlapped: number }
  /** The 128-bit peak of the cores used, GFLOP/s. */
  peakGflops: number
  /** The process's peak resident memory (MB) at the end of each epoch. */
  peakRssMbPerEpoch: number[]
}

export interface ProfileOptions {
  batch?: number
  workers?: number
  epochs?: number
  stepsPerEpoch?: number
  /** SGD with momentum 0.9 (the reference workload) unless given. */
  optimizer?: OptimizerName
  onProgress?: (what: string) => void
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024

export async function profileModel(model: ModelFile, opts: ProfileOptions = {}): Promise<ModelProfile> {
  const analysis = analyzeForTraining(model)
  const input = inputOf(analysis)
  const [h, w, c] = input.outputShape as [number, number, number]
  const classes = analysis.classes
  const batch = opts.batch ?? 64
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), batch))
  const epochs = Math.max(2, opts.epochs ?? 10)
  const steps = Math.max(1, opts.stepsPerEpoch ?? 8)
  const data = randomSource(batch * steps, [h, w, c], classes)
  const profile: TrainerProfile = { step: emptyStepProfile(), layers: [], workerTimings: [] }
  const rss: number[] = []
  const name = model.name ?? 'model'
  const t = createTrainer({
    model, train: data, workers, profile,
    hyper: { epochs, batchSize: batch, optimizer: opts.optimizer ?? 'sgd', lr: 0.01, momentum: 0.9, seed: 1 },
    onEpoch: (e) => {
      rss.push(maxRssMb())
      opts.onProgress?.(`${name}: epoch ${e.epoch}/${epochs}`)
      // The first epoch carries start-up and JIT warm-up: count from the second.
      if (e.epoch === 1) {
        Object.assign(profile.step, emptyStepProfile())
        for (const wt of profile.workerTimings) wt.fill(0)
      }
    },
  })
  try {
    const r = await t.run()
    if (r.status !== 'completed') throw new Error(`${name}: the profile run ended ${r.status}${r.message ? `: ${r.message}` : ''}`)
    // Inference runs forward through the same timed layers: keep what training measured.
    const trained: TrainerProfile = { ...profile, workerTimings: profile.workerTimings.map((wt) => Float64Array.from(wt)) }
    const infer: number[] = []
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      await t.evaluate(data)
      infer.push(data.count / ((performance.now() - t0) / 1000))
    }
    return summarise(name, opts.optimizer ?? 'sgd', batch, planNetwork(analysis, batch), trained, rss, Math.max(...infer))
  } finally {
    await t.close()
  }
}

function summarise(model: string, optimizer: OptimizerName, batch: number, plan: NetworkPlan, p: TrainerProfile, rss: number[], inferImagesPerSecond: number): ModelProfile {
  const s = p.step
  const steps = Math.max(1, s.steps)
  const workers = p.workerTimings.length
  const perStep = (ms: number) => ms / steps
  // The workers run at once: a layer's time per batch is their mean; the step waits for the slowest.
  const mean = (slot: number) => p.workerTimings.reduce((a, wt) => a + wt[slot], 0) / workers / steps
  const slowest = Math.max(...p.workerTimings.map((wt) => wt[wt.length - 1])) / steps
  const stepMs = perStep(s.stepMs)
  const imagesPerStep = s.images / steps
  const gflops = (macs: number, ms: number) => (ms > 0 ? (2 * macs * imagesPerStep) / (ms / 1000) / 1e9 : null)
  const layers: LayerProfile[] = p.layers.map((l, i) => {
    const fwd = mean(i * SLOTS), data = mean(i * SLOTS + 1), weights = mean(i * SLOTS + 2)
    const multiplies = l.type === 'conv2d' || l.type === 'dense'
    // As the network plans it: an input gradient is computed only where it leads back to parameters.
    const inputGradient = plan.byId.get(l.id)?.gradInto.some(Boolean) ?? false
    const conv = plan.byId.get(l.id)?.masksReluOf
    const convPlan = conv ? plan.byId.get(conv) : undefined
    const forwardIn = convPlan?.scratch?.pooled ? conv : undefined
    const backwardIn = forwardIn && !convPlan!.gradInto[0] && filterGradFromPool(windowDims(convPlan!.node, batch), convPlan!.scratch!.algo) ? conv : undefined
    return {
      id: l.id, type: l.type, forwardMs: fwd, backwardDataMs: data, backwardWeightsMs: weights, ...(forwardIn ? { forwardIn } : {}), ...(backwardIn ? { backwardIn } : {}),
      share: stepMs > 0 ? (fwd + data + weights) / stepMs : 0,
      forwardGflops: multiplies ? gflops(l.macs, fwd) : null,
      backwardDataGflops: multiplies && inputGradient ? gflops(l.macs, data) : null,
      backwardWeightsGflops: multiplies ? gflops(l.macs, weights) : null,
    }
  })
  return {
    model, optimizer, batch, workers, steps: s.steps, stepMs,
    trainImagesPerSecond: s.stepMs > 0 ? s.images / (s.stepMs / 1000) : 0,
    inferImagesPerSecond,
    layers,
    outside: {
      scatter: perStep(s.scatterMs),
      copyIn: perStep(s.copyInMs),
      messaging: Math.max(0, perStep(s.waitMs) - slowest),
      gradSum: perStep(s.gradSumMs),
      optimizer: perStep(s.optimizerMs),
      broadcast: perStep(s.broadcastMs),
      nextBatchOverlapped: perStep(s.nextBatchMs),
    },
    peakGflops: PEAK_GFLOPS_PER_CORE * workers,
    peakRssMbPerEpoch: rss,
  }
}
