// Reading and writing the model file (`*.cnn.json`). Parsing checks the file's structure and names the
// exact field that is wrong; whether the graph makes sense (shapes, attributes, cycles) is analysis's job,
// so that the canvas can still open and show a graph with mistakes in it.
import { getLayer, layerTypes } from './registry.ts'
import { registerBuiltinLayers } from './layers.ts'
import type { BlockDef, BlockParam, Edge, ModelFile, NodeSpec } from './types.ts'
import { BLOCK_INPUT, BLOCK_NAME, BLOCK_TYPE, MAX_REPEAT } from './blocks.ts'

export const MODEL_FORMAT = 'cnn-studio.graph'
/** The newest version this studio reads. A file is written as version 1 unless it uses blocks (version 2), so
 * a model without blocks stays readable by studios from before blocks. */
export const MODEL_FORMAT_VERSION = 2
/** Far above any hand-drawn network; keeps a runaway or hostile file from stalling the studio. */
export const MAX_NODES = 10_000
export const MAX_EDGES = 40_000

export type ModelFileErrorCode = 'NOT_JSON' | 'BAD_FORMAT' | 'NEWER_VERSION' | 'BAD_FIELD' | 'UNKNOWN_LAYER' | 'DUPLICATE_ID' | 'UNKNOWN_NODE' | 'UNKNOWN_BLOCK' | 'TOO_LARGE'

export class ModelFileError extends Error {
  readonly code: ModelFileErrorCode
  /** The field path, e.g. `nodes[3].attrs`. */
  readonly path: string
  constructor(code: ModelFileErrorCode, path: string, message: string) {
    super(path ? `${path}: ${message}` : message)
    this.name = 'ModelFileError'
    this.code = code
    this.path = path
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'` : typeof v === 'object' ? 'an object' : String(v))

/** A file's JSON from its text, or the value itself when already parsed; `what` names the file in the error. */
export function jsonOf(input: string | unknown, what: string): unknown {
  if (typeof input !== 'string') return input
  try {
    return JSON.parse(input)
  } catch (e) {
    throw new ModelFileError('NOT_JSON', '', `not a JSON file (${(e as Error).message}); ${what}`)
  }
}

/** Parses a model file from its text or from an already-parsed value; throws ModelFileError. */
export function parseModelFile(input: string | unknown): ModelFile {
  registerBuiltinLayers()
  const doc = jsonOf(input, 'a model file is the JSON the studio saves as *.cnn.json')
  if (!isObject(doc)) throw new ModelFileError('BAD_FORMAT', '', `a model file is a JSON object, this is ${describe(doc)}`)
  if (doc.format !== MODEL_FORMAT) {
    throw new ModelFileError('BAD_FORMAT', 'format', `expected '${MODEL_FORMAT}', found ${describe(doc.format)}: this is not a CNN Studio model file`)
  }
  if (typeof doc.version !== 'number' || !Number.isInteger(doc.version) || doc.version < 1) {
    throw new ModelFileError('BAD_FIELD', 'version', `must be a whole number from 1, found ${describe(doc.version)}`)
  }
  if (doc.version > MODEL_FORMAT_VERSION) {
    throw new ModelFileError('NEWER_VERSION', 'version', `this file is version ${doc.version}, written by a newer CNN Studio; this one reads up to version ${MODEL_FORMAT_VERSION}: update the studio`)
  }
  if (doc.name !== undefined && typeof doc.name !== 'string') throw new ModelFileError('BAD_FIELD', 'name', `must be text, found ${describe(doc.name)}`)
  if (!Array.isArray(doc.nodes)) throw new ModelFileError('BAD_FIELD', 'nodes', `must be a list of nodes, found ${describe(doc.nodes)}`)
  if (!Array.isArray(doc.edges)) throw new ModelFileError('BAD_FIELD', 'edges', `must be a list of [from, to] pairs, found ${describe(doc.edges)}`)
  if (doc.nodes.length > MAX_NODES) {
    throw new ModelFileError('TOO_LARGE', 'nodes', `${doc.nodes.length.toLocaleString('en-US')} nodes; the studio handles up to ${MAX_NODES.toLocaleString('en-US')}`)
  }
  if (doc.edges.length > MAX_EDGES) {
    throw new ModelFileError('TOO_LARGE', 'edges', `${doc.edges.length.toLocaleString('en-US')} edges; the studio handles up to ${MAX_EDGES.toLocaleString('en-US')}`)
  }

  const blocks = doc.blocks === undefined ? undefined : parseBlocks(doc.blocks)

  const ids = new Set<string>()
  const nodes: NodeSpec[] = doc.nodes.map((n: unknown, i: number) => {
    const at = `nodes[${i}]`
    if (!isObject(n)) throw new ModelFileError('BAD_FIELD', at, `a node is an object like { "id": "c1", "type": "conv2d", "attrs": {...} }, found ${describe(n)}`)
    if (typeof n.id !== 'string' || n.id.length === 0) throw new ModelFileError('BAD_FIELD', `${at}.id`, `must be non-empty text, found ${describe(n.id)}`)
    if (ids.has(n.id)) throw new ModelFileError('DUPLICATE_ID', `${at}.id`, `'${n.id}' is used by an earlier node; every node needs its own id`)
    ids.add(n.id)
    if (typeof n.type !== 'string') throw new ModelFileError('BAD_FIELD', `${at}.type`, `must be a layer type, found ${describe(n.type)}`)
    if (n.type !== BLOCK_TYPE && !getLayer(n.type)) {
      throw new ModelFileError('UNKNOWN_LAYER', `${at}.type`, `node '${n.id}' has the unknown layer type '${n.type}'; known types: ${layerTypes().join(', ')}, block`)
    }
    if (n.attrs !== undefined && !isObject(n.attrs)) throw new ModelFileError('BAD_FIELD', `${at}.attrs`, `must be an object of attributes, found ${describe(n.attrs)}`)
    if (n.type === BLOCK_TYPE) {
      const name = n.attrs?.block
      if (typeof name !== 'string' || !blocks?.[name]) {
        const known = Object.keys(blocks ?? {})
        throw new ModelFileError('UNKNOWN_BLOCK', `${at}.attrs.block`, `node '${n.id}' is a block of ${describe(name)}, which the file's "blocks" does not define${known.length ? ` (it defines ${known.join(', ')})` : ''}`)
      }
    }
    const node: NodeSpec = { id: n.id, type: n.type }
    if (n.attrs !== undefined) node.attrs = { ...n.attrs }
    return node
  })

  const edges: Edge[] = doc.edges.map((e: unknown, i: number) => {
    const at = `edges[${i}]`
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') {
      throw new ModelFileError('BAD_FIELD', at, `an edge is a pair of node ids ["from", "to"], found ${JSON.stringify(e)?.slice(0, 60)}`)
    }
    for (const [k, id] of [[0, e[0]], [1, e[1]]] as const) {
      if (!ids.has(id)) throw new ModelFileError('UNKNOWN_NODE', `${at}[${k}]`, `the edge ${JSON.stringify(e)} names '${id}', which is not a node of this model`)
    }
    return [e[0], e[1]]
  })

  const model: ModelFile = { format: MODEL_FORMAT, version: doc.version, nodes, edges }
  if (doc.name !== undefined) model.name = doc.name
  if (blocks) {
    model.blocks = blocks
    const expanded = nodes.reduce((sum, n) => sum + (n.type === BLOCK_TYPE ? blocks[n.attrs!.block as string].nodes.length * repeatCount(n) : 1), 0)
    if (expanded > MAX_NODES) {
      throw new ModelFileError('TOO_LARGE', 'blocks', `the blocks expand to ${expanded.toLocaleString('en-US')} layers; the studio handles up to ${MAX_NODES.toLocaleString('en-US')}`)
    }
  }
  if (doc.layout !== undefined) {
    // Layout is only for the canvas: positions of unknown nodes or malformed ones are dropped, not fatal.
    model.layout = parseLayout(doc.layout, 'layout', ids)
  }
  return model
}

const repeatCount = (n: NodeSpec) => {
  const r = n.attrs?.repeat
  return typeof r === 'number' && Number.isInteger(r) && r >= 1 ? Math.min(r, MAX_REPEAT) : 1
}

function parseLayout(v: unknown, at: string, ids: Set<string>): Record<string, { x: number; y: number }> {
  if (!isObject(v)) throw new ModelFileError('BAD_FIELD', at, `must be an object of { "x": .., "y": .. } by node id, found ${describe(v)}`)
  const layout: Record<string, { x: number; y: number }> = {}
  for (const [id, p] of Object.entries(v)) {
    if (ids.has(id) && isObject(p) && Number.isFinite(p.x) && Number.isFinite(p.y)) layout[id] = { x: p.x as number, y: p.y as number }
  }
  return layout
}

/** The file's `blocks`: each definition's structure (its layers are analysed where it is used). */
function parseBlocks(v: unknown): Record<string, BlockDef> {
  if (!isObject(v)) throw new ModelFileError('BAD_FIELD', 'blocks', `must be an object of block definitions by name, found ${describe(v)}`)
  const out: Record<string, BlockDef> = {}
  for (const [name, d] of Object.entries(v)) {
    const at = `blocks.${name}`
    if (!BLOCK_NAME.test(name)) throw new ModelFileError('BAD_FIELD', at, `a block name is a letter or _ then letters, digits, _ or - (up to 64), found '${name.slice(0, 40)}'`)
    out[name] = parseBlockDef(d, at)
  }
  return out
}

/** One block definition (also the body of a block file, `*.block.json`). */
export function parseBlockDef(d: unknown, at: string): BlockDef {
  registerBuiltinLayers()
  if (!isObject(d)) throw new ModelFileError('BAD_FIELD', at, `a block is an object with "nodes", "edges" and "output", found ${describe(d)}`)
  if (!Array.isArray(d.nodes) || d.nodes.length === 0) throw new ModelFileError('BAD_FIELD', `${at}.nodes`, `must be a non-empty list of layers, found ${describe(d.nodes)}`)
  if (d.nodes.length > MAX_NODES) throw new ModelFileError('TOO_LARGE', `${at}.nodes`, `${d.nodes.length} layers; the studio handles up to ${MAX_NODES.toLocaleString('en-US')}`)
  const ids = new Set<string>()
  const nodes: NodeSpec[] = d.nodes.map((n: unknown, i: number) => {
    const nat = `${at}.nodes[${i}]`
    if (!isObject(n)) throw new ModelFileError('BAD_FIELD', nat, `a layer is an object like { "id": "c1", "type": "conv2d", "attrs": {...} }, found ${describe(n)}`)
    if (typeof n.id !== 'string' || n.id.length === 0 || n.id.includes('/') || n.id === BLOCK_INPUT) throw new ModelFileError('BAD_FIELD', `${nat}.id`, `must be non-empty text without '/', found ${describe(n.id)}`)
    if (ids.has(n.id)) throw new ModelFileError('DUPLICATE_ID', `${nat}.id`, `'${n.id}' is used by an earlier layer of this block`)
    ids.add(n.id)
    if (n.type === 'input' || n.type === BLOCK_TYPE) throw new ModelFileError('BAD_FIELD', `${nat}.type`, `a block cannot hold ${n.type === 'input' ? 'an input (the block\'s input is "$input" in its edges)' : 'another block'}`)
    if (typeof n.type !== 'string' || !getLayer(n.type)) throw new ModelFileError('UNKNOWN_LAYER', `${nat}.type`, `layer '${String(n.id)}' has the unknown layer type ${describe(n.type)}; known types: ${layerTypes().filter((t) => t !== 'input').join(', ')}`)
    if (n.attrs !== undefined && !isObject(n.attrs)) throw new ModelFileError('BAD_FIELD', `${nat}.attrs`, `must be an object of attributes, found ${describe(n.attrs)}`)
    return n.attrs !== undefined ? { id: n.id, type: n.type, attrs: { ...n.attrs } } : { id: n.id, type: n.type }
  })
  if (!Array.isArray(d.edges)) throw new ModelFileError('BAD_FIELD', `${at}.edges`, `must be a list of [from, to] pairs ("$input" as the block's input), found ${describe(d.edges)}`)
  const edges: Edge[] = d.edges.map((e: unknown, i: number) => {
    const eat = `${at}.edges[${i}]`
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw new ModelFileError('BAD_FIELD', eat, `an edge is a pair of layer ids ["from", "to"], found ${JSON.stringify(e)?.slice(0, 60)}`)
    if (e[0] !== BLOCK_INPUT && !ids.has(e[0])) throw new ModelFileError('UNKNOWN_NODE', `${eat}[0]`, `'${e[0]}' is not a layer of this block (use "$input" for the block's input)`)
    if (!ids.has(e[1])) throw new ModelFileError('UNKNOWN_NODE', `${eat}[1]`, `'${e[1]}' is not a layer of this block`)
    return [e[0], e[1]]
  })
  if (!edges.some(([f]) => f === BLOCK_INPUT)) throw new ModelFileError('BAD_FIELD', `${at}.edges`, `no edge from "$input": say which layers take the block's input, e.g. ["$input", "${nodes[0].id}"]`)
  if (typeof d.output !== 'string' || !ids.has(d.output)) throw new ModelFileError('BAD_FIELD', `${at}.output`, `must name the layer whose output is the block's, found ${describe(d.output)}`)
  const def: BlockDef = { nodes, edges, output: d.output }
  if (d.params !== undefined) {
    if (!isObject(d.params)) throw new ModelFileError('BAD_FIELD', `${at}.params`, `must be an object of parameters by name, found ${describe(d.params)}`)
    const params: Record<string, BlockParam> = {}
    for (const [pname, p] of Object.entries(d.params)) {
      const pat = `${at}.params.${pname}`
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(pname) || pname === 'block' || pname === 'repeat') throw new ModelFileError('BAD_FIELD', pat, `a parameter name is a letter or _ then letters, digits or _, and not 'block' or 'repeat'`)
      if (!isObject(p) || !Array.isArray(p.binds) || p.binds.length === 0) throw new ModelFileError('BAD_FIELD', `${pat}.binds`, `must list the [layer, attribute] pairs it sets, e.g. [["c1", "filters"]]`)
      const binds = p.binds.map((b: unknown, i: number): [string, string] => {
        if (!Array.isArray(b) || b.length !== 2 || typeof b[0] !== 'string' || typeof b[1] !== 'string') throw new ModelFileError('BAD_FIELD', `${pat}.binds[${i}]`, `a bind is ["layer", "attribute"], found ${JSON.stringify(b)?.slice(0, 60)}`)
        if (!ids.has(b[0])) throw new ModelFileError('UNKNOWN_NODE', `${pat}.binds[${i}][0]`, `'${b[0]}' is not a layer of this block`)
        const type = nodes.find((n) => n.id === b[0])!.type
        if (!(b[1] in getLayer(type)!.attrs)) throw new ModelFileError('BAD_FIELD', `${pat}.binds[${i}][1]`, `${b[0]} (${type}) has no attribute '${b[1]}'; it has ${Object.keys(getLayer(type)!.attrs).join(', ') || 'none'}`)
        return [b[0], b[1]]
      })
      params[pname] = p.default !== undefined ? { binds, default: p.default } : { binds }
    }
    def.params = params
  }
  if (d.description !== undefined) {
    if (typeof d.description !== 'string') throw new ModelFileError('BAD_FIELD', `${at}.description`, `must be text, found ${describe(d.description)}`)
    def.description = d.description
  }
  if (d.layout !== undefined) def.layout = parseLayout(d.layout, `${at}.layout`, ids)
  return def
}

/** JSON on one line with a space after each colon and comma, as people write it: `{"id": "c1", "kernel": [3, 3]}`. */
function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')}}`
  return JSON.stringify(v) ?? 'null'
}

const nodeLine = (n: NodeSpec) => inline(n.attrs && Object.keys(n.attrs).length ? { id: n.id, type: n.type, attrs: n.attrs } : { id: n.id, type: n.type })

/** One block definition's lines at an indent: one layer, the edge list and one layout entry per line. */
export function blockLines(def: BlockDef, pad: string): string[] {
  const head = [
    `${pad}"output": ${JSON.stringify(def.output)},`,
    ...(def.description !== undefined ? [`${pad}"description": ${JSON.stringify(def.description)},`] : []),
    ...(def.params && Object.keys(def.params).length ? [`${pad}"params": ${inline(def.params)},`] : []),
  ]
  const layout = def.layout && Object.keys(def.layout).length ? Object.entries(def.layout) : null
  return [
    ...head,
    `${pad}"nodes": [`,
    def.nodes.map((n) => `${pad}  ${nodeLine(n)}`).join(',\n'),
    `${pad}],`,
    `${pad}"edges": [${def.edges.map(inline).join(', ')}]${layout ? ',' : ''}`,
    ...(layout ? [`${pad}"layout": {`, layout.map(([id, p]) => `${pad}  ${JSON.stringify(id)}: ${inline({ x: p.x, y: p.y })}`).join(',\n'), `${pad}}`] : []),
  ]
}

/** The model file's text: stable key order, two-space indent, one node, edge list and layout entry per line, so diffs stay small. */
export function serializeModelFile(model: ModelFile): string {
  const layout = model.layout ? Object.entries(model.layout) : null
  const blocks = model.blocks && Object.keys(model.blocks).length ? Object.entries(model.blocks) : null
  const lines = [
    '{',
    `  "format": ${JSON.stringify(MODEL_FORMAT)},`,
    `  "version": ${blocks ? MODEL_FORMAT_VERSION : 1},`,
    ...(model.name !== undefined ? [`  "name": ${JSON.stringify(model.name)},`] : []),
    '  "nodes": [',
    model.nodes.map((n) => `    ${nodeLine(n)}`).join(',\n'),
    '  ],',
    `  "edges": [${model.edges.map(inline).join(', ')}]${layout || blocks ? ',' : ''}`,
    ...(blocks ? ['  "blocks": {', blocks.map(([name, def]) => [`    ${JSON.stringify(name)}: {`, ...blockLines(def, '      '), '    }'].join('\n')).join(',\n'), `  }${layout ? ',' : ''}`] : []),
    ...(layout ? ['  "layout": {', layout.map(([id, p]) => `    ${JSON.stringify(id)}: ${inline({ x: p.x, y: p.y })}`).join(',\n'), '  }'] : []),
    '}',
  ]
  return lines.filter((l) => l !== '').join('\n') + '\n'
}
