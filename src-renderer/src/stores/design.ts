// The design: one model file (the spec's format: what is saved is what is shown), its history as snapshots,
// and its analysis. Every edit is a pure function of model-edits.ts passed to `commit`; undo swaps files.
// RENDERER.md, "The model file is the document" and "One undo: snapshots", says why.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { analyzeGraph, type Edge, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { issuesByNode } from '../composables/useGraphView.ts'
import * as edits from './model-edits.ts'
import { autoLayout, makeRoom, needsLayout, rowBelow } from './auto-layout.ts'
import { pasteOffset } from './placement.ts'
import { edgeKey, useUi } from './ui.ts'

const HISTORY_LIMIT = 200

/** In development a committed file is frozen, so a stray mutation throws where it happens instead of corrupting history. */
function freeze<T>(v: T): T {
  if (!import.meta.env.DEV || v === null || typeof v !== 'object' || Object.isFrozen(v)) return v
  for (const x of Object.values(v as object)) freeze(x)
  return Object.freeze(v)
}

export interface Notice { kind: 'error' | 'info'; text: string }

export const useDesign = defineStore('design', () => {
  const doc = shallowRef<ModelFile>(freeze(edits.blankModel()))
  const savedDoc = shallowRef<ModelFile>(doc.value)
  const past = shallowRef<{ doc: ModelFile; label: string; merge?: string }[]>([])
  const future = shallowRef<{ doc: ModelFile; label: string; merge?: string }[]>([])
  /** Where the file lives on disk (Electron), or null for a design not yet saved to a file. */
  const path = ref<string | null>(null)
  const notice = ref<Notice | null>(null)
  const clipboard = shallowRef<edits.Clip | null>(null)

  // Two computeds that keep their reference while only `layout` changes (a drag), so analysis reruns on real
  // edits only; no debounce needed (about 1 ms for 500 nodes).
  const nodes = computed(() => doc.value.nodes)
  const edges = computed(() => doc.value.edges)
  const analysis = computed(() => analyzeGraph({ format: 'cnn-studio.graph', version: 1, nodes: nodes.value, edges: edges.value }))
  /** Issues by node, worst first, for the badges and the inspector. */
  const issuesById = computed(() => issuesByNode(analysis.value))
  const dirty = computed(() => doc.value !== savedDoc.value)
  const canUndo = computed(() => past.value.length > 0)
  const canRedo = computed(() => future.value.length > 0)
  const name = computed(() => doc.value.name ?? 'Untitled')

  /**
   * Makes `next` the design as one undo step. `merge` folds repeats of the same gesture (typing in one field)
   * into the step already on top, so undo goes back to before the gesture.
   */
  function commit(next: ModelFile, label: string, merge?: string): void {
    if (next === doc.value) return
    const top = past.value[past.value.length - 1]
    if (merge && top?.merge === merge && future.value.length === 0) {
      // keep the older snapshot: undo returns to before the whole gesture
    } else {
      past.value = [...past.value.slice(-(HISTORY_LIMIT - 1)), { doc: doc.value, label, merge }]
    }
    future.value = []
    doc.value = freeze(next)
  }

  /** Moves one step from `from` to `to` (undo: past to future; redo: the reverse), swapping in that step's file. */
  function travel(from: typeof past, to: typeof past): void {
    const top = from.value[from.value.length - 1]
    if (!top) return
    from.value = from.value.slice(0, -1)
    to.value = [...to.value, { doc: doc.value, label: top.label }]
    doc.value = top.doc
    pruneSelection()
  }
  const undo = () => travel(past, future)
  const redo = () => travel(future, past)

  function pruneSelection(): void {
    const ui = useUi()
    const ids = new Set(doc.value.nodes.map((n) => n.id))
    if ([...ui.selection].some((id) => !ids.has(id))) ui.select([...ui.selection].filter((id) => ids.has(id)))
    const keys = new Set(doc.value.edges.map(edgeKey))
    if ([...ui.edgeSelection].some((k) => !keys.has(k))) ui.selectEdges([...ui.edgeSelection].filter((k) => keys.has(k)))
  }

  /** Opens `model` as the design: history starts empty, and the design is clean unless `dirty` says it is an unsaved copy. */
  function load(model: ModelFile, opts: { name?: string; path?: string | null; dirty?: boolean } = {}): void {
    let m = opts.name !== undefined ? { ...model, name: opts.name } : model
    if (needsLayout(m)) m = autoLayout(m)
    doc.value = freeze(m)
    savedDoc.value = opts.dirty ? freeze(edits.blankModel()) : doc.value
    past.value = []
    future.value = []
    path.value = opts.path ?? null
    notice.value = null
    useUi().select([])
  }

  function markSaved(at: string | null = path.value): void {
    savedDoc.value = doc.value
    path.value = at
  }

  const say = (text: string, kind: Notice['kind'] = 'error') => (notice.value = { kind, text })

  // ---- edits: each one commit ----
  function addLayer(type: string, at?: edits.Point): string {
    const node = edits.newNode(doc.value, type)
    commit(edits.addNode(doc.value, node, at), `Add ${node.id}`)
    useUi().select([node.id])
    return node.id
  }

  /** Appends after the selected node (or the last node), the keyboard's way to build a chain. */
  function appendLayer(type: string, afterId?: string): string {
    const ui = useUi()
    const after = afterId ?? [...ui.selection].at(-1) ?? analysis.value.order.at(-1)
    const node = edits.newNode(doc.value, type)
    const at = (after ? rowBelow(doc.value, after) : undefined) ?? { x: 0, y: 0 }
    commit(after ? makeRoom(edits.appendAfter(doc.value, after, node, at), node.id) : edits.addNode(doc.value, node, at), `Add ${node.id}`)
    ui.select([node.id])
    return node.id
  }

  function insertOnEdge(type: string, edge: Edge, at?: edits.Point): string {
    const node = edits.newNode(doc.value, type)
    commit(makeRoom(edits.insertOnEdge(doc.value, edge, node, rowBelow(doc.value, edge[0], at)), node.id), `Insert ${node.id}`)
    useUi().select([node.id])
    return node.id
  }

  function connect(from: string, to: string): boolean {
    const r = edits.connect(doc.value, from, to)
    if (r.error !== undefined) {
      say(r.error)
      return false
    }
    commit(r.doc, `Connect ${from} -> ${to}`)
    return true
  }

  function remove(ids: Iterable<string>, edgeList: Edge[] = []): void {
    const list = [...ids]
    let next = edits.removeEdges(doc.value, edgeList)
    next = edits.removeNodes(next, list)
    commit(next, list.length ? `Delete ${list.join(', ')}` : 'Delete edges')
    pruneSelection()
  }

  function setAttr(nodeId: string, attr: string, value: unknown): void {
    commit(edits.setAttr(doc.value, nodeId, attr, value), `Set ${nodeId}.${attr}`, `attr:${nodeId}:${attr}`)
  }

  function rename(nodeId: string, to: string): boolean {
    const r = edits.renameNode(doc.value, nodeId, to)
    if (r.error !== undefined) {
      say(r.error)
      return false
    }
    commit(r.doc, `Rename ${nodeId}`)
    useUi().select([to.trim()])
    return true
  }

  function setName(value: string): void {
    commit(edits.setName(doc.value, value), 'Rename model', 'name')
  }

  function move(positions: Record<string, edits.Point>): void {
    commit(edits.moveNodes(doc.value, positions), 'Move')
  }

  function layout(sizes?: Record<string, { width: number; height: number }>): void {
    commit(autoLayout(doc.value, sizes), 'Auto-layout')
  }

  function copy(ids: Iterable<string> = useUi().selection): boolean {
    const clip = edits.copyNodes(doc.value, ids)
    if (clip) clipboard.value = clip
    return !!clip
  }

  function paste(): string[] {
    if (!clipboard.value) return []
    const { doc: next, ids } = edits.pasteClip(doc.value, clipboard.value, pasteOffset(doc.value, clipboard.value))
    if (!ids.length) {
      say('an input cannot be pasted: a model has one input', 'info')
      return []
    }
    commit(next, `Paste ${ids.join(', ')}`)
    useUi().select(ids)
    return ids
  }

  function duplicate(ids: Iterable<string> = useUi().selection): string[] {
    const keep = clipboard.value
    if (!copy(ids)) return []
    const out = paste()
    clipboard.value = keep
    return out
  }

  return {
    doc, savedDoc, path, notice, clipboard, analysis, issuesById, dirty, canUndo, canRedo, name, past, future,
    commit, undo, redo, load, markSaved, say,
    addLayer, appendLayer, insertOnEdge, connect, remove, setAttr, rename, setName, move, layout, copy, paste, duplicate,
  }
})
