// What the summary's footer adds up: the whole model, or, when several blocks are selected, just those (so
// selecting a block group answers "what does this part cost?").
import type { GraphAnalysis } from '../../../../src-engine/core/graph/index.ts'

export interface Totals { count: number; params: number; trainableParams: number; nonTrainableParams: number; macs: number }

/** The totals of the blocks in `ids` that the analysis knows; ids of removed blocks are skipped. */
export function totalsOf(a: GraphAnalysis, ids: Iterable<string>): Totals {
  const t: Totals = { count: 0, params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0 }
  for (const id of new Set(ids)) {
    const n = a.byId.get(id)
    if (!n) continue
    t.count++
    t.params += n.params
    t.trainableParams += n.trainableParams
    t.nonTrainableParams += n.nonTrainableParams
    t.macs += n.macs
  }
  return t
}
