// `runs import RUN_DIR`: a run trained elsewhere (the exported PyTorch script, under torchrun or alone) comes
// back as a run of the same model and dataset, marked as imported (RunOrigin), with its epochs, sampled steps
// and checkpoints, so evaluation, prediction, export, insight and comparison treat it like any other run,
// and `runs resume` continues it here. Everything is read and checked first (the folder, its weights against
// its model, the dataset folder, the settings, that it was not imported already); then one transaction writes it.
import { inputOf } from '../../../src-engine/core/graph/index.ts'
import { classCounts, DatasetError, loadDataset, splitIndices } from '../../../src-engine/node/dataset/index.ts'
import type { RunStatus } from '../../api/contract.ts'
import { parseSettings } from '../../api/settings.ts'
import { ServiceError } from '../errors.ts'
import { splitFolders, targetOf } from '../run-data.ts'
import { StoreError } from '../store/open.ts'
import type { RunOrigin, Store } from '../store/store.ts'
import { readRunFolder, type RunFolder } from './folder.ts'

export interface ImportOptions {
  /** The decoded-image cache (as training's). */
  cacheDir?: string
  /** The dataset folder on this machine, when it is not where the job read it (run.json's datasetDir). */
  dataDir?: string
}

export interface ImportResult {
  runId: string
  status: RunStatus
  epochs: number
  /** What does not stop the import but should be known (another validation split, a missing epoch line). */
  warnings: string[]
}

/** The folder's status as a run's: a job that never wrote its end (killed, or still going elsewhere) is stopped. */
function statusOf(f: RunFolder): { status: RunStatus; error: string | null } {
  const { info } = f
  if (info.status === 'completed') return { status: 'completed', error: null }
  if (info.status === 'failed') return { status: 'failed', error: `the job failed elsewhere after ${f.epochs.length} epochs: ${info.error ?? 'no reason recorded'}` }
  return { status: 'stopped', error: `the job's folder says it was still running after epoch ${f.final!.epoch} of ${String(info.settings.epochs ?? '?')} (killed, or still going when the folder was copied): imported as stopped; runs resume continues it here` }
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i])

export async function importRunFolder(store: Store, path: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const f = readRunFolder(path)
  const { info } = f
  const already = store.importedRunOf(f.fingerprint)
  if (already) throw new ServiceError('IMPORTED_ALREADY', `${f.dir} was imported already, as run ${already} (the same run folder: run.json id ${info.id}); delete that run first to import it again`)

  // The settings as the studio's own (the folder's overrides included): a resume trains with them.
  const { datasetDir: _d, testDir: _t, valDir: _v, ...given } = info.settings
  const parsed = parseSettings(given)
  if (!parsed.ok) throw new ServiceError('NOT_A_RUN_FOLDER', `${f.dir}/run.json has settings the studio does not take: ${parsed.message}`)
  const settings = parsed.settings

  // The same dataset: its classes, in the same order, and the validation split the job used.
  const dataDir = opts.dataDir ?? info.datasetDir
  const dirs = splitFolders(dataDir)
  let data
  try {
    data = await loadDataset(dirs.train, targetOf(f.analysis), { cacheDir: opts.cacheDir })
  } catch (e) {
    if (e instanceof DatasetError) throw new ServiceError('UNUSABLE_DATASET', `the job trained on ${dataDir}, which cannot be read here: ${e.message}; give the folder as it is on this machine (--data DIR)`)
    throw e
  }
  const classes = info.preprocessing.classes
  if (!same(data.set.classes, classes)) throw new ServiceError('DATA_CHANGED', `${dataDir} has the classes ${data.set.classes.join(', ')}, but the job trained on ${classes.join(', ')}: give the folder it trained on (--data DIR)`)
  const warnings = [...f.warnings]
  if (dirs.val) warnings.push(`${dataDir} has a val/ folder: the job validated on a split of ${dirs.train}, the studio validates on ${dirs.val}`)
  else if (f.validation) {
    const val = splitIndices(data.set.labels, classes.length, settings.valSplit, settings.seed).val
    const ours = Array.from(val, (i) => data.files[i])
    if (!same(ours, f.validation)) warnings.push(`the job validated on other images than the studio's split of ${dataDir} (${f.validation.length} images there, ${ours.length} here, ${ours.filter((p) => !f.validation!.includes(p)).length} not in the job's): the folder changed, or the job read it differently; evaluations here use the studio's split`)
  }

  const { status, error } = statusOf(f)
  const last = f.epochs.at(-1)?.event
  const seconds = f.epochs.reduce((s, e) => s + e.event.seconds, 0)
  const world = info.worldSize ?? 1
  const origin: RunOrigin = {
    kind: 'imported', folder: f.dir, importedAt: new Date().toISOString(), fingerprint: f.fingerprint, exportedFrom: info.from?.run ?? null,
    torch: info.torch ?? null, worldSize: world, devices: Array.isArray(info.devices) ? info.devices.map(String) : [], folderStatus: info.status,
  }
  const byDataset = inputOf(f.analysis).attrs.normalize === 'dataset'
  let runId: string
  try {
    runId = store.insertImportedRun({
      name: `${settings.name ?? `${f.model.name ?? 'model'} ${settings.optimizer} lr ${settings.lr}`} (PyTorch, ${world} process${world === 1 ? '' : 'es'})`,
      model: f.model,
      dataset: { root: dataDir, fingerprint: data.fingerprint, classes, counts: classCounts(data.set) },
      settings: { ...settings, datasetDir: dataDir, testDir: dirs.test, ...(dirs.val ? { valDir: dirs.val } : {}) },
      splitSeed: settings.seed, status, error,
      startedAt: info.startedAt ?? null, endedAt: info.endedAt ?? null,
      final: last?.valAccuracy !== undefined ? { valAccuracy: last.valAccuracy, valLoss: last.valLoss } : {},
      imagesPerSecond: seconds > 0 ? f.epochs.reduce((s, e) => s + e.event.imagesPerSecond * e.event.seconds, 0) / seconds : null,
      // The statistics the job normalised with (its preprocessing), as a run of the studio keeps its own.
      normalization: byDataset ? { mean: info.preprocessing.mean, std: info.preprocessing.std } : null,
      epochs: f.epochs.slice(0, Math.max(f.final!.epoch, 0)),
      checkpoints: [
        { kind: 'last', epoch: f.final!.epoch, valAccuracy: f.final!.valAccuracy, weights: f.final!.weights },
        { kind: 'best', ...(f.best ?? f.final!) },
      ],
      origin,
    })
  } catch (e) {
    // Another process imported the same folder in the meantime (the unique index on its fingerprint).
    if (e instanceof StoreError || (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      const other = store.importedRunOf(f.fingerprint)
      if (other) throw new ServiceError('IMPORTED_ALREADY', `${f.dir} was imported already, as run ${other}`)
    }
    throw e
  }
  return { runId, status, epochs: Math.min(f.epochs.length, f.final!.epoch), warnings }
}
