// How a training step scales with workers (`bench --scaling`): the real trainer profiled at 1..N workers,
// the efficiency of each count, and what the measured serial part predicts for machines with more cores.
//
// Two predictions, because the part of a step that does not shrink with more workers need not be constant:
// a coordinator that summed every worker's gradient and copied the weights back to each would grow with the
// count (the trainer before the sharded step did). So the model fitted here is
// step(N) = parallel / N + a + b * N, with a + b * N the milliseconds that do not divide (batch copy-in,
// messaging, and the gradient sum, optimizer and weight copies, which each worker now does on its slice:
// 1/N of the weights in N blocks, a constant) fitted over the measured counts, and parallel = the layers'
// time at one worker. Amdahl's law with the serial fraction at one worker is printed beside it: the bound
// the fitted model falls short of when b > 0.
import type { ModelFile } from '../../core/graph/index.ts'
import { profileModel, type ModelProfile } from './profile.ts'

export interface ScalingRow {
  workers: number
  trainImagesPerSecond: number
  stepMs: number
  /** The coordinator's serial milliseconds a step (outside the layers, on the main thread). */
  serialMs: number
  /** Speedup over one worker divided by the worker count. */
  efficiency: number
}

export interface ScalingResult {
  model: string
  batch: number
  rows: ScalingRow[]
  /** Serial milliseconds a step = a + b * workers, least squares over the rows. */
  serialFit: { a: number; b: number }
  /** The serial share of a one-worker step. */
  serialFraction: number
  /** Predicted speedups over one worker at 8 and 16 workers (one core each). */
  projected: { workers: number; fitted: number; amdahl: number }[]
}

const serialOf = (p: ModelProfile) => p.outside.scatter + p.outside.messaging + p.outside.gradSum + p.outside.optimizer + p.outside.broadcast

/** Least-squares line through (x, y) points; a single point gives a flat line. */
export function fitLine(points: [number, number][]): { a: number; b: number } {
  const n = points.length
  if (n < 2) return { a: points[0]?.[1] ?? 0, b: 0 }
  const mx = points.reduce((s, [x]) => s + x, 0) / n
  const my = points.reduce((s, [, y]) => s + y, 0) / n
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0)
  const b = sxx === 0 ? 0 : points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx
  return { a: my - b * mx, b: Math.max(0, b) }
}

/** Speedup at `n` workers from the one-worker step split into parallel and serial parts. */
export function projectSpeedup(stepMs1: number, fit: { a: number; b: number }, n: number): { fitted: number; amdahl: number } {
  const serial1 = Math.min(stepMs1, fit.a + fit.b)
  const parallel = stepMs1 - serial1
  const f = serial1 / stepMs1
  return { fitted: stepMs1 / (parallel / n + fit.a + fit.b * n), amdahl: 1 / (f + (1 - f) / n) }
}

export async function scalingBench(model: ModelFile, maxWorkers: number, opts: { batch?: number; epochs?: number; steps?: number; onProgress?: (what: string) => void } = {}): Promise<ScalingResult> {
  const profiles: ModelProfile[] = []
  for (let w = 1; w <= maxWorkers; w++) {
    opts.onProgress?.(`${model.name ?? 'model'}: ${w} worker${w > 1 ? 's' : ''}`)
    profiles.push(await profileModel(model, { workers: w, batch: opts.batch, epochs: opts.epochs ?? 4, stepsPerEpoch: opts.steps ?? 6 }))
  }
  const one = profiles[0]
  const rows = profiles.map((p) => ({
    workers: p.workers,
    trainImagesPerSecond: p.trainImagesPerSecond,
    stepMs: p.stepMs,
    serialMs: serialOf(p),
    efficiency: p.trainImagesPerSecond / one.trainImagesPerSecond / p.workers,
  }))
  const serialFit = fitLine(rows.map((r) => [r.workers, r.serialMs]))
  return {
    model: one.model,
    batch: one.batch,
    rows,
    serialFit,
    serialFraction: Math.min(1, (serialFit.a + serialFit.b) / one.stepMs),
    projected: [8, 16].map((n) => ({ workers: n, ...projectSpeedup(one.stepMs, serialFit, n) })),
  }
}
