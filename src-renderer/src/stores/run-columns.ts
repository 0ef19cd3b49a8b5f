// The Runs table's columns and what its "Val acc" means: the user picks the optional columns (remembered in
// the prefs), and a validation accuracy always says which epoch it is from, the last one or the best
// checkpoint's. Pure functions, so the table, Compare and the tests read the same rules.
import type { RunSummary } from '../../../src-main/api/contract.ts'

export type ValAccFrom = 'last' | 'best'
export type ColumnKey = 'model' | 'params' | 'dataset' | 'lr' | 'epochs' | 'valAccuracy' | 'testAccuracy' | 'createdAt' | 'duration'

/** Every column after name and status, in table order; `always` ones are shown whatever the prefs say. */
export const COLUMNS: { key: ColumnKey; label: string; num?: boolean; title?: string }[] = [
  { key: 'model', label: 'Model' }, { key: 'params', label: 'Params', num: true }, { key: 'dataset', label: 'Dataset' },
  { key: 'lr', label: 'LR', title: 'Learning rate', num: true }, { key: 'epochs', label: 'Epochs', num: true },
  { key: 'valAccuracy', label: 'Val acc', num: true }, { key: 'testAccuracy', label: 'Test acc', num: true },
  { key: 'createdAt', label: 'Created' }, { key: 'duration', label: 'Duration', num: true },
]
export const DEFAULT_COLUMNS: ColumnKey[] = ['model', 'dataset', 'lr', 'epochs', 'valAccuracy', 'testAccuracy', 'createdAt', 'duration']

/** The remembered choice, in table order, keeping only columns that still exist; nothing remembered: the defaults. */
export function shownColumns(remembered: readonly string[] | undefined): ColumnKey[] {
  if (!remembered) return DEFAULT_COLUMNS
  return COLUMNS.map((c) => c.key).filter((k) => remembered.includes(k))
}

/** A run's validation accuracy from the last epoch or the best checkpoint, with that epoch (null when none). */
export function valAccOf(r: RunSummary, from: ValAccFrom): { value: number | null; epoch: number | null } {
  const m = from === 'best' ? r.bestEpoch : r.lastEpoch
  if (m) return { value: m.valAccuracy, epoch: m.epoch }
  return { value: from === 'last' ? (r.final.valAccuracy ?? null) : null, epoch: null }
}

/**
 * The column's heading: "Val acc (last, ep 10)" when every run shown is at the same epoch, else
 * "Val acc (last epoch)" / "Val acc (best epoch)" and each cell names its own.
 */
export function valAccHeading(runs: readonly RunSummary[], from: ValAccFrom): { label: string; sameEpoch: number | null } {
  const epochs = new Set(runs.map((r) => valAccOf(r, from).epoch).filter((e): e is number => e !== null))
  const same = epochs.size === 1 ? [...epochs][0] : null
  return { label: same !== null ? `Val acc (${from}, ep ${same})` : `Val acc (${from} epoch)`, sameEpoch: same }
}

/** Seconds a run trained (or has been training, at `now`), null before it started. */
export function runSeconds(r: RunSummary, now = Date.now()): number | null {
  if (!r.startedAt) return null
  const end = r.endedAt ? Date.parse(r.endedAt) : now
  return Math.max(0, (end - Date.parse(r.startedAt)) / 1000)
}
