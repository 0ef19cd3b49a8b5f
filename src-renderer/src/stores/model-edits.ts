// Every change the designer makes to a model file, as a pure function: (file, args) -> new file. Untouched
// nodes, edges and layout entries are shared with the old file, so a history of snapshots costs an array of
// references (RENDERER.md, "One undo: snapshots"). A refused edit returns { error } and no file.
import { getLayer, type Edge, type ModelFile, type NodeSpec } from '../../../src-engine/core/graph/index.ts'

export type Point = { x: number; y: number }
export type EditResult = { doc: ModelFile; error?: undefined } | { doc?: undefined; error: string }

/** What copy puts on the clipboard: the chosen nodes, the edges among them, and where they were. */
export interface Clip { nodes: NodeSpec[]; edges: Edge[]; layout: Record<string, Point> }

/** Short, readable id stems: a conv is `conv3`, a dense layer `fc2`. */
const STEMS: Record<string, string> = {
  input: 'in', conv2d: 'conv', maxpool2d: 'pool', avgpool2d: 'avgpool', globalavgpool: 'gap', globalmaxpool: 'gmp', flatten: 'flat',
  dense: 'fc', relu: 'relu', leakyrelu: 'lrelu', sigmoid: 'sig', tanh: 'tanh', dropout: 'drop', batchnorm: 'bn', add: 'add', concat: 'cat', softmax: 'out',
}

export function freshId(doc: ModelFile, type: string, taken: ReadonlySet<string> = new Set()): string {
  const stem = STEMS[type] ?? type
  const used = new Set(doc.nodes.map((n) => n.id))
  for (let i = 1; ; i++) {
    const id = `${stem}${i}`
    if (!used.has(id) && !taken.has(id)) return id
  }
}

/** A new node of `type` with the attributes a user has to choose filled with the registry's suggestions. */
export function newNode(doc: ModelFile, type: string, id = freshId(doc, type)): NodeSpec {
  const def = getLayer(type)
  if (!def) throw new Error(`unknown layer type '${type}'`)
  const attrs: Record<string, unknown> = {}
  for (const [name, a] of Object.entries(def.attrs)) if (a.required && a.suggested !== undefined) attrs[name] = a.suggested
  if (type === 'conv2d') attrs.padding = 'same' // the common choice: keeps the map's size, so shapes stay easy to follow
  return Object.keys(attrs).length ? { id, type, attrs } : { id, type }
}

function withLayout(doc: ModelFile, patch: Record<string, Point>): Record<string, Point> {
  return { ...(doc.layout ?? {}), ...patch }
}

export function addNode(doc: ModelFile, node: NodeSpec, at?: Point): ModelFile {
  return { ...doc, nodes: [...doc.nodes, node], ...(at ? { layout: withLayout(doc, { [node.id]: at }) } : {}) }
}

/** Appends `node` after `afterId`: it takes over afterId's outgoing edges, so a chain stays a chain. */
export function appendAfter(doc: ModelFile, afterId: string, node: NodeSpec, at?: Point): ModelFile {
  const outs = doc.edges.filter(([from]) => from === afterId)
  if (outs.length === 1) return insertOnEdge(doc, outs[0], node, at)
  const next = addNode(doc, node, at)
  return { ...next, edges: [...next.edges, [afterId, node.id]] }
}

/** `from -> to` becomes `from -> node -> to`, keeping the edge's place in `to`'s input order (merges care). */
export function insertOnEdge(doc: ModelFile, edge: Edge, node: NodeSpec, at?: Point): ModelFile {
  const i = doc.edges.findIndex(([a, b]) => a === edge[0] && b === edge[1])
  if (i < 0) return addNode(doc, node, at)
  const edges = doc.edges.slice()
  edges.splice(i, 1, [edge[0], node.id], [node.id, edge[1]])
  return { ...addNode(doc, node, at), edges }
}

/**
 * Removes nodes and their edges. Where a removed node sat inside a chain (one input in), its input is wired
 * to what it fed, so deleting a ReLU from a stack keeps the stack connected.
 */
export function removeNodes(doc: ModelFile, ids: Iterable<string>): ModelFile {
  const gone = new Set(ids)
  if (!gone.size) return doc
  let edges = doc.edges
  for (const id of gone) {
    const ins = edges.filter(([, to]) => to === id)
    if (ins.length !== 1 || gone.has(ins[0][0])) continue
    const src = ins[0][0]
    const healed: Edge[] = []
    for (const e of edges) {
      if (e[0] === id && !gone.has(e[1]) && !edges.some(([a, b]) => a === src && b === e[1])) healed.push([src, e[1]])
    }
    edges = edges.flatMap((e) => (e[0] === id ? healed.splice(0, 1) : [e]))
  }
  const layout = doc.layout ? Object.fromEntries(Object.entries(doc.layout).filter(([id]) => !gone.has(id))) : undefined
  return { ...doc, nodes: doc.nodes.filter((n) => !gone.has(n.id)), edges: edges.filter(([a, b]) => !gone.has(a) && !gone.has(b)), ...(layout ? { layout } : {}) }
}

export function removeEdges(doc: ModelFile, drop: Edge[]): ModelFile {
  const key = (e: Edge) => `${e[0]}\u0000${e[1]}`
  const gone = new Set(drop.map(key))
  return gone.size ? { ...doc, edges: doc.edges.filter((e) => !gone.has(key(e))) } : doc
}

/** True when `to` can already reach `from`, so `from -> to` would close a loop. */
function reaches(doc: ModelFile, start: string, goal: string): boolean {
  const out = new Map<string, string[]>()
  for (const [a, b] of doc.edges) out.set(a, [...(out.get(a) ?? []), b])
  const seen = new Set<string>()
  const stack = [start]
  while (stack.length) {
    const id = stack.pop()!
    if (id === goal) return true
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(out.get(id) ?? []))
  }
  return false
}

/** Draws `from -> to`, or says why not: a loop, an input that takes nothing, a layer that already has its input. */
export function connect(doc: ModelFile, from: string, to: string): EditResult {
  const src = doc.nodes.find((n) => n.id === from)
  const dst = doc.nodes.find((n) => n.id === to)
  if (!src || !dst) return { error: `no node '${!src ? from : to}' in this model` }
  if (from === to) return { error: `${dst.type} ${to} cannot feed itself: data flows one way, from the input to the output` }
  if (doc.edges.some(([a, b]) => a === from && b === to)) return { error: `${from} is already connected to ${to}` }
  if (dst.type === 'input') return { error: `input ${to} takes no incoming edges: it is where the images enter` }
  if (reaches(doc, to, from)) return { error: `connecting ${from} to ${to} would make a loop (${to} already leads to ${from}); data must flow one way` }
  const def = getLayer(dst.type)
  const ins = doc.edges.filter(([, b]) => b === to).length
  if (dst.type === 'block' && ins >= 1) {
    return { error: `block ${to} already has its input (a block takes one); to join two branches, feed both into an add or concat node first` }
  }
  if (def && ins >= def.inputs.max) {
    return { error: `${dst.type} ${to} already has its input; to join two branches, feed both into an add or concat node` }
  }
  return { doc: { ...doc, edges: [...doc.edges, [from, to]] } }
}

/** Sets one attribute; `undefined` removes it so the layer's default applies. The node object is replaced, others shared. */
export function setAttr(doc: ModelFile, id: string, name: string, value: unknown): ModelFile {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      if (n.id !== id) return n
      const attrs = { ...(n.attrs ?? {}) }
      if (value === undefined) delete attrs[name]
      else attrs[name] = value
      return Object.keys(attrs).length ? { ...n, attrs } : { id: n.id, type: n.type }
    }),
  }
}

/** Renames a node everywhere it is named (edges, layout); refuses a taken or empty id. */
export function renameNode(doc: ModelFile, id: string, to: string): EditResult {
  const name = to.trim()
  if (!name) return { error: 'a node id cannot be empty' }
  if (name === id) return { doc }
  if (doc.nodes.some((n) => n.id === name)) return { error: `'${name}' is already the id of another node` }
  const r = (x: string) => (x === id ? name : x)
  const layout = doc.layout ? Object.fromEntries(Object.entries(doc.layout).map(([k, v]) => [r(k), v])) : undefined
  return { doc: { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, id: name } : n)), edges: doc.edges.map(([a, b]) => (a === id || b === id ? [r(a), r(b)] : [a, b])), ...(layout ? { layout } : {}) } }
}

export function moveNodes(doc: ModelFile, positions: Record<string, Point>): ModelFile {
  const old = doc.layout ?? {}
  const changed = Object.entries(positions).filter(([id, p]) => old[id]?.x !== p.x || old[id]?.y !== p.y)
  return changed.length ? { ...doc, layout: withLayout(doc, Object.fromEntries(changed)) } : doc
}

export function setName(doc: ModelFile, name: string): ModelFile {
  return { ...doc, name }
}

export function copyNodes(doc: ModelFile, ids: Iterable<string>): Clip | null {
  const keep = new Set(ids)
  if (!keep.size) return null
  const nodes = doc.nodes.filter((n) => keep.has(n.id))
  return {
    nodes: structuredClone(nodes),
    edges: doc.edges.filter(([a, b]) => keep.has(a) && keep.has(b)),
    layout: Object.fromEntries(nodes.map((n) => [n.id, doc.layout?.[n.id] ?? { x: 0, y: 0 }])),
  }
}

/** Pastes a clip with fresh ids (conv1 -> conv4 when conv1..3 exist), shifted by `offset`; returns the new ids. */
export function pasteClip(doc: ModelFile, clip: Clip, offset: Point): { doc: ModelFile; ids: string[] } {
  const rename = new Map<string, string>()
  const taken = new Set<string>()
  // A pasted input would give the model two inputs: inputs are never copied.
  const nodes = clip.nodes.filter((n) => n.type !== 'input').map((n) => {
    const id = freshId(doc, n.type, taken)
    taken.add(id)
    rename.set(n.id, id)
    return { ...structuredClone(n), id }
  })
  const edges = clip.edges.filter(([a, b]) => rename.has(a) && rename.has(b)).map(([a, b]) => [rename.get(a)!, rename.get(b)!] as Edge)
  const layout = Object.fromEntries([...rename].map(([old, id]) => [id, { x: clip.layout[old].x + offset.x, y: clip.layout[old].y + offset.y }]))
  return { doc: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges], layout: withLayout(doc, layout) }, ids: nodes.map((n) => n.id) }
}

/** An empty design: one input, ready for layers. */
export function blankModel(name = 'Untitled'): ModelFile {
  return { format: 'cnn-studio.graph', version: 1, name, nodes: [{ id: 'in', type: 'input', attrs: { height: 32, width: 32, channels: 3 } }], edges: [], layout: { in: { x: 0, y: 0 } } }
}
