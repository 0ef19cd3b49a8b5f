// The top classes of images (files, a folder, or bytes sent by the page) under a run's checkpoint.
import { topK } from '../../../src-engine/core/insight/infer.ts'
import type { Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { forEachLimit } from '../../../src-engine/node/dataset/pool.ts'
import { decodeImage, listImages, type DecodedImage } from './images.ts'
import { inferOffThread } from '../../../src-engine/node/insight/index.ts'
import { openRunContext } from './run-context.ts'
import type { CheckpointKind } from '../../api/contract.ts'

export interface PredictOptions {
  top?: number
  checkpoint?: CheckpointKind
  cacheDir?: string
}

export interface Prediction {
  path: string
  top: { class: string; index: number; probability: number }[]
  probabilities: number[]
}

export interface PredictResult {
  runId: string
  checkpoint: { kind: CheckpointKind; epoch: number }
  classes: string[]
  predictions: Prediction[]
  skipped: { path: string; reason: string }[]
  warnings: string[]
}

/** `inputs`: paths (files or folders), or { name, bytes } from the page. */
export async function predictImages(store: Store, ref: string, inputs: (string | { name: string; bytes: Buffer })[], opts: PredictOptions = {}): Promise<PredictResult> {
  const ctx = await openRunContext(store, ref, { checkpoint: opts.checkpoint, cacheDir: opts.cacheDir })
  const classes = ctx.preprocessing.classes
  const top = Math.max(1, Math.min(opts.top ?? 3, classes.length))
  type Job = { path: string; bytes: Buffer | null }
  const jobs = inputs.flatMap((i): Job[] => (typeof i === 'string' ? listImages(i).map((path) => ({ path, bytes: null })) : [{ path: i.name, bytes: i.bytes }]))
  if (!jobs.length) throw new ServiceError('NOT_FOUND', `no image files in ${inputs.map((i) => (typeof i === 'string' ? i : i.name)).join(', ')}`)
  // A few decodes in flight per core (libvips' threads), not a whole folder's files at once.
  const decoded: Awaited<ReturnType<typeof decodeImage>>[] = new Array(jobs.length)
  await forEachLimit(jobs, async (j, i) => { decoded[i] = await decodeImage(j.path, j.bytes, ctx.target) })
  const good = decoded.filter((d): d is DecodedImage => 'pixels' in d)
  const skipped = decoded.filter((d): d is { path: string; reason: string } => 'reason' in d)
  const size = ctx.target.height * ctx.target.width * ctx.target.channels
  const pixels = new Uint8Array(good.length * size)
  good.forEach((g, i) => pixels.set(g.pixels, i * size))
  const C = classes.length
  const probs = good.length ? (await inferOffThread(ctx.model, ctx.checkpoint.weights, { pixels, preprocessing: ctx.preprocessing }, good.length)).probs : new Float32Array(0)
  const predictions = good.map((g, i) => {
    const row = probs.subarray(i * C, (i + 1) * C)
    return { path: g.path, top: topK(row, top).map((t) => ({ class: classes[t.index], ...t })), probabilities: Array.from(row) }
  })
  return { runId: ctx.run.runId, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch }, classes, predictions, skipped, warnings: ctx.warnings }
}
