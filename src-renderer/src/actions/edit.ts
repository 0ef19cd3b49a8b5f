// Editing the design: undo and redo (also in the native menu), the clipboard, delete, the selection, and the
// keyboard's way to draw and pick edges: C connects the selected block to a block picked from a list
// (Shift+C: a picked block into the selected one, the way to close a skip into an add), E and Shift+E step
// through the edges so Delete can remove one.
import type { Edge } from '../../../src-engine/core/graph/index.ts'
import { useDesign } from '../stores/design.ts'
import { edgeKey, useUi } from '../stores/ui.ts'
import type { Action } from './registry.ts'

/** The design's edges in the order data flows (by the topological order of their ends), the order E walks. */
export function edgesInOrder(edges: readonly Edge[], order: readonly string[]): Edge[] {
  const at = new Map(order.map((id, i) => [id, i]))
  const rank = (id: string) => at.get(id) ?? Number.MAX_SAFE_INTEGER
  return [...edges].sort((a, b) => rank(a[0]) - rank(b[0]) || rank(a[1]) - rank(b[1]))
}

/**
 * The edge E (step +1) or Shift+E (step -1) selects: the next one after the selected edge, or, from a selected
 * block, its first edge (out of it going forward, into it going back), or the first (last) edge of the model.
 */
export function stepEdge(edges: readonly Edge[], selectedEdge: string | null, block: string | null, step: 1 | -1): Edge | null {
  if (!edges.length) return null
  const i = selectedEdge ? edges.findIndex((e) => edgeKey(e) === selectedEdge) : -1
  if (i >= 0) return edges[(i + step + edges.length) % edges.length]
  if (block) {
    const own = step > 0 ? edges.find((e) => e[0] === block) ?? edges.find((e) => e[1] === block) : edges.findLast((e) => e[1] === block) ?? edges.findLast((e) => e[0] === block)
    if (own) return own
  }
  return step > 0 ? edges[0] : edges[edges.length - 1]
}

export function editActions(): Action[] {
  const design = useDesign()
  const ui = useUi()
  const onDesign = () => ui.screen === 'design'
  const hasSelection = () => onDesign() && ui.selection.size > 0
  const oneBlock = () => onDesign() && ui.selection.size === 1 && design.view.nodes.length > 1
  const selectedEdges = () => design.view.edges.filter((e) => ui.edgeSelection.has(edgeKey(e)))
  const step = (dir: 1 | -1) => {
    const next = stepEdge(edgesInOrder(design.view.edges, design.shown.order), [...ui.edgeSelection].at(-1) ?? null, [...ui.selection].at(-1) ?? null, dir)
    if (next) ui.selectEdges([edgeKey(next)])
  }
  return [
    { id: 'undo', label: 'Undo', group: 'Edit', menu: true, keys: ['CmdOrCtrl+Z'], enabled: () => onDesign() && design.canUndo, run: design.undo },
    { id: 'redo', label: 'Redo', group: 'Edit', menu: true, keys: ['Shift+CmdOrCtrl+Z', 'CmdOrCtrl+Y'], enabled: () => onDesign() && design.canRedo, run: design.redo },
    { id: 'copy', label: 'Copy', group: 'Edit', keys: ['CmdOrCtrl+C'], enabled: hasSelection, run: () => design.copy() },
    { id: 'paste', label: 'Paste', group: 'Edit', keys: ['CmdOrCtrl+V'], enabled: () => onDesign() && !!design.clipboard, run: () => design.paste() },
    { id: 'duplicate', label: 'Duplicate', group: 'Edit', keys: ['CmdOrCtrl+D'], enabled: hasSelection, run: () => design.duplicate() },
    {
      id: 'delete', label: 'Delete', group: 'Edit', keys: ['Delete', 'Backspace'],
      enabled: () => onDesign() && (ui.selection.size > 0 || selectedEdges().length > 0),
      run: () => design.remove(ui.selection, selectedEdges()),
    },
    { id: 'connect', label: 'Connect the selected block to…', group: 'Edit', keys: ['C'], enabled: oneBlock, run: () => (ui.connecting = { id: [...ui.selection][0], end: 'from' }) },
    { id: 'connect-into', label: 'Connect … into the selected block', group: 'Edit', keys: ['Shift+C'], enabled: oneBlock, run: () => (ui.connecting = { id: [...ui.selection][0], end: 'to' }) },
    { id: 'next-edge', label: 'Select the next edge', group: 'Edit', keys: ['E'], enabled: () => onDesign() && design.view.edges.length > 0, run: () => step(1) },
    { id: 'previous-edge', label: 'Select the previous edge', group: 'Edit', keys: ['Shift+E'], enabled: () => onDesign() && design.view.edges.length > 0, run: () => step(-1) },
    { id: 'select-all', label: 'Select all', group: 'Edit', keys: ['CmdOrCtrl+A'], enabled: onDesign, run: () => ui.select(design.view.nodes.map((n) => n.id)) },
    {
      id: 'deselect', label: 'Clear the selection / close', group: 'Edit', keys: ['Escape'],
      run: () => {
        if (ui.helpOpen || ui.galleryOpen || ui.connecting || ui.makingBlock) { ui.helpOpen = false; ui.galleryOpen = false; ui.connecting = null; ui.makingBlock = false }
        else if (ui.selection.size || ui.edgeSelection.size || !design.opened) { ui.select([]); ui.selectEdges([]) }
        else design.closeBlock() // nothing selected in an opened block: Escape goes back to the model
      },
    },
  ]
}
