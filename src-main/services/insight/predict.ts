// The top classes of images (files, a folder, or bytes sent by the page) under a run's checkpoint.
import { topK } from '../../../src-engine/core/insight/infer.ts'
import type { Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { forEachLimit } from '../../../src-engine/node/dataset/pool.ts'
import { resolve } from 'node:path'
import { decodeImage, listImages, PREDICT_IMAGE_LIMIT, tooManyImages, type DecodedImage, type ImageList } from './images.ts'
import { inferOnDevice } from '../../../src-engine/node/gpu/infer.ts'
import type { DeviceRequest } from '../../../src-engine/core/gpu/choose.ts'
import { openRunContext } from './run-context.ts'
import type { CheckpointKind } from '../../api/contract.ts'

export interface PredictOptions {
  top?: number
  checkpoint?: CheckpointKind
  cacheDir?: string
  /** cpu (absent: the same), gpu or auto (--device). */
  device?: DeviceRequest
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
  /** With a device asked for: the one used and why. */
  deviceReason?: string
}

/** `inputs`: paths (files or folders), or { name, bytes } from the page. */
export async function predictImages(store: Store, ref: string, inputs: (string | { name: string; bytes: Buffer })[], opts: PredictOptions = {}): Promise<PredictResult> {
  const ctx = await openRunContext(store, ref, { checkpoint: opts.checkpoint, cacheDir: opts.cacheDir })
  const classes = ctx.preprocessing.classes
  const top = Math.max(1, Math.min(opts.top ?? 3, classes.length))
  type Job = { path: string; bytes: Buffer | null }
  // Folders are listed one after another against one budget: the request as a whole expands to at most
  // PREDICT_IMAGE_LIMIT images, however many folders it names.
  const jobs: Job[] = []
  const skipped: { path: string; reason: string }[] = []
  let budget = PREDICT_IMAGE_LIMIT - inputs.filter((i) => typeof i !== 'string').length
  const listings = new Map<string, ImageList>() // a path named again is not walked again
  for (const i of inputs) {
    if (typeof i !== 'string') {
      jobs.push({ path: i.name, bytes: i.bytes })
      continue
    }
    const again = listings.get(resolve(i))
    if (again && again.files.length > budget) throw tooManyImages(i, budget)
    const listed = again ?? await listImages(i, budget)
    if (!again) skipped.push(...listed.skipped) // said once, however often the path is named
    listings.set(resolve(i), listed)
    budget -= listed.files.length
    jobs.push(...listed.files.map((path) => ({ path, bytes: null })))
  }
  if (!jobs.length) throw new ServiceError('NOT_FOUND', `no image files in ${inputs.map((i) => (typeof i === 'string' ? i : i.name)).join(', ')}${skipped.length ? ` (${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} skipped: ${skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ')})` : ''}`)
  // A few decodes in flight per core (libvips' threads), not a whole folder's files at once.
  const decoded: Awaited<ReturnType<typeof decodeImage>>[] = new Array(jobs.length)
  await forEachLimit(jobs, async (j, i) => { decoded[i] = await decodeImage(j.path, j.bytes, ctx.target) })
  const good = decoded.filter((d): d is DecodedImage => 'pixels' in d)
  for (const d of decoded) if ('reason' in d) skipped.push({ path: d.path, reason: d.reason })
  const size = ctx.target.height * ctx.target.width * ctx.target.channels
  const pixels = new Uint8Array(good.length * size)
  good.forEach((g, i) => pixels.set(g.pixels, i * size))
  const C = classes.length
  const inferred = good.length ? await inferOnDevice(opts.device, ctx.model, ctx.checkpoint.weights, { pixels, preprocessing: ctx.preprocessing }, good.length) : null
  const probs = inferred?.probs ?? new Float32Array(0)
  const predictions = good.map((g, i) => {
    const row = probs.subarray(i * C, (i + 1) * C)
    return { path: g.path, top: topK(row, top).map((t) => ({ class: classes[t.index], ...t })), probabilities: Array.from(row) }
  })
  return { runId: ctx.run.runId, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch }, classes, predictions, skipped, warnings: ctx.warnings, ...(opts.device && inferred ? { deviceReason: inferred.device.reason } : {}) }
}
