// The final metrics of each group (seed group, setting or tags): mean ± sample sd over its runs, with how
// many runs had a value. The validation accuracy is the last epoch's or each run's best, as the rest of
// Compare shows it.
import type { RunDetail } from '../../../../src-main/api/contract.ts'
import { meanSd } from '../../../../src-engine/core/curves/group-stats.ts'
import { bestEpoch } from '../../../../src-engine/core/curves/best-epoch.ts'
import type { CurveGroup } from './curve-model.ts'

export interface GroupCell { mean: number | null; sd: number | null; n: number }
export interface GroupRow { label: string; format: 'pct' | 'loss' | 'int'; cells: GroupCell[] }

type Pick = (d: RunDetail) => number | null | undefined

export function groupMetricRows(details: readonly RunDetail[], groups: readonly CurveGroup[], valFrom: 'last' | 'best'): GroupRow[] {
  const valAcc: Pick = (d) => {
    const eps = d.epochs.filter((e) => e.valAccuracy !== null)
    return valFrom === 'best' ? bestEpoch(eps)?.valAccuracy : eps.at(-1)?.valAccuracy
  }
  const defs: [string, GroupRow['format'], Pick][] = [
    [`Validation accuracy (${valFrom} epoch)`, 'pct', valAcc],
    ['Validation loss', 'loss', (d) => d.final.valLoss],
    ['Test accuracy', 'pct', (d) => d.final.testAccuracy],
    ['Training accuracy (last epoch)', 'pct', (d) => d.epochs.at(-1)?.trainAccuracy],
    ['Training loss (last epoch)', 'loss', (d) => d.epochs.at(-1)?.trainLoss],
    ['Epochs', 'int', (d) => d.epochs.length],
  ]
  return defs.map(([label, format, pick]) => ({
    label, format,
    cells: groups.map((g) => {
      const vals = g.members.map((i) => pick(details[i])).filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
      const s = meanSd(vals)
      return { mean: s?.mean ?? null, sd: s && vals.length > 1 ? s.sd : null, n: vals.length }
    }),
  })).filter((r) => r.cells.some((c) => c.n > 0))
}
