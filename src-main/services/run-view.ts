// A run's recorded epochs as every reader shows them (the contract's runs.get, the CLI's run JSON): one
// mapping, so an optional metric is null in both, never absent in one and null in the other.
import type { EpochMetrics } from '../api/contract.ts'
import type { Store } from './store/store.ts'

export function epochsOf(store: Store, runId: string): EpochMetrics[] {
  return store.epochs(runId).map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, valLoss: e.valLoss ?? null, valAccuracy: e.valAccuracy ?? null, lr: e.lr, seconds: e.seconds }))
}
