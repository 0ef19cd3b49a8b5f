// Evaluating a run's checkpoint on its validation split or a test folder: the classification report and
// every image's prediction (for the gallery behind each confusion-matrix cell).
import { resolve } from 'node:path'
import { classificationReport, type ClassificationReport } from '../../../src-engine/core/insight/metrics.ts'
import { DatasetError, loadDataset, subset } from '../../../src-engine/node/dataset/index.ts'
import type { ImageSet } from '../../../src-engine/core/data/types.ts'
import type { Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { inferOnDevice } from '../../../src-engine/node/gpu/infer.ts'
import type { DeviceRequest } from '../../../src-engine/core/gpu/choose.ts'
import { pngDataUrl } from './png.ts'
import { datasetPath, openRunContext } from './run-context.ts'
import { splitFolders } from '../run-data.ts'
import type { CheckpointKind } from '../../api/contract.ts'

export interface EvaluateOptions {
  split?: 'val' | 'test'
  /** A test folder (one sub-folder per class); default the run's own --test-dir. */
  testDir?: string
  checkpoint?: CheckpointKind
  cacheDir?: string
  /** Add each image as the network saw it (a PNG data URL at the input size), up to MAX_THUMBNAILS images. */
  thumbnails?: boolean
  /** cpu (absent: the same), gpu or auto (--device). */
  device?: DeviceRequest
}

const MAX_THUMBNAILS = 2000

export interface ImagePrediction {
  /** Absolute path of the image. */
  path: string
  /** Class indices into `classes`. */
  true: number
  predicted: number
  confidence: number
  probabilities: number[]
  thumbnail?: string
}

export interface EvaluationResult extends ClassificationReport {
  runId: string
  split: 'val' | 'test'
  folder: string
  checkpoint: { kind: CheckpointKind; epoch: number }
  classes: string[]
  predictions: ImagePrediction[]
  warnings: string[]
  /** With a device asked for: the one used and why ("cpu: the GPU (...) took 25x ..."). */
  deviceReason?: string
}

export async function evaluateRun(store: Store, ref: string, opts: EvaluateOptions = {}): Promise<EvaluationResult> {
  const ctx = await openRunContext(store, ref, { checkpoint: opts.checkpoint, cacheDir: opts.cacheDir })
  const split = opts.split ?? (opts.testDir ? 'test' : 'val')
  const classes = ctx.preprocessing.classes
  let set: ImageSet, paths: string[], folder: string
  if (split === 'val') {
    if (opts.testDir) throw new ServiceError('INVALID_SETTINGS', '--test-dir goes with --split test; the validation split is the one the run held out of its own folder')
    const data = await ctx.loadData()
    const idx = await ctx.validationIndices()
    if (!idx.length) throw new ServiceError('BAD_STATE', `run ${ctx.run.runId} held out no validation images (val split ${ctx.settings.valSplit}); evaluate it on a folder instead: --split test --test-dir DIR`)
    set = subset(data.set, idx)
    // The files are relative to the folder that was read: a train/test root's train/, not the root.
    const read = splitFolders(ctx.datasetDir!).train
    paths = Array.from(idx, (i) => datasetPath(read, data.files[i]))
    folder = ctx.datasetDir!
  } else {
    const dir = opts.testDir ?? ctx.settings.testDir
    if (!dir) throw new ServiceError('INVALID_SETTINGS', `run ${ctx.run.runId} was trained without a test folder; name one: --split test --test-dir DIR`)
    folder = resolve(dir)
    try {
      const d = await loadDataset(folder, ctx.target, { cacheDir: opts.cacheDir, classes })
      set = d.set
      paths = d.files.map((f) => datasetPath(folder, f))
    } catch (e) {
      if (e instanceof DatasetError) throw new ServiceError('UNUSABLE_DATASET', e.message)
      throw e
    }
    if (!set.count) throw new ServiceError('UNUSABLE_DATASET', `${folder} has no usable image in the run's classes (${classes.join(', ')})`)
  }
  const { probs, lossSum, device } = await inferOnDevice(opts.device, ctx.model, ctx.checkpoint.weights, { pixels: set.pixels, preprocessing: ctx.preprocessing }, set.count, set.labels)
  const report = classificationReport(probs, set.labels, classes, { lossSum: lossSum! })
  const C = classes.length
  const predictions: ImagePrediction[] = paths.map((path, i) => {
    const row = Array.from(probs.subarray(i * C, (i + 1) * C))
    let best = 0
    for (let c = 1; c < C; c++) if (row[c] > row[best]) best = c
    return { path, true: set.labels[i], predicted: best, confidence: row[best], probabilities: row }
  })
  if (opts.thumbnails) {
    const size = set.height * set.width * set.channels
    await Promise.all(predictions.slice(0, MAX_THUMBNAILS).map(async (p, i) => {
      p.thumbnail = await pngDataUrl(set.pixels.subarray(i * size, (i + 1) * size), set.width, set.height, set.channels as 1 | 3)
    }))
  }
  return {
    ...report, runId: ctx.run.runId, split, folder, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch },
    classes, predictions, warnings: ctx.warnings, ...(opts.device ? { deviceReason: device.reason } : {}),
  }
}

/**
 * The run page's evaluation: the best checkpoint on the validation split (or the run's test folder), computed
 * once and kept with the run (store schema 6), so the confusion matrix and its galleries are there on every
 * visit. A stored one made from another best checkpoint (the run was resumed since) is made again.
 * `testDir`: another test folder (the diff of two runs on a folder both can read), kept under its own key
 * (`test:` and its absolute path) beside the run's own test folder's.
 */
export async function storedEvaluation(store: Store, ref: string, opts: { split?: 'val' | 'test'; testDir?: string; cacheDir?: string } = {}): Promise<EvaluationResult> {
  const run = store.getRun(ref)
  const split = opts.testDir ? 'test' : (opts.split ?? 'val')
  const key = opts.testDir ? storedTestKey(opts.testDir) : split
  const best = store.checkpoint(run.runId, 'best')
  if (!best) throw new ServiceError('BAD_STATE', `run ${run.runId} has no checkpoint yet: it has not finished an epoch (status ${run.status})`)
  const kept = store.storedEvaluation(run.runId, key, 'best')
  if (kept && kept.epoch === best.epoch) return JSON.parse(kept.report) as EvaluationResult
  const r = await evaluateRun(store, run.runId, { split, testDir: opts.testDir, checkpoint: 'best', cacheDir: opts.cacheDir, thumbnails: true })
  // A read-only (or older, unmigrated) file still gets its evaluation, just not kept.
  if (!store.readonly) {
    try {
      store.saveStoredEvaluation(run.runId, key, 'best', r.checkpoint.epoch, JSON.stringify(r))
    } catch {
      // a full disk: the evaluation is shown all the same, and made again next time
    }
  }
  return r
}

/** The key a chosen test folder's stored evaluation is kept under. */
export const storedTestKey = (dir: string): string => `test:${resolve(dir)}`
