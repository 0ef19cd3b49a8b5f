// The design: one model file (the spec's format: what is saved is what is shown), its history as snapshots,
// and its analysis. Every edit is a pure function of model-edits.ts passed to `commit`; undo swaps files.
// RENDERER.md, "The model file is the document" and "One undo: snapshots", says why.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import {
  analyzeGraph, BLOCK_INPUT, BLOCK_TYPE, BlockError, makeBlock as makeBlockIn, matchBlock, replaceMatches, unpackBlock, uniqueBlockName,
  type BlockDef, type BlockParam, type Edge, type ModelFile, type NodeSpec,
} from '../../../src-engine/core/graph/index.ts'
import { issuesByNode } from '../composables/useGraphView.ts'
import * as edits from './model-edits.ts'
import { autoLayout, makeRoom, needsLayout, rowBelow } from './auto-layout.ts'
import { pasteOffset } from './placement.ts'
import { edgeKey, useUi } from './ui.ts'
import { collapsedAnalysis, definitionAnalysis, definitionDoc, instanceFor, withDefinition, type Opened } from './block-view.ts'

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
  const blocks = computed(() => doc.value.blocks)
  /** The expansion's analysis (ids `s1/c1`): what training, the memory estimate and the toolbar's totals use. */
  const analysis = computed(() => analyzeGraph({ format: 'cnn-studio.graph', version: 1, nodes: nodes.value, edges: edges.value, ...(blocks.value ? { blocks: blocks.value } : {}) }))

  /** The block definition open on the canvas (view state: outside the file and its history), if any. */
  const openedAsked = shallowRef<Opened | null>(null)
  /** The asked definition while the file still has it (an undo can take it away: the canvas goes back to the model). */
  const opened = computed(() => instanceFor(doc.value, openedAsked.value))
  /** What the canvas, inspector and summary show and edit: the model, or the opened definition as a model file. */
  const view = computed<ModelFile>(() => (opened.value ? definitionDoc(doc.value, opened.value.block) : doc.value))
  /** The analysis of what is shown: instances collapsed to one row each, or the opened instance's layers. */
  const shown = computed(() => (opened.value ? definitionAnalysis(doc.value, analysis.value, opened.value) : collapsedAnalysis(doc.value, analysis.value)))
  /** Issues by node of what is shown, worst first, for the badges and the inspector. */
  const issuesById = computed(() => issuesByNode(shown.value))
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
    const ids = new Set(view.value.nodes.map((n) => n.id))
    if ([...ui.selection].some((id) => !ids.has(id))) ui.select([...ui.selection].filter((id) => ids.has(id)))
    const keys = new Set(view.value.edges.map(edgeKey))
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
    openedAsked.value = null
    useUi().select([])
  }

  function markSaved(at: string | null = path.value): void {
    savedDoc.value = doc.value
    path.value = at
  }

  const say = (text: string, kind: Notice['kind'] = 'error') => (notice.value = { kind, text })

  /**
   * Commits an edit of what is shown: the model itself, or, with a definition open, the model with that
   * definition rewritten from the edited view (so every instance changes). `renamed` carries a layer rename
   * into the definition's output and parameter binds.
   */
  function commitView(next: ModelFile, label: string, merge?: string, renamed?: [string, string]): boolean {
    const o = opened.value
    if (!o) {
      commit(next, label, merge)
      return true
    }
    if (next === view.value) return true
    const r = withDefinition(doc.value, o.block, next, renamed)
    if (r.error !== undefined) {
      say(r.error)
      return false
    }
    commit(r.model, `${label} (block ${o.block})`, merge && `${o.block}:${merge}`)
    return true
  }

  /** Layers a block's definition cannot hold: an input (the block's is `$input`) and other blocks. */
  function refusedHere(type: string): boolean {
    if (!opened.value || (type !== 'input' && type !== BLOCK_TYPE)) return false
    say(type === 'input' ? `a block has one input, "$input"; it cannot hold an input layer` : `a block cannot hold another block; go back to the model to place ${opened.value.block} next to it`)
    return true
  }

  // ---- edits: each one commit ----
  function addLayer(type: string, at?: edits.Point): string {
    if (refusedHere(type)) return ''
    const node = edits.newNode(view.value, type)
    if (!commitView(edits.addNode(view.value, node, at), `Add ${node.id}`)) return ''
    useUi().select([node.id])
    return node.id
  }

  /** Places `node` after the selected node (or the last node), the keyboard's way to build a chain. */
  function appendNode(node: NodeSpec, afterId?: string): string {
    const ui = useUi()
    const after = afterId ?? [...ui.selection].at(-1) ?? shown.value.order.at(-1)
    const v = view.value
    const at = (after ? rowBelow(v, after) : undefined) ?? { x: 0, y: 0 }
    if (!commitView(after ? makeRoom(edits.appendAfter(v, after, node, at), node.id) : edits.addNode(v, node, at), `Add ${node.id}`)) return ''
    ui.select([node.id])
    return node.id
  }

  function appendLayer(type: string, afterId?: string): string {
    if (refusedHere(type)) return ''
    return appendNode(edits.newNode(view.value, type), afterId)
  }

  function insertOnEdge(type: string, edge: Edge, at?: edits.Point): string {
    if (refusedHere(type)) return ''
    const node = edits.newNode(view.value, type)
    if (!commitView(makeRoom(edits.insertOnEdge(view.value, edge, node, rowBelow(view.value, edge[0], at)), node.id), `Insert ${node.id}`)) return ''
    useUi().select([node.id])
    return node.id
  }

  function connect(from: string, to: string): boolean {
    const r = edits.connect(view.value, from, to)
    if (r.error !== undefined) {
      say(r.error)
      return false
    }
    return commitView(r.doc, `Connect ${from} -> ${to}`)
  }

  function remove(ids: Iterable<string>, edgeList: Edge[] = []): void {
    // `$input` is the opened block's input, not a layer: it stays
    const list = [...ids].filter((id) => !(opened.value && id === BLOCK_INPUT))
    let next = edits.removeEdges(view.value, edgeList)
    next = edits.removeNodes(next, list)
    commitView(next, list.length ? `Delete ${list.join(', ')}` : 'Delete edges')
    pruneSelection()
  }

  function setAttr(nodeId: string, attr: string, value: unknown): void {
    commitView(edits.setAttr(view.value, nodeId, attr, value), `Set ${nodeId}.${attr}`, `attr:${nodeId}:${attr}`)
  }

  function rename(nodeId: string, to: string): boolean {
    if (opened.value && nodeId === BLOCK_INPUT) return false
    const r = edits.renameNode(view.value, nodeId, to)
    if (r.error !== undefined) {
      say(r.error)
      return false
    }
    if (!commitView(r.doc, `Rename ${nodeId}`, undefined, [nodeId, to.trim()])) return false
    useUi().select([to.trim()])
    return true
  }

  function setName(value: string): void {
    commit(edits.setName(doc.value, value), 'Rename model', 'name')
  }

  function move(positions: Record<string, edits.Point>): void {
    commitView(edits.moveNodes(view.value, positions), 'Move')
  }

  function layout(sizes?: Record<string, { width: number; height: number }>): void {
    commitView(autoLayout(view.value, sizes), 'Auto-layout')
  }

  function copy(ids: Iterable<string> = useUi().selection): boolean {
    const clip = edits.copyNodes(view.value, ids)
    if (clip) clipboard.value = clip
    return !!clip
  }

  function paste(): string[] {
    if (!clipboard.value) return []
    if (opened.value && clipboard.value.nodes.some((n) => n.type === BLOCK_TYPE)) {
      say(`a block cannot hold another block; go back to the model to paste blocks there`)
      return []
    }
    const { doc: next, ids } = edits.pasteClip(view.value, clipboard.value, pasteOffset(view.value, clipboard.value))
    if (!ids.length) {
      say('an input cannot be pasted: a model has one input', 'info')
      return []
    }
    if (!commitView(next, `Paste ${ids.join(', ')}`)) return []
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

  // ---- blocks ----
  /**
   * "Make block": the selected layers become the definition `name` and one instance in their place, repeated
   * `repeat` times; with `elsewhere`, the other places of the same structure become instances too. One undo step.
   * A selection that cannot be a block is refused with BlockError's reason (returned, and said).
   */
  function makeBlock(ids: Iterable<string>, opts: { name: string; params?: Record<string, BlockParam>; repeat?: number; elsewhere?: boolean }): { id?: string; error?: string } {
    if (opened.value) return { error: say(`go back to the model to make a block: blocks are made of the model's layers`).text }
    try {
      const planned = planBlock(doc.value, ids, opts)
      commit(planned.model, `Make block ${planned.name}`)
      useUi().select([planned.instanceId])
      return { id: planned.instanceId }
    } catch (e) {
      if (!(e instanceof BlockError)) throw e
      return { error: say(e.message).text }
    }
  }

  /** One instance back to its layers (the definition stays while others use it). */
  function unpack(id: string): void {
    try {
      const next = unpackBlock(doc.value, id)
      commit(next, `Unpack ${id}`)
      useUi().select(next.nodes.filter((n) => n.id.startsWith(`${id}_`)).map((n) => n.id))
    } catch (e) {
      if (!(e instanceof BlockError)) throw e
      say(e.message)
    }
  }

  /** Opens the definition of instance `id` on the canvas (its shapes are that instance's). */
  function openBlock(id: string): void {
    const n = doc.value.nodes.find((x) => x.id === id)
    if (!n || n.type !== BLOCK_TYPE || !doc.value.blocks?.[String(n.attrs?.block)]) return
    openedAsked.value = { block: String(n.attrs!.block), instance: id }
    useUi().select([])
  }

  /** Back to the model from an opened definition, with its instance selected. */
  function closeBlock(): void {
    const o = opened.value
    openedAsked.value = null
    useUi().select(o ? [o.instance] : [])
  }

  /**
   * Adds an instance of `name`, after the selection or at `at` (on `edge` when dropped on one). A library block
   * (`def` given) is first copied into the model's blocks; a clash with a different definition gets a new name.
   */
  function addBlock(name: string, place: { def?: BlockDef; at?: edits.Point; edge?: Edge | null; append?: boolean } = {}): string {
    if (refusedHere(BLOCK_TYPE)) return ''
    let model = doc.value
    let block = name
    if (place.def) {
      const have = model.blocks?.[name]
      if (have && JSON.stringify(have) !== JSON.stringify(place.def)) block = uniqueBlockName(model, name)
      if (!have || block !== name) model = { ...model, blocks: { ...(model.blocks ?? {}), [block]: structuredClone(place.def) } }
    }
    if (!model.blocks?.[block]) {
      say(`this model has no block '${name}'`)
      return ''
    }
    const node: NodeSpec = { id: edits.freshId(model, block), type: BLOCK_TYPE, attrs: { block } }
    if (place.append) {
      // through commitView's model path: nothing is open here
      const ui = useUi()
      const after = [...ui.selection].at(-1) ?? shown.value.order.at(-1)
      const at = (after ? rowBelow(model, after) : undefined) ?? { x: 0, y: 0 }
      commit(after ? makeRoom(edits.appendAfter(model, after, node, at), node.id) : edits.addNode(model, node, at), `Add ${node.id}`)
    } else if (place.edge) {
      commit(makeRoom(edits.insertOnEdge(model, place.edge, node, rowBelow(model, place.edge[0], place.at)), node.id), `Insert ${node.id}`)
    } else {
      commit(edits.addNode(model, node, place.at), `Add ${node.id}`)
    }
    useUi().select([node.id])
    return node.id
  }

  /** Sets a block parameter's default in the definition: every instance that does not set it changes. */
  function setParamDefault(block: string, param: string, value: unknown): void {
    const def = doc.value.blocks?.[block]
    const p = def?.params?.[param]
    if (!def || !p) return
    const { default: _old, ...rest } = p
    const next: BlockParam = value === undefined ? rest : { ...rest, default: value }
    commit({ ...doc.value, blocks: { ...doc.value.blocks, [block]: { ...def, params: { ...def.params, [param]: next } } } }, `Set ${block}.${param}`, `default:${block}:${param}`)
  }

  /** An instance's repeat count (1 leaves it out of the file). */
  function setRepeat(id: string, n: number | undefined): void {
    commit(edits.setAttr(doc.value, id, 'repeat', n === 1 ? undefined : n), `Set ${id}.repeat`, `attr:${id}:repeat`)
  }

  return {
    doc, savedDoc, path, notice, clipboard, analysis, issuesById, dirty, canUndo, canRedo, name, past, future, view, shown, opened,
    commit, undo, redo, load, markSaved, say,
    addLayer, appendLayer, insertOnEdge, connect, remove, setAttr, rename, setName, move, layout, copy, paste, duplicate,
    makeBlock, unpack, openBlock, closeBlock, addBlock, setParamDefault, setRepeat,
  }
})

/**
 * What "Make block" would make, without committing: the model, the block's name and its instance. Throws
 * BlockError with the reason a selection cannot be a block. The dialog calls it to preview, the store to commit.
 */
export function planBlock(model: ModelFile, ids: Iterable<string>, opts: { name: string; params?: Record<string, BlockParam>; repeat?: number; elsewhere?: boolean }): { model: ModelFile; name: string; instanceId: string; elsewhere: number } {
  const r = makeBlockIn(model, ids, opts.name || 'block', opts.params ?? {})
  let next = r.model
  const repeat = opts.repeat ?? 1
  if (repeat > 1) next = edits.setAttr(next, r.instanceId, 'repeat', repeat)
  const places = matchBlock(next, r.name)
  if (opts.elsewhere && places.length) next = withoutDefaults(replaceMatches(next, r.name, places), r.name)
  return { model: next, name: r.name, instanceId: r.instanceId, elsewhere: places.length }
}

/** Instances of `block` that set a parameter to its default leave it out, so changing the default changes them all. */
function withoutDefaults(model: ModelFile, block: string): ModelFile {
  const params = model.blocks?.[block]?.params ?? {}
  let next = model
  for (const n of model.nodes) {
    if (n.type !== BLOCK_TYPE || n.attrs?.block !== block) continue
    for (const [p, def] of Object.entries(params)) {
      if (def.default !== undefined && n.attrs[p] !== undefined && JSON.stringify(n.attrs[p]) === JSON.stringify(def.default)) next = edits.setAttr(next, n.id, p, undefined)
    }
  }
  return next
}
