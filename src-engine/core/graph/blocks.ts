// Reusable blocks: a named subgraph with one input and one output, defined once in the model file's `blocks`
// and used by nodes of type `block` (instances). Every instance is linked to its definition: the instance
// sets only the definition's exposed parameters and a repeat count. Everything that computes (analysis,
// training, export, the memory estimate, compare) works on the expansion, so a block is by construction
// exactly the layers it stands for; only the designer shows the collapsed form.
//
// Expanded ids: inner node `c1` of instance `s1` becomes `s1/c1`; with `repeat` > 1, copy k (from 1) becomes
// `s1/k/c1`, and copy k+1 takes copy k's output as its input. The definition's edges from `$input` are the
// edges from whatever feeds the instance.
import type { BlockDef, BlockParam, Edge, GraphAnalysis, GraphIssue, ModelFile, NodeInfo, NodeSpec, Shape } from './types.ts'

export const BLOCK_TYPE = 'block'
/** The source name in a definition's edges that stands for the block's input. */
export const BLOCK_INPUT = '$input'
export const MAX_REPEAT = 64
/** Block names: what a user types and a file name can hold. */
export const BLOCK_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/

export class BlockError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BlockError'
  }
}

export const isBlockNode = (n: NodeSpec): boolean => n.type === BLOCK_TYPE
export const hasBlocks = (model: ModelFile): boolean => model.nodes.some(isBlockNode)

/** The definition an instance names (undefined when the name is unknown). */
export function definitionOf(model: ModelFile, node: NodeSpec): BlockDef | undefined {
  const name = node.attrs?.block
  return typeof name === 'string' ? model.blocks?.[name] : undefined
}

/** An instance's repeat count (1 when unset; whatever the file says otherwise, checked by blockIssues). */
export function repeatOf(node: NodeSpec): number {
  const r = node.attrs?.repeat
  return typeof r === 'number' && Number.isInteger(r) && r >= 1 ? Math.min(r, MAX_REPEAT) : 1
}

/** The id prefix of copy k (1-based) of an instance. */
export const copyPrefix = (id: string, k: number, repeat: number): string => (repeat > 1 ? `${id}/${k}` : id)

/** The instance an expanded id belongs to, or null for a node of the model itself. */
export function ownerOf(model: ModelFile, expandedId: string): string | null {
  const slash = expandedId.indexOf('/')
  if (slash < 0) return null
  const id = expandedId.slice(0, slash)
  return model.nodes.some((n) => n.id === id && isBlockNode(n)) ? id : null
}

/** The inner node's attributes with the instance's parameter values (or the definition's defaults) bound in. */
function boundAttrs(inner: NodeSpec, def: BlockDef, instance: NodeSpec): Record<string, unknown> | undefined {
  let attrs = inner.attrs ? { ...inner.attrs } : undefined
  for (const [name, p] of Object.entries(def.params ?? {})) {
    const value = instance.attrs?.[name] ?? p.default
    if (value === undefined) continue
    for (const [nodeId, attr] of p.binds) {
      if (nodeId !== inner.id) continue
      attrs = { ...(attrs ?? {}), [attr]: value }
    }
  }
  return attrs
}

/**
 * The model with every instance replaced by its layers (the model itself when it has none). Nodes keep the
 * file's order, an instance's layers taking its place, so the expansion is the model a user would have
 * written by hand. Layout is dropped for the expanded layers (they have no place on the canvas).
 */
export function expandBlocks(model: ModelFile, opts: { lenient?: boolean } = {}): ModelFile {
  if (!hasBlocks(model)) return model
  if (opts.lenient) {
    // Analysis of a design being drawn: an instance of an unknown block drops out (blockIssues names it).
    const unknown = new Set(model.nodes.filter((n) => isBlockNode(n) && !definitionOf(model, n)).map((n) => n.id))
    if (unknown.size) model = { ...model, nodes: model.nodes.filter((n) => !unknown.has(n.id)), edges: model.edges.filter(([f, t]) => !unknown.has(f) && !unknown.has(t)) }
  }
  const nodes: NodeSpec[] = []
  const outputOf = new Map<string, string>()
  const inputsOf = new Map<string, string[]>()
  for (const n of model.nodes) {
    if (!isBlockNode(n)) {
      nodes.push(n)
      continue
    }
    const def = definitionOf(model, n)
    if (!def) throw new BlockError(`block ${n.id}: it names the block '${String(n.attrs?.block)}', which this model does not define`)
    const repeat = repeatOf(n)
    for (let k = 1; k <= repeat; k++) {
      const prefix = copyPrefix(n.id, k, repeat)
      for (const inner of def.nodes) {
        const attrs = boundAttrs(inner, def, n)
        nodes.push(attrs ? { id: `${prefix}/${inner.id}`, type: inner.type, attrs } : { id: `${prefix}/${inner.id}`, type: inner.type })
      }
    }
    outputOf.set(n.id, `${copyPrefix(n.id, repeat, repeat)}/${def.output}`)
    inputsOf.set(n.id, [])
  }
  const edges: Edge[] = []
  for (const [from, to] of model.edges) {
    const src = outputOf.get(from) ?? from
    const into = inputsOf.get(to)
    if (into) into.push(src)
    else edges.push([src, to])
  }
  // Inner edges in the definition's order, so a concat inside a block keeps its input order.
  for (const n of model.nodes) {
    if (!isBlockNode(n)) continue
    const def = definitionOf(model, n)!
    const repeat = repeatOf(n)
    for (let k = 1; k <= repeat; k++) {
      const prefix = copyPrefix(n.id, k, repeat)
      const sources = k === 1 ? inputsOf.get(n.id)! : [`${copyPrefix(n.id, k - 1, repeat)}/${def.output}`]
      for (const [from, to] of def.edges) {
        if (from === BLOCK_INPUT) for (const s of sources) edges.push([s, `${prefix}/${to}`])
        else edges.push([`${prefix}/${from}`, `${prefix}/${to}`])
      }
    }
  }
  const seen = new Set<string>()
  for (const n of nodes) {
    if (seen.has(n.id)) throw new BlockError(`the block layer '${n.id}' has the id of another node; rename that node so the block's layers can take their ids`)
    seen.add(n.id)
  }
  const out: ModelFile = { format: model.format, version: model.version, nodes, edges }
  if (model.name !== undefined) out.name = model.name
  if (model.layout) out.layout = Object.fromEntries(Object.entries(model.layout).filter(([id]) => !outputOf.has(id)))
  return out
}

/** What is wrong with the instances themselves (not their layers): analysis adds these to the expansion's issues. */
export function blockIssues(model: ModelFile): GraphIssue[] {
  const issues: GraphIssue[] = []
  const incoming = new Map<string, string[]>()
  for (const [from, to] of model.edges) (incoming.get(to) ?? incoming.set(to, []).get(to)!).push(from)
  for (const n of model.nodes) {
    if (!isBlockNode(n)) continue
    const def = definitionOf(model, n)
    const name = String(n.attrs?.block)
    if (!def) {
      issues.push({ code: 'UNKNOWN_BLOCK', severity: 'error', nodeId: n.id, message: `block ${n.id}: the block '${name}' is not defined in this model; define it or replace ${n.id}` })
      continue
    }
    const r = n.attrs?.repeat
    if (r !== undefined && !(typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= MAX_REPEAT)) {
      issues.push({ code: 'BAD_ATTR', severity: 'error', nodeId: n.id, message: `block ${n.id}: repeat must be a whole number from 1 to ${MAX_REPEAT}, found ${JSON.stringify(r)}` })
    }
    const ins = incoming.get(n.id) ?? []
    if (ins.length > 1) {
      issues.push({ code: 'BLOCK_INPUTS', severity: 'error', nodeId: n.id, message: `block ${n.id} (${name}) takes one input, it has ${ins.length} (${ins.join(', ')}); merge them with an add or concat first` })
    }
    const known = new Set(Object.keys(def.params ?? {}))
    for (const k of Object.keys(n.attrs ?? {})) {
      if (k !== 'block' && k !== 'repeat' && !known.has(k)) {
        issues.push({ code: 'BAD_ATTR', severity: 'warning', nodeId: n.id, message: `block ${n.id}: '${k}' is not a parameter of ${name} (it has ${[...known].join(', ') || 'none'}); it is ignored` })
      }
    }
  }
  return issues
}

/** What the canvas shows for one collapsed instance: its output, its cost and its layers' issues. */
export interface BlockSummary {
  id: string
  block: string
  repeat: number
  outputShape: Shape | null
  inputShape: Shape | null
  params: number
  trainableParams: number
  macs: number
  receptiveField: number | null
  /** The expanded layers, in order. */
  inner: NodeInfo[]
  /** Issues of its layers (ids expanded: `s1/c2`) and of the instance itself. */
  issues: GraphIssue[]
}

/** Per-instance figures from the analysis of the expansion (what `analyzeGraph` returns for a model with blocks). */
export function blockSummaries(model: ModelFile, analysis: GraphAnalysis): Map<string, BlockSummary> {
  const out = new Map<string, BlockSummary>()
  for (const n of model.nodes) {
    if (!isBlockNode(n)) continue
    const def = definitionOf(model, n)
    const repeat = repeatOf(n)
    const prefix = `${n.id}/`
    const inner = analysis.nodes.filter((x) => x.id.startsWith(prefix))
    const last = def ? analysis.byId.get(`${copyPrefix(n.id, repeat, repeat)}/${def.output}`) : undefined
    const firstInputs = def ? def.edges.filter(([f]) => f === BLOCK_INPUT).map(([, t]) => analysis.byId.get(`${copyPrefix(n.id, 1, repeat)}/${t}`)) : []
    out.set(n.id, {
      id: n.id,
      block: String(n.attrs?.block),
      repeat,
      outputShape: last?.outputShape ?? null,
      inputShape: firstInputs[0]?.inputShapes[0] ?? null,
      params: inner.reduce((s, x) => s + x.params, 0),
      trainableParams: inner.reduce((s, x) => s + x.trainableParams, 0),
      macs: inner.reduce((s, x) => s + x.macs, 0),
      receptiveField: last?.receptiveField ?? null,
      inner,
      issues: analysis.issues.filter((i) => i.nodeId === n.id || (i.nodeId?.startsWith(prefix) ?? false)),
    })
  }
  return out
}

/** A block name not used yet in the model, from a wish (`stage`, `stage_2`, ...). */
export function uniqueBlockName(model: ModelFile, wish: string): string {
  const base = (wish.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z_]/, 'b_') || 'block').slice(0, 56)
  if (!model.blocks?.[base]) return base
  for (let i = 2; ; i++) if (!model.blocks[`${base}_${i}`]) return `${base}_${i}`
}

/** A node id not used yet in the model, from a wish. */
function uniqueNodeId(model: ModelFile, wish: string): string {
  const ids = new Set(model.nodes.map((n) => n.id))
  if (!ids.has(wish)) return wish
  for (let i = 2; ; i++) if (!ids.has(`${wish}${i}`)) return `${wish}${i}`
}

export interface MakeBlockResult {
  model: ModelFile
  /** The new instance's id, where the selection was. */
  instanceId: string
  name: string
}

/**
 * "Make block": the selected nodes become a definition and one instance in their place. The selection must be
 * fed by exactly one node outside it and have exactly one node whose output leaves it (or, at the end of the
 * model, exactly one node without a consumer inside it); input nodes and instances cannot go in a block.
 * Throws BlockError saying which rule the selection breaks.
 */
export function makeBlock(model: ModelFile, ids: Iterable<string>, wish = 'block', params: Record<string, BlockParam> = {}): MakeBlockResult {
  const sel = new Set(ids)
  const chosen = model.nodes.filter((n) => sel.has(n.id))
  if (chosen.length === 0) throw new BlockError('select the layers to make a block of')
  const bad = chosen.filter((n) => n.type === 'input' || isBlockNode(n))
  if (bad.length) throw new BlockError(`${bad.map((n) => n.id).join(', ')}: ${bad[0].type === 'input' ? 'the input cannot go in a block; a block starts after it' : 'a block cannot hold another block; select the layers around it'}`)
  const sources = new Set<string>()
  const leaving = new Set<string>()
  const hasInnerConsumer = new Set<string>()
  for (const [from, to] of model.edges) {
    if (!sel.has(from) && sel.has(to)) sources.add(from)
    if (sel.has(from) && !sel.has(to)) leaving.add(from)
    if (sel.has(from) && sel.has(to)) hasInnerConsumer.add(from)
  }
  if (sources.size === 0) throw new BlockError('nothing outside the selection feeds it; a block has one input: select layers that follow another layer')
  if (sources.size > 1) throw new BlockError(`the selection is fed from ${sources.size} places (${[...sources].join(', ')}); a block has one input: add the layer that merges them, or select fewer layers`)
  let output: string
  if (leaving.size > 1) throw new BlockError(`${[...leaving].join(' and ')} both feed layers outside the selection; a block has one output: end it at a merge (add or concat), or select fewer layers`)
  if (leaving.size === 1) output = [...leaving][0]
  else {
    const sinks = chosen.filter((n) => !hasInnerConsumer.has(n.id))
    if (sinks.length !== 1) throw new BlockError(`the selection ends in ${sinks.length} layers (${sinks.map((n) => n.id).join(', ')}); a block has one output`)
    output = sinks[0].id
  }
  // An edge into the output that also carries the result elsewhere inside is fine; what may not happen is an
  // inner node (other than the output) being used outside.
  const source = [...sources][0]
  const name = uniqueBlockName(model, wish)
  const instanceId = uniqueNodeId(model, name)
  const layoutOf = model.layout ?? {}
  const placed = chosen.filter((n) => layoutOf[n.id])
  const minX = Math.min(...placed.map((n) => layoutOf[n.id].x))
  const minY = Math.min(...placed.map((n) => layoutOf[n.id].y))
  const def: BlockDef = {
    nodes: chosen.map((n) => (n.attrs ? { id: n.id, type: n.type, attrs: { ...n.attrs } } : { id: n.id, type: n.type })),
    edges: model.edges.filter(([f, t]) => sel.has(t) && (sel.has(f) || f === source)).map(([f, t]) => [sel.has(f) ? f : BLOCK_INPUT, t]),
    output,
  }
  for (const [pname, p] of Object.entries(params)) {
    for (const [nodeId] of p.binds) if (!sel.has(nodeId)) throw new BlockError(`parameter ${pname}: ${nodeId} is not in the selection`)
  }
  if (Object.keys(params).length) def.params = params
  if (placed.length) def.layout = Object.fromEntries(placed.map((n) => [n.id, { x: layoutOf[n.id].x - minX, y: layoutOf[n.id].y - minY }]))

  const firstAt = model.nodes.findIndex((n) => sel.has(n.id))
  const instance: NodeSpec = { id: instanceId, type: BLOCK_TYPE, attrs: { block: name } }
  const nodes = model.nodes.filter((n) => !sel.has(n.id))
  nodes.splice(model.nodes.slice(0, firstAt).filter((n) => !sel.has(n.id)).length, 0, instance)
  const edges: Edge[] = []
  let fed = false
  for (const [f, t] of model.edges) {
    if (sel.has(f) && sel.has(t)) continue
    if (sel.has(t)) {
      if (!fed) edges.push([f, instanceId])
      fed = true
    } else if (sel.has(f)) edges.push([instanceId, t])
    else edges.push([f, t])
  }
  const out: ModelFile = { ...model, nodes, edges, blocks: { ...(model.blocks ?? {}), [name]: def } }
  if (model.layout) {
    const layout = Object.fromEntries(Object.entries(model.layout).filter(([id]) => !sel.has(id)))
    if (placed.length) {
      layout[instanceId] = { x: minX, y: minY }
      const maxY = Math.max(...placed.map((n) => layoutOf[n.id].y))
      shiftBelow(layout, maxY, minY - maxY)
    }
    out.layout = layout
  }
  return { model: out, instanceId, name }
}

/**
 * Layers laid out below `fromY` move down by `by` (up where negative): when a stretch of layers collapses into
 * one card (Make block, a place replaced by an instance) the layers under it close the gap it leaves, and when
 * an instance is unpacked they make room for its layers again.
 */
export function shiftBelow(layout: Record<string, { x: number; y: number }>, fromY: number, by: number, except?: Set<string>): void {
  if (!by) return
  for (const [id, p] of Object.entries(layout)) if (p.y > fromY && !except?.has(id)) layout[id] = { x: p.x, y: p.y + by }
}

/**
 * "Unpack": one instance replaced by its layers (ids `s1/c1` made plain where free: `s1_c1`), the definition kept
 * for the other instances (and dropped when none uses it).
 */
export function unpackBlock(model: ModelFile, instanceId: string): ModelFile {
  const inst = model.nodes.find((n) => n.id === instanceId && isBlockNode(n))
  if (!inst) throw new BlockError(`${instanceId} is not a block on this canvas`)
  const only: ModelFile = { ...model, nodes: model.nodes.filter((n) => n.id === instanceId || !isBlockNode(n)) }
  const expanded = expandBlocks(only)
  const taken = new Set(model.nodes.map((n) => n.id))
  const rename = new Map<string, string>()
  for (const n of expanded.nodes) {
    if (!n.id.startsWith(`${instanceId}/`)) continue
    let id = n.id.replaceAll('/', '_')
    for (let i = 2; taken.has(id); i++) id = `${n.id.replaceAll('/', '_')}_${i}`
    taken.add(id)
    rename.set(n.id, id)
  }
  const r = (id: string) => rename.get(id) ?? id
  // The other instances stay collapsed: rebuild from the expansion of this one only, in the original order.
  const nodes: NodeSpec[] = []
  for (const n of model.nodes) {
    if (n.id !== instanceId) nodes.push(n)
    else for (const x of expanded.nodes) if (rename.has(x.id)) nodes.push({ ...x, id: r(x.id) })
  }
  const inner = new Set(rename.values())
  // The model's edges not touching the instance keep their order; then the block's own, in the expansion's order.
  const plain = model.edges.filter(([f, t]) => f !== instanceId && t !== instanceId)
  const touching = expanded.edges.map(([f, t]): Edge => [r(f), r(t)]).filter(([f, t]) => inner.has(f) || inner.has(t))
  const out: ModelFile = { ...model, nodes, edges: [...plain, ...touching] }
  const name = String(inst.attrs?.block)
  if (!nodes.some((n) => isBlockNode(n) && n.attrs?.block === name) && out.blocks) {
    const { [name]: _drop, ...rest } = out.blocks
    out.blocks = Object.keys(rest).length ? rest : undefined
    if (!out.blocks) delete out.blocks
  }
  if (model.layout) {
    const at = model.layout[instanceId]
    const def = model.blocks?.[name]
    const layout = Object.fromEntries(Object.entries(model.layout).filter(([id]) => id !== instanceId))
    if (at && def?.layout) {
      const placedInner = new Set<string>()
      let bottom = at.y
      for (const [eid, id] of rename) {
        const innerId = eid.split('/').pop()!
        const k = Number(eid.split('/').length === 3 ? eid.split('/')[1] : 1)
        const p = def.layout[innerId]
        if (!p) continue
        layout[id] = { x: at.x + p.x, y: at.y + p.y + (k - 1) * 400 }
        placedInner.add(id)
        bottom = Math.max(bottom, layout[id].y)
      }
      shiftBelow(layout, at.y, bottom - at.y, placedInner)
    }
    out.layout = layout
  }
  return out
}

// Finding the block's structure elsewhere in a model lives beside this file; it is part of the blocks API.
export { matchBlock, replaceMatches, type BlockMatch } from './block-match.ts'
