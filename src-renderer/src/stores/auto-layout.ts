// Auto-layout, top to bottom, by dagre (layered graph drawing: ranks follow the data's flow, crossings are
// minimised). A pure function of the file, so it is one undoable edit like any other.
import { Graph, layout } from '@dagrejs/dagre'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { moveNodes, type Point } from './model-edits.ts'

/** The node card's size on the canvas (LayerNode.vue); layout spaces cards by it. */
export const NODE_WIDTH = 196
export const NODE_HEIGHT = 78

export function autoLayout(doc: ModelFile, sizes: Record<string, { width: number; height: number }> = {}): ModelFile {
  const g = new Graph()
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 62, marginx: 0, marginy: 0 })
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
