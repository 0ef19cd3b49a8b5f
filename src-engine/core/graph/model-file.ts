// Reading and writing the model file (`*.cnn.json`). Parsing checks the file's structure and names the
// exact field that is wrong; whether the graph makes sense (shapes, attributes, cycles) is analysis's job,
// so that the canvas can still open and show a graph with mistakes in it.
import { getLayer, layerTypes } from './registry.ts'
import { registerBuiltinLayers } from './layers.ts'
import type { Edge, ModelFile, NodeSpec } from './types.ts'

export const MODEL_FORMAT = 'cnn-studio.graph'
export const MODEL_FORMAT_VERSION = 1
/** Far above any hand-drawn network; keeps a runaway or hostile file from stalling the studio. */
export const MAX_NODES = 10_000
export const MAX_EDGES = 40_000

export type ModelFileErrorCode = 'NOT_JSON' | 'BAD_FORMAT' | 'NEWER_VERSION' | 'BAD_FIELD' | 'UNKNOWN_LAYER' | 'DUPLICATE_ID' | 'UNKNOWN_NODE' | 'TOO_LARGE'

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

/** Parses a model file from its text or from an already-parsed value; throws ModelFileError. */
export function parseModelFile(input: string | unknown): ModelFile {
  registerBuiltinLayers()
  let doc: unknown = input
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input)
    } catch (e) {
      throw new ModelFileError('NOT_JSON', '', `not a JSON file (${(e as Error).message}); a model file is the JSON the studio saves as *.cnn.json`)
    }
  }
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

  const ids = new Set<string>()
  const nodes: NodeSpec[] = doc.nodes.map((n: unknown, i: number) => {
    const at = `nodes[${i}]`
    if (!isObject(n)) throw new ModelFileError('BAD_FIELD', at, `a node is an object like { "id": "c1", "type": "conv2d", "attrs": {...} }, found ${describe(n)}`)
    if (typeof n.id !== 'string' || n.id.length === 0) throw new ModelFileError('BAD_FIELD', `${at}.id`, `must be non-empty text, found ${describe(n.id)}`)
    if (ids.has(n.id)) throw new ModelFileError('DUPLICATE_ID', `${at}.id`, `'${n.id}' is used by an earlier node; every node needs its own id`)
    ids.add(n.id)
    if (typeof n.type !== 'string') throw new ModelFileError('BAD_FIELD', `${at}.type`, `must be a layer type, found ${describe(n.type)}`)
    if (!getLayer(n.type)) {
      throw new ModelFileError('UNKNOWN_LAYER', `${at}.type`, `node '${n.id}' has the unknown layer type '${n.type}'; known types: ${layerTypes().join(', ')}`)
    }
    if (n.attrs !== undefined && !isObject(n.attrs)) throw new ModelFileError('BAD_FIELD', `${at}.attrs`, `must be an object of attributes, found ${describe(n.attrs)}`)
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
  if (doc.layout !== undefined) {
    if (!isObject(doc.layout)) throw new ModelFileError('BAD_FIELD', 'layout', `must be an object of { "x": .., "y": .. } by node id, found ${describe(doc.layout)}`)
    const layout: Record<string, { x: number; y: number }> = {}
    for (const [id, p] of Object.entries(doc.layout)) {
      // Layout is only for the canvas: positions of unknown nodes or malformed ones are dropped, not fatal.
      if (ids.has(id) && isObject(p) && Number.isFinite(p.x) && Number.isFinite(p.y)) layout[id] = { x: p.x as number, y: p.y as number }
    }
    model.layout = layout
  }
  return model
}

/** JSON on one line with a space after each colon and comma, as people write it: `{"id": "c1", "kernel": [3, 3]}`. */
function inline(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inline).join(', ')}]`
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')}}`
  return JSON.stringify(v) ?? 'null'
}

/** The model file's text: stable key order, two-space indent, one node, edge list and layout entry per line, so diffs stay small. */
export function serializeModelFile(model: ModelFile): string {
  const layout = model.layout ? Object.entries(model.layout) : null
  const lines = [
    '{',
    `  "format": ${JSON.stringify(MODEL_FORMAT)},`,
    `  "version": ${MODEL_FORMAT_VERSION},`,
    ...(model.name !== undefined ? [`  "name": ${JSON.stringify(model.name)},`] : []),
    '  "nodes": [',
    model.nodes.map((n) => `    ${inline(n.attrs && Object.keys(n.attrs).length ? { id: n.id, type: n.type, attrs: n.attrs } : { id: n.id, type: n.type })}`).join(',\n'),
    '  ],',
    `  "edges": [${model.edges.map(inline).join(', ')}]${layout ? ',' : ''}`,
    ...(layout ? ['  "layout": {', layout.map(([id, p]) => `    ${JSON.stringify(id)}: ${inline({ x: p.x, y: p.y })}`).join(',\n'), '  }'] : []),
    '}',
  ]
  return lines.filter((l) => l !== '').join('\n') + '\n'
}
