// The best epoch of a run: the highest validation accuracy, the earliest where several tie, as the
// trainer keeps the best checkpoint (it replaces it only on a strictly higher accuracy).

export interface EpochValue { epoch: number; valAccuracy: number | null }

export function bestEpoch(epochs: readonly EpochValue[]): EpochValue | null {
  let best: EpochValue | null = null
  for (const e of epochs) {
    if (e.valAccuracy === null || !Number.isFinite(e.valAccuracy)) continue
    if (!best || e.valAccuracy > best.valAccuracy!) best = e
  }
  return best
}

/** The tooltip of the best-epoch mark: "best val acc 0.912 at epoch 7". */
export function bestEpochLabel(b: EpochValue, prefix = 'best val acc'): string {
  return `${prefix} ${b.valAccuracy!.toFixed(3)} at epoch ${b.epoch}`
}
