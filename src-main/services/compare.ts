// Comparing runs: only the settings that differ, the final metrics side by side, and a node-by-node diff
// of the architectures (what MLflow shows as a parameter diff, plus what only a graph tool can show).
import type { ModelFile } from '../../src-engine/core/graph/types.ts'
import type { Store } from './store/store.ts'

export interface ArchitectureDiff {
  same: boolean
  added: string[]
  removed: string[]
  changed: { id: string; from: unknown; to: unknown }[]
  summary: string[]
}

export function diffModels(a: ModelFile, b: ModelFile): ArchitectureDiff {
  const byId = (m: ModelFile) => new Map(m.nodes.map((n) => [n.id, n]))
  const A = byId(a), B = byId(b)
  const added = [...B.keys()].filter((id) => !A.has(id))
  const removed = [...A.keys()].filter((id) => !B.has(id))
  const changed: ArchitectureDiff['changed'] = []
  for (const [id, n] of A) {
    const m = B.get(id)
    if (!m) continue
    const from = { type: n.type, ...n.attrs }, to = { type: m.type, ...m.attrs }
    if (JSON.stringify(from) !== JSON.stringify(to)) changed.push({ id, from, to })
  }
  const edges = (m: ModelFile) => new Set(m.edges.map((e) => e.join('->')))
  const ea = edges(a), eb = edges(b)
  const rewired = [...eb].filter((e) => !ea.has(e)).length + [...ea].filter((e) => !eb.has(e)).length
  const summary = [
    ...added.map((id) => `+ ${id} (${B.get(id)!.type})`),
    ...removed.map((id) => `- ${id} (${A.get(id)!.type})`),
    ...changed.map((c) => `~ ${c.id}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`),
    ...(rewired ? [`${rewired} edge${rewired === 1 ? '' : 's'} differ`] : []),
  ]
  return { same: summary.length === 0, added, removed, changed, summary }
}

export function compareRuns(store: Store, refs: string[]) {
  const runs = refs.map((r) => store.getRun(r))
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.settings)))].sort()
  const differences: Record<string, unknown[]> = {}
  for (const k of keys) {
    const vs = runs.map((r) => r.settings[k])
    if (new Set(vs.map((v) => JSON.stringify(v))).size > 1) differences[k] = vs
  }
  const architecture = diffModels(store.modelOf(runs[0].runId), store.modelOf(runs[1].runId))
  return {
    runs: runs.map((r) => ({ runId: r.runId, name: r.name, status: r.status, model: r.model, modelHash: r.modelHash, final: r.final ?? {} })),
    differences,
    architecture,
  }
}
