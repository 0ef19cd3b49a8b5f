// Palette search: a layer's names (label, type, aliases such as fc, linear, bn) rank above words of its help
// text, so "dense" finds Dense before Flatten, whose help merely mentions dense layers. Within a rank the
// registry's order stays, which is the palette's reading order.
import type { LayerDef } from '../../../../src-engine/core/graph/index.ts'

/** Lower is better; null is no match. */
export function matchRank(d: LayerDef, query: string): number | null {
  const q = query.trim().toLowerCase().replace(/\s+/g, ' ')
  if (!q) return 0
  const names = [d.label, d.type, ...(d.aliases ?? [])].map((n) => n.toLowerCase())
  if (names.includes(q)) return 0
  // A name that starts with the query, or one of whose words does ("pool" in "Max pool", "act" in "activation").
  if (names.some((n) => n.startsWith(q))) return 1
  if (names.some((n) => n.split(/[\s-]+/).some((w) => w.startsWith(q)))) return 2
  if (names.some((n) => n.includes(q))) return 3
  if (d.summary.toLowerCase().includes(q)) return 4
  return null
}

/** The layers matching `query`, best first. */
export function searchLayers(layers: readonly LayerDef[], query: string): LayerDef[] {
  return layers
    .map((d, i) => ({ d, i, r: matchRank(d, query) }))
    .filter((x): x is { d: LayerDef; i: number; r: number } => x.r !== null)
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.d)
}
