// What the connect picker offers: every other block, those the edge can be drawn to first (in the order data
// flows), then those it cannot, each with the reason model-edits.ts's `connect` gives, so the list teaches
// why a second input needs an add or concat before it is picked.
import { analyzeGraph, getLayer, type ModelFile } from '../../../../src-engine/core/graph/index.ts'
import { connect } from '../../stores/model-edits.ts'
import type { useDesign } from '../../stores/design.ts'
import type { ConnectAsk } from '../../stores/ui.ts'

export interface ConnectChoice {
  id: string
  type: string
  label: string
  /** Why this edge cannot be drawn; absent when it can. */
  reason?: string
}

/** The edge a pick makes: the asked block feeds the picked one ('from'), or the picked one feeds it ('to'). */
export const edgeOf = (ask: ConnectAsk, picked: string): [string, string] => (ask.end === 'from' ? [ask.id, picked] : [picked, ask.id])

export function connectChoices(doc: ModelFile, ask: ConnectAsk, order: readonly string[] = analyzeGraph(doc).order): ConnectChoice[] {
  const rank = new Map(order.map((id, i) => [id, i]))
  const all = doc.nodes.filter((n) => n.id !== ask.id).map((n): ConnectChoice => {
    const [from, to] = edgeOf(ask, n.id)
    const r = connect(doc, from, to)
    return { id: n.id, type: n.type, label: getLayer(n.type)?.label ?? n.type, ...(r.error !== undefined ? { reason: r.error } : {}) }
  })
  const at = (c: ConnectChoice) => rank.get(c.id) ?? Number.MAX_SAFE_INTEGER
  // Feeding forward, the blocks after the asked one come first; feeding into it, the nearest blocks before it.
  const dir = ask.end === 'from' ? 1 : -1
  return all.sort((a, b) => Number(!!a.reason) - Number(!!b.reason) || dir * (at(a) - at(b)))
}

/** Choices whose id, type or label holds `query` (any case). */
export function filterChoices(list: readonly ConnectChoice[], query: string): ConnectChoice[] {
  const q = query.trim().toLowerCase()
  if (!q) return [...list]
  return list.filter((c) => c.id.toLowerCase().includes(q) || c.type.includes(q) || c.label.toLowerCase().includes(q))
}

/**
 * What picking `picked` does: the edge as one undoable edit and a spoken confirmation, or, when it is refused,
 * nothing but the reason (returned, for the picker to show).
 */
export function connectPicked(design: Pick<ReturnType<typeof useDesign>, 'connect' | 'say' | 'notice'>, ask: ConnectAsk, picked: string): string | null {
  const [from, to] = edgeOf(ask, picked)
  if (!design.connect(from, to)) {
    // The picker shows the reason beside the list; a toast saying it again would outlive the picker.
    const why = design.notice?.text ?? `${from} cannot be connected to ${to}`
    design.notice = null
    return why
  }
  design.say(`Connected ${from} -> ${to}`, 'info')
  return null
}
