// Finding a block's structure elsewhere in a model ("2 more places have this structure: use the block there
// too"): matchBlock finds the places, replaceMatches puts an instance in each. A place matches when its
// layers have the definition's types, edges (input order included, for add and concat) and attributes, except
// the attributes bound to the block's parameters, whose values become the instance's parameter values. Only
// layers of the model itself are candidates (never an instance, never the input), and places never overlap.
import { normaliseAttrs } from './attrs.ts'
import { BLOCK_INPUT, BLOCK_TYPE, BlockError, isBlockNode, shiftBelow } from './blocks.ts'
import { registerBuiltinLayers } from './layers.ts'
import { getLayer } from './registry.ts'
import type { BlockDef, Edge, ModelFile, NodeSpec } from './types.ts'

export interface BlockMatch {
  /** The model's node ids of the place, in the definition's node order. */
  ids: string[]
  /** The value of each of the definition's parameters there. */
  values: Record<string, unknown>
}

/** Attributes as analysis sees them (defaults filled, sizes as pairs), or the raw ones when they do not check. */
function normalised(n: NodeSpec): Record<string, unknown> {
  const def = getLayer(n.type)
  if (!def) return { ...(n.attrs ?? {}) }
  const r = normaliseAttrs(n, def)
  return r.ok ? r.attrs : { ...(n.attrs ?? {}) }
}

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x))

const without = (attrs: Record<string, unknown>, skip: Set<string>) => Object.fromEntries(Object.entries(attrs).filter(([k]) => !skip.has(k)))

/** The definition's nodes in an order where each (but those fed only by the input) follows one of its sources. */
function searchOrder(def: BlockDef): NodeSpec[] {
  const byId = new Map(def.nodes.map((n) => [n.id, n]))
  const order: NodeSpec[] = []
  const seen = new Set<string>()
  const visit = (from: string) => {
    for (const [f, t] of def.edges) {
      if (f !== from || seen.has(t)) continue
      seen.add(t)
      order.push(byId.get(t)!)
    }
  }
  visit(BLOCK_INPUT)
  for (let i = 0; i < order.length; i++) visit(order[i].id)
  return order
}

/**
 * The places in the model (other than `exclude`, e.g. the selection a block was just made of) whose layers
 * have the block's structure, in model order, not overlapping. Throws BlockError when the model has no such block.
 */
export function matchBlock(model: ModelFile, name: string, opts: { exclude?: Iterable<string> } = {}): BlockMatch[] {
  registerBuiltinLayers()
  const def = model.blocks?.[name]
  if (!def) throw new BlockError(`this model has no block '${name}'`)
  const order = searchOrder(def)
  // A definition with layers the input never reaches cannot be found by following edges.
  if (order.length !== def.nodes.length) return []

  const specs = new Map(model.nodes.map((n) => [n.id, n]))
  const inputsOf = new Map<string, string[]>()
  const outputsOf = new Map<string, string[]>()
  for (const [f, t] of model.edges) {
    ;(inputsOf.get(t) ?? inputsOf.set(t, []).get(t)!).push(f)
    ;(outputsOf.get(f) ?? outputsOf.set(f, []).get(f)!).push(t)
  }
  const used = new Set<string>(opts.exclude ?? [])
  for (const n of model.nodes) if (isBlockNode(n) || n.type === 'input') used.add(n.id)

  const bound = new Map<string, Set<string>>()
  for (const p of Object.values(def.params ?? {})) for (const [id, attr] of p.binds) (bound.get(id) ?? bound.set(id, new Set()).get(id)!).add(attr)
  const innerAttrs = new Map(def.nodes.map((n) => [n.id, canonical(without(normalised(n), bound.get(n.id) ?? new Set()))]))
  const defInputs = new Map<string, string[]>()
  for (const [f, t] of def.edges) (defInputs.get(t) ?? defInputs.set(t, []).get(t)!).push(f)

  /** Whether model node `id` can stand for inner node `inner` on its own (type, free, unbound attributes). */
  const fits = (inner: NodeSpec, id: string, taken: Set<string>) => {
    const n = specs.get(id)
    return !!n && !used.has(id) && !taken.has(id) && n.type === inner.type && canonical(without(normalised(n), bound.get(inner.id) ?? new Set())) === innerAttrs.get(inner.id)
  }

  /** Backtracking over the search order; returns the complete mapping or null. */
  const extend = (i: number, map: Map<string, string>, taken: Set<string>, source: string | null): { map: Map<string, string>; source: string } | null => {
    if (i === order.length) return source !== null && closed(map, taken, source) ? { map, source } : null
    const inner = order[i]
    const from = defInputs.get(inner.id)!.find((f) => f !== BLOCK_INPUT && map.has(f))
    let candidates: string[]
    if (from) candidates = outputsOf.get(map.get(from)!) ?? []
    else if (source !== null) candidates = outputsOf.get(source) ?? []
    else candidates = [anchor]
    for (const id of new Set(candidates)) {
      if (!fits(inner, id, taken)) continue
      // Fed only by the block's input: that fixes the one node outside that feeds the place.
      let src = source
      if (!from) {
        const ins = inputsOf.get(id) ?? []
        if (ins.length === 0) continue
        src ??= ins[0]
      }
      map.set(inner.id, id)
      taken.add(id)
      const done = extend(i + 1, map, taken, src)
      if (done) return done
      map.delete(inner.id)
      taken.delete(id)
    }
    return null
  }

  /** Inputs in the definition's order, nothing leaving the place but from its output. */
  const closed = (map: Map<string, string>, taken: Set<string>, source: string) => {
    if (taken.has(source)) return false
    for (const inner of def.nodes) {
      const want = defInputs.get(inner.id)!.map((f) => (f === BLOCK_INPUT ? source : map.get(f)!))
      const have = inputsOf.get(map.get(inner.id)!) ?? []
      if (canonical(want) !== canonical(have)) return false
      if (inner.id !== def.output && (outputsOf.get(map.get(inner.id)!) ?? []).some((t) => !taken.has(t))) return false
    }
    return true
  }

  const matches: BlockMatch[] = []
  let anchor = ''
  for (const n of model.nodes) {
    if (used.has(n.id) || n.type !== order[0].type) continue
    anchor = n.id
    const found = extend(0, new Map(), new Set(), null)
    if (!found) continue
    const values = valuesAt(def, found.map, specs)
    if (!values) continue
    const ids = def.nodes.map((x) => found.map.get(x.id)!)
    for (const id of ids) used.add(id)
    matches.push({ ids, values })
  }
  return matches
}

/** The parameters' values at a place, or null when the layers one parameter binds disagree. */
function valuesAt(def: BlockDef, map: Map<string, string>, specs: Map<string, NodeSpec>): Record<string, unknown> | null {
  const values: Record<string, unknown> = {}
  for (const [pname, p] of Object.entries(def.params ?? {})) {
    let value: unknown
    let key: string | undefined
    for (const [innerId, attr] of p.binds) {
      const n = specs.get(map.get(innerId)!)!
      const v = n.attrs?.[attr] ?? normalised(n)[attr]
      const k = canonical(attr in normalised(n) ? normalised(n)[attr] : v)
      if (key === undefined) {
        key = k
        value = v
      } else if (key !== k) return null
    }
    if (value !== undefined) values[pname] = value
  }
  return values
}

/**
 * The model with each match (from matchBlock) replaced by an instance of the block with the match's
 * parameter values, placed where the match's first layer was. Throws BlockError when a match no longer fits.
 */
export function replaceMatches(model: ModelFile, name: string, matches: { ids: string[]; values: Record<string, unknown> }[]): ModelFile {
  const def = model.blocks?.[name]
  if (!def) throw new BlockError(`this model has no block '${name}'`)
  let out = model
  for (const m of matches) {
    if (m.ids.length !== def.nodes.length) throw new BlockError(`a place for ${name} has ${m.ids.length} layers, the block has ${def.nodes.length}`)
    const ids = new Set(m.ids)
    const missing = m.ids.filter((id) => !out.nodes.some((n) => n.id === id && !isBlockNode(n)))
    if (missing.length) throw new BlockError(`${missing.join(', ')}: not a layer of this model any more; look for the places again`)
    const output = m.ids[def.nodes.findIndex((n) => n.id === def.output)]
    const taken = new Set(out.nodes.map((n) => n.id))
    let id = name
    for (let i = 2; taken.has(id); i++) id = `${name}${i}`
    const attrs: Record<string, unknown> = { block: name }
    for (const [p, v] of Object.entries(m.values)) if (def.params?.[p]) attrs[p] = v
    const instance: NodeSpec = { id, type: BLOCK_TYPE, attrs }
    const firstAt = out.nodes.findIndex((n) => ids.has(n.id))
    const nodes = out.nodes.filter((n) => !ids.has(n.id))
    nodes.splice(out.nodes.slice(0, firstAt).filter((n) => !ids.has(n.id)).length, 0, instance)
    const edges: Edge[] = []
    let fed = false
    for (const [f, t] of out.edges) {
      if (ids.has(f) && ids.has(t)) continue
      if (ids.has(t)) {
        if (!fed) edges.push([f, id])
        fed = true
      } else if (f === output) edges.push([id, t])
      else if (!ids.has(f)) edges.push([f, t])
      else throw new BlockError(`${f} feeds ${t} outside the place, so the place is no longer ${name}'s structure; look for the places again`)
    }
    const next: ModelFile = { ...out, nodes, edges }
    if (out.layout) {
      const placed = m.ids.map((x) => out.layout![x]).filter(Boolean)
      const layout = Object.fromEntries(Object.entries(out.layout).filter(([x]) => !ids.has(x)))
      if (placed.length) {
        const top = Math.min(...placed.map((p) => p.y)), bottom = Math.max(...placed.map((p) => p.y))
        layout[id] = { x: Math.min(...placed.map((p) => p.x)), y: top }
        shiftBelow(layout, bottom, top - bottom)
      }
      next.layout = layout
    }
    out = next
  }
  return out
}
