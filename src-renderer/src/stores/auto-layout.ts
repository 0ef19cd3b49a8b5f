// Auto-layout, top to bottom, by dagre (layered graph drawing: ranks follow the data's flow, crossings are
// minimised). A pure function of the file, so it is one undoable edit like any other.
import { Graph, layout } from '@dagrejs/dagre'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { moveNodes, type Point } from './model-edits.ts'

/** The node card's size on the canvas (LayerNode.vue); layout spaces cards by it. */
export const NODE_WIDTH = 196
export const NODE_HEIGHT = 78
const RANK_GAP = 62
/** From one row of a top-to-bottom layout to the next (the templates are laid out this way). */
export const ROW_STEP = NODE_HEIGHT + RANK_GAP

export function autoLayout(doc: ModelFile, sizes: Record<string, { width: number; height: number }> = {}): ModelFile {
  const g = new Graph()
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: RANK_GAP, marginx: 0, marginy: 0 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of doc.nodes) g.setNode(n.id, { width: sizes[n.id]?.width ?? NODE_WIDTH, height: sizes[n.id]?.height ?? NODE_HEIGHT })
  for (const [a, b] of doc.edges) g.setEdge(a, b)
  layout(g)
  const positions: Record<string, Point> = {}
  for (const n of doc.nodes) {
    const p = g.node(n.id)
    // dagre gives centres; the canvas positions a card by its top-left corner. Rounded, so files stay tidy.
    positions[n.id] = { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) }
  }
  return moveNodes(doc, positions)
}

/** True when some node has no position yet (a hand-written or CLI-made file): the canvas lays it out once. */
export function needsLayout(doc: ModelFile): boolean {
  return doc.nodes.some((n) => !doc.layout?.[n.id])
}

/**
 * Where a layer added into the flow after `from` goes: the next row of `from`'s column when `from` feeds
 * nothing else (a chain), else where it was dropped; undefined when neither is known.
 */
export function rowBelow(doc: ModelFile, from: string, dropped?: Point): Point | undefined {
  const p = doc.layout?.[from]
  const chain = doc.edges.filter(([a]) => a === from).length <= 1
  return p && (chain || !dropped) ? { x: p.x, y: p.y + ROW_STEP } : dropped
}

/**
 * Makes room under a node just placed in the flow: everything downstream of it moves down as one block,
 * as far as needed for its nearest successor to sit a row below it, so no card lands on another. Nodes
 * not downstream (the other side of a skip connection) stay where they are.
 */
export function makeRoom(doc: ModelFile, id: string): ModelFile {
  const at = doc.layout?.[id]
  if (!at) return doc
  const below = new Set<string>()
  const stack = [id]
  while (stack.length) {
    const n = stack.pop()!
    for (const [a, b] of doc.edges) {
      if (a !== n || below.has(b) || b === id) continue
      below.add(b)
      stack.push(b)
    }
  }
  const next = doc.edges.filter(([a]) => a === id).map(([, b]) => doc.layout?.[b]?.y).filter((y): y is number => y !== undefined)
  const shift = next.length ? at.y + ROW_STEP - Math.min(...next) : 0
  if (shift <= 0) return doc
  const moved: Record<string, Point> = {}
  for (const n of below) {
    const p = doc.layout?.[n]
    if (p) moved[n] = { x: p.x, y: p.y + shift }
  }
  return moveNodes(doc, moved)
}
