// Property: random and mutated model files never break the graph core. `parseModelFile` returns a model or
// throws a ModelFileError (a code and a message); `analyzeGraph` of any parsed model returns its analysis
// (issues, never an exception), and so does the host's `models.analyze`.
import { readdirSync, readFileSync } from 'node:fs'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { analyzeGraph, layerTypes, ModelFileError, parseModelFile, registerBuiltinLayers } from '../../../src-engine/core/graph/index.ts'
import { count, report, runs } from './runs.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url)
const templates = readdirSync(TEMPLATES).filter((f) => f.endsWith('.cnn.json')).map((f) => JSON.parse(readFileSync(new URL(f, TEMPLATES), 'utf8')))
registerBuiltinLayers()
const TYPES = layerTypes()

type Doc = { nodes: { id: string; type: string; attrs?: Record<string, unknown> }[]; edges: [string, string][]; [k: string]: unknown }

// Values an attribute might wrongly hold: edge numbers, wrong kinds, and nesting.
const attrValue = fc.oneof(
  fc.integer({ min: -3, max: 70 }), fc.constantFrom(0, -1, 1e9, 2 ** 31, Number.MAX_SAFE_INTEGER, 0.5, 1e-300, -0),
  fc.tuple(fc.integer({ min: -2, max: 40 }), fc.integer({ min: -2, max: 40 })), fc.constantFrom('same', 'valid', 'relu', '', 'x'),
  fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }),
)
const attrName = fc.constantFrom('height', 'width', 'channels', 'filters', 'kernel', 'stride', 'padding', 'units', 'size', 'rate', 'axis', 'dilation', 'groups', 'bias', 'epsilon', 'momentum', 'resize', 'alpha', 'zz')

/** One edit to a model document: what a careless hand or a broken tool might do. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('attr'), node: fc.nat(), name: attrName, value: attrValue }),
  fc.record({ op: fc.constant('type'), node: fc.nat(), type: fc.oneof(fc.constantFrom(...TYPES), fc.string({ maxLength: 6 })) }),
  fc.record({ op: fc.constant('edge'), from: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('drop-edge'), edge: fc.nat() }),
  fc.record({ op: fc.constant('drop-node'), node: fc.nat() }),
  fc.record({ op: fc.constant('dup-id'), node: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('field'), key: fc.constantFrom('format', 'version', 'nodes', 'edges', 'layout', 'name'), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ op: fc.constant('rename'), node: fc.nat(), id: fc.string({ maxLength: 8 }) }),
)
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never

function apply(doc: Doc, m: Mutation): void {
  const n = Array.isArray(doc.nodes) ? doc.nodes.length : 0
  const node = (i: number) => (n && doc.nodes[i % n] && typeof doc.nodes[i % n] === 'object' ? doc.nodes[i % n] : undefined)
  if (m.op === 'attr') { const x = node(m.node); if (x && typeof x === 'object') x.attrs = { ...(x.attrs ?? {}), [m.name]: m.value } }
  else if (m.op === 'type') { const x = node(m.node); if (x && typeof x === 'object') x.type = m.type }
  else if (m.op === 'edge') { const a = node(m.from), b = node(m.to); if (a && b && Array.isArray(doc.edges)) doc.edges.push([a.id, b.id]) }
  else if (m.op === 'drop-edge') { if (Array.isArray(doc.edges) && doc.edges.length) doc.edges.splice(m.edge % doc.edges.length, 1) }
  else if (m.op === 'drop-node') { if (Array.isArray(doc.nodes) && n) doc.nodes.splice(m.node % n, 1) }
  else if (m.op === 'dup-id') { const a = node(m.node), b = node(m.other); if (a && b) a.id = b.id }
  else if (m.op === 'rename') { const a = node(m.node); if (a && typeof a === 'object') a.id = m.id }
  else (doc as Record<string, unknown>)[m.key] = m.value
}

/** Parses and, when it parses, analyses; anything but a model or a ModelFileError fails the property. */
function check(input: unknown): void {
  let model
  try {
    model = parseModelFile(input)
  } catch (e) {
    if (!(e instanceof ModelFileError)) throw e
    expect(e.code).toMatch(/^[A-Z_]+$/)
    count('refused')
    return
  }
  for (const forTraining of [false, true]) {
    const a = analyzeGraph(model, { forTraining })
    expect(Array.isArray(a.issues)).toBe(true)
    for (const i of a.issues) expect(i.code).toMatch(/^[A-Z_]+$/)
    JSON.stringify(a) // the host sends it over the wire
  }
  count('analysed')
}

afterAll(() => report('model'))

describe('model files, fuzzed', () => {
  it('mutated templates: a model or a ModelFileError, and any model analyses', () => {
    fc.assert(fc.property(fc.nat(templates.length - 1), fc.array(mutation, { minLength: 1, maxLength: 8 }), (t, ms) => {
      const doc = structuredClone(templates[t]) as Doc
      for (const m of ms) apply(doc, m)
      check(doc)
      check(JSON.stringify(doc))
    }), runs(400))
  })

  it('random graphs of real layer types: a model or a ModelFileError, and any model analyses', () => {
    const graph = fc.integer({ min: 1, max: 12 }).chain((size) => fc.record({
      format: fc.constant('cnn-studio.graph'), version: fc.constant(1),
      nodes: fc.tuple(...Array.from({ length: size }, (_, i) => fc.record({
        id: fc.constant(`n${i}`), type: fc.constantFrom(...TYPES),
        attrs: fc.dictionary(attrName, attrValue, { maxKeys: 4 }),
      }))),
      edges: fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)).map(([a, b]) => [`n${a}`, `n${b}`]), { maxLength: size * 2 }),
    }))
    fc.assert(fc.property(graph, (doc) => check(doc)), runs(400))
  })

  it('arbitrary JSON and text: refused with a ModelFileError', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.json()), (v) => check(v)), runs(300))
  })
})
