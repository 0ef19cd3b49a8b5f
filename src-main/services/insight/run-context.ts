// Everything insight and export need of a run: its model, a checkpoint's weights, and the preprocessing it
// was trained with. The normalisation statistics are the ones stored with the run, so predict and export
// work with the training folder gone; a run recorded before they were stored gets them recomputed the way
// the training service computed them (the same stratified split of the same folder, channelStats of the
// training side). A folder changed since training is reported as a warning rather than silently giving
// other numbers.
import { join } from 'node:path'
import { analyzeForTraining, inputOf, type GraphAnalysis, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import type { Preprocessing } from '../../../src-engine/core/insight/preprocess.ts'
import { decodeWeights, describeNonFinite, firstNonFinite, WeightsError } from '../../../src-engine/core/train/weights.ts'
import { channelStats, classCounts, DatasetError, loadDataset, splitIndices, subset, type LoadedDataset, type Target } from '../../../src-engine/node/dataset/index.ts'
import type { RunRow, Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { dataChanges, splitFolders, targetOf } from '../run-data.ts'

import type { CheckpointKind } from '../../api/contract.ts'

export interface RunContext {
  run: RunRow
  model: ModelFile
  analysis: GraphAnalysis
  checkpoint: { kind: CheckpointKind; epoch: number; weights: Uint8Array }
  preprocessing: Preprocessing
  target: Target
  datasetDir: string | null
  settings: { valSplit: number; seed: number; testDir: string | null; [k: string]: unknown }
  /** Problems that do not stop the work (the training folder changed since the run). */
  warnings: string[]
  /** The training folder, loaded once (through the decoded cache). */
  loadData(): Promise<LoadedDataset>
  /** Indices into loadData().set of the validation split the run used. */
  validationIndices(): Promise<Int32Array>
}

export interface ContextOptions {
  checkpoint?: CheckpointKind
  cacheDir?: string
}

/** `ref`: a run id or `latest`. Throws ServiceError (NOT_FOUND, BAD_STATE) or the store's NOT_FOUND. */
export async function openRunContext(store: Store, ref: string, opts: ContextOptions = {}): Promise<RunContext> {
  const run = store.getRun(ref)
  const kind = opts.checkpoint ?? 'best'
  const ck = store.checkpoint(run.runId, kind)
  if (!ck) throw new ServiceError('NO_CHECKPOINT', `run ${run.runId} has no ${kind} checkpoint yet: it has not finished an epoch (status ${run.status}); train or resume it first`)
  checkWeights(run.runId, kind, ck)
  const model = store.modelOf(run.runId)
  const analysis = analyzeForTraining(model)
  const a = inputOf(analysis).attrs
  const target = targetOf(analysis)
  const s = run.settings as RunContext['settings'] & { datasetDir?: string }
  const settings = { ...s, valSplit: s.valSplit ?? 0.2, seed: s.seed ?? 1, testDir: s.testDir ?? null }
  const ds = store.datasetOf(run.runId)
  const datasetDir = s.datasetDir ?? ds?.root ?? null
  const classes: string[] = ds ? ds.classes : Array.from({ length: analysis.classes }, (_, i) => `class${i}`)
  const warnings: string[] = []
  const stored = store.normalizationOf(run.runId)

  let data: Promise<LoadedDataset> | null = null
  const loadData = () => (data ??= (async () => {
    if (!datasetDir) throw new ServiceError('NOT_FOUND', `run ${run.runId} has no training folder recorded`)
    let d: LoadedDataset
    try {
      d = await loadDataset(splitFolders(datasetDir).train, target, { cacheDir: opts.cacheDir }) // a train/test root: its train/
    } catch (e) {
      if (e instanceof DatasetError) throw new ServiceError('UNUSABLE_DATASET', `run ${run.runId} was trained on ${datasetDir}, which cannot be read now: ${e.message}`)
      throw e
    }
    if (ds) {
      const now = { classes: d.set.classes, fingerprint: d.fingerprint, counts: classCounts(d.set) }
      const changes = dataChanges(ds, now)
      // Other classes would give every label another meaning; other images only another split and statistics.
      if (changes.length && classes.join('\0') !== now.classes.join('\0')) throw new ServiceError('DATA_CHANGED', `${datasetDir} is not the folder run ${run.runId} was trained on: ${changes.join('; ')}`)
      if (changes.length) warnings.push(`${datasetDir} has changed since run ${run.runId} was trained (${changes.join('; ')}): the validation split is recomputed from the folder as it is now${stored ? '' : ', and so are the normalisation statistics'}`)
    }
    return d
  })())
  let val: Int32Array | null = null
  const validationIndices = async () => {
    const valDir = (s as { valDir?: string }).valDir
    if (valDir) throw new ServiceError('BAD_STATE', `run ${run.runId} was validated on the folder ${valDir}, not on a split of its training folder; evaluate it on that folder: --split test --test-dir ${valDir}`)
    const d = await loadData()
    return (val ??= splitIndices(d.set.labels, d.set.classes.length, settings.valSplit, settings.seed).val)
  }

  let mean = Array.from({ length: target.channels }, () => 0), std = Array.from({ length: target.channels }, () => 1)
  if (a.normalize === 'dataset' && stored) ({ mean, std } = stored)
  else if (a.normalize === 'dataset') {
    const d = await loadData()
    const { train } = splitIndices(d.set.labels, d.set.classes.length, settings.valSplit, settings.seed)
    ;({ mean, std } = channelStats(subset(d.set, train)))
  }
  const preprocessing: Preprocessing = {
    layout: 'NHWC', height: target.height, width: target.width, channels: target.channels, resize: target.resize ?? 'stretch',
    background: [255, 255, 255], scale: 1 / 255, mean, std, classes,
  }
  return { run, model, analysis, checkpoint: { kind, epoch: ck.epoch, weights: ck.weights }, preprocessing, target, datasetDir, settings, warnings, loadData, validationIndices }
}

/**
 * Refuses a checkpoint that cannot be decoded, or whose weights hold a NaN or an infinity (a run that
 * diverged before the trainer checked its weights): exporting, evaluating or predicting with them would
 * give NaN everywhere, and the message must say why, not blame the runtime.
 */
function checkWeights(runId: string, kind: CheckpointKind, ck: { epoch: number; weights: Uint8Array }): void {
  let tensors: Map<string, Float32Array>
  try {
    tensors = decodeWeights(ck.weights).tensors
  } catch (e) {
    if (!(e instanceof WeightsError)) throw e
    throw new ServiceError('DAMAGED', `run ${runId}'s ${kind} checkpoint (epoch ${ck.epoch}) cannot be read: ${e.message}; try the other one (--checkpoint ${kind === 'best' ? 'last' : 'best'}), or resume or retrain the run`)
  }
  const bad = firstNonFinite(tensors)
  if (bad) throw new ServiceError('NOT_FINITE', `run ${runId}'s weights are not finite (${describeNonFinite(bad.value)} in ${bad.name}, ${kind} checkpoint of epoch ${ck.epoch}): it diverged; train again with a smaller learning rate`)
}

/** Absolute path of a file of the training folder from its relative name. */
export const datasetPath = (root: string, rel: string): string => join(root, ...rel.split('/'))
