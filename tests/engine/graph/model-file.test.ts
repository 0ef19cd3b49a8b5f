// Malformed model files are refused with a coded error naming the field; well-formed ones round-trip.
import { describe, expect, it } from 'vitest'
import { ModelFileError, parseModelFile, serializeModelFile, allLayers, registerLayer, getLayer } from '../../../src-engine/core/graph/index.ts'

const base = () => ({ format: 'cnn-studio.graph', version: 1, nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } }, { id: 'f', type: 'flatten' }], edges: [['in', 'f']] })

function refusal(input: unknown): ModelFileError {
  try {
    parseModelFile(input)
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError)
    return e as ModelFileError
  }
  throw new Error('expected a ModelFileError')
}

describe('parseModelFile', () => {
  it('refuses what is not a model file, naming the field', () => {
    expect(refusal('{ nope').code).toBe('NOT_JSON')
    expect(refusal('[1, 2]').code).toBe('BAD_FORMAT')
    const fmt = refusal({ ...base(), format: 'keras' })
    expect([fmt.code, fmt.path]).toEqual(['BAD_FORMAT', 'format'])
    expect(refusal({ ...base(), version: 99 }).code).toBe('NEWER_VERSION')
    expect(refusal({ ...base(), nodes: 'x' }).path).toBe('nodes')
  })

  it('refuses unknown layer types, duplicate ids and edges to missing nodes', () => {
    const m = base()
    m.nodes.push({ id: 'x', type: 'conv3d' } as never)
    const e = refusal(m)
    expect([e.code, e.path]).toEqual(['UNKNOWN_LAYER', 'nodes[2].type'])
    expect(e.message).toContain('conv2d') // lists the known types
    const d = base()
    d.nodes.push({ id: 'in', type: 'relu' } as never)
    expect(refusal(d).code).toBe('DUPLICATE_ID')
    const g = base()
    g.edges.push(['f', 'ghost'])
    const ge = refusal(g)
    expect([ge.code, ge.path]).toEqual(['UNKNOWN_NODE', 'edges[1][1]'])
    expect(ge.message).toContain('ghost')
  })

  it('refuses 100,000 nodes quickly instead of stalling', () => {
    const nodes = Array.from({ length: 100_000 }, (_, i) => ({ id: `n${i}`, type: 'relu' }))
    expect(refusal({ ...base(), nodes, edges: [] }).code).toBe('TOO_LARGE')
  })

  it('round-trips through serializeModelFile', () => {
    const m = parseModelFile({ ...base(), name: 'tiny', layout: { in: { x: 1, y: 2 }, ghost: { x: 0, y: 0 } } })
    expect(m.layout).toEqual({ in: { x: 1, y: 2 } })
    expect(parseModelFile(serializeModelFile(m))).toEqual(m)
  })
})

describe('the layer registry', () => {
  it('has every layer type of the spec, each explained, with attrs explained', () => {
    const types = allLayers().map((l) => l.type).sort()
    expect(types).toEqual(['add', 'avgpool2d', 'batchnorm', 'concat', 'conv2d', 'dense', 'dropout', 'flatten', 'globalavgpool', 'globalmaxpool', 'input', 'leakyrelu', 'maxpool2d', 'relu', 'sigmoid', 'softmax', 'tanh'])
    for (const l of allLayers()) {
      expect(l.summary.length).toBeGreaterThan(10)
      for (const a of Object.values(l.attrs)) expect(a.help.length).toBeGreaterThan(5)
    }
    expect(getLayer('conv2d')!.attrs.padding.default).toBe('valid')
    expect(getLayer('dropout')!.attrs.rate.default).toBe(0.5)
  })

  it('throws on a second registration of a name', () => {
    expect(() => registerLayer({ ...getLayer('relu')! })).toThrow(/registered twice/)
  })
})
