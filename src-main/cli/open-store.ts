// Opens the experiment database for a command: --db, then CNN_STUDIO_DB, then the user data folder.
import { Store } from '../services/store/store.ts'
import { StoreError } from '../services/store/open.ts'
import { defaultDbPath } from '../services/paths.ts'
import { CliError, EXIT_USAGE } from './errors.ts'

export function openStore(db?: string): Store {
  try {
    return new Store(defaultDbPath(db))
  } catch (e) {
    if (e instanceof StoreError) throw new CliError(e.message, EXIT_USAGE)
    throw e
  }
}

/** The run JSON of the spec (train --json, runs show --json). */
export function runJson(store: Store, runId: string) {
  const run = store.getRun(runId)
  return {
    runId: run.runId,
    name: run.name,
    status: run.status,
    epochs: store.epochs(run.runId).map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, valLoss: e.valLoss ?? null, valAccuracy: e.valAccuracy ?? null, lr: e.lr, seconds: e.seconds })),
    final: run.final ?? {},
    imagesPerSecond: run.imagesPerSecond ?? 0,
    skipped: run.skipped,
    settings: run.settings,
    model: run.model,
    dataset: run.dataset,
    createdAt: run.createdAt,
    error: run.error,
    evaluations: store.evaluations(run.runId),
  }
}
