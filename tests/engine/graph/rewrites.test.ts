// The course's rewrites: counts worked out by hand from the definitions (conv kh*kw*Cin*F + F, dense
// in*units + units), output shapes and receptive fields kept where the rule promises it, refusals with reasons.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, type ModelFile, type NodeSpec } from '../../../src-engine/core/graph/index.ts'
import { rewriteModel, suggestRewrites } from '../../../src-engine/core/graph/rewrites.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const template = (f: string) => parseModelFile(readFileSync(TEMPLATES + f, 'utf8'))

function chain(input: [number, number, number], ...layers: [string, string, Record<string, unknown>?][]): ModelFile {
  const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: input[0], width: input[1], channels: input[2] } }]
  for (const [id, type, attrs] of layers) nodes.push(attrs ? { id, type, attrs } : { id, type })
  const edges = nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string])
  return parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges, layout: Object.fromEntries(nodes.map((n, i) => [n.id, { x: 0, y: 140 * i }])) })
}

const ok = <T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> => {
  if (!r.ok) throw new Error(`refused: ${(r as unknown as { reason: string }).reason}`)
  return r as Extract<T, { ok: true }>
}

describe('stack3x3', () => {
  const C = 16
  for (const padding of ['same', 3, 'valid'] as const) {
    it(`a 7x7 ${C}->${C} conv (padding ${padding}) becomes three 3x3 convs: same output and receptive field, 3(9C²+C) params instead of 49C²+C`, () => {
      const model = chain([20, 20, C], ['c1', 'conv2d', { filters: C, kernel: 7, padding }], ['r', 'relu'], ['g', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'])
      const before = analyzeGraph(model)
      const r = ok(rewriteModel(model, 'stack3x3', { node: 'c1' }))
      const after = analyzeGraph(r.model)
      expect(after.hasErrors).toBe(false)
      const convs = after.nodes.filter((n) => n.type === 'conv2d')
      expect(convs.map((n) => n.attrs.kernel)).toEqual([[3, 3], [3, 3], [3, 3]])
      expect(convs.map((n) => n.outputShape![2])).toEqual([C, C, C])
      expect(after.nodes.filter((n) => n.type === 'relu')).toHaveLength(3) // two between, the one that was there
      expect(convs.reduce((s, n) => s + n.params, 0)).toBe(3 * (9 * C * C + C))
      expect(before.byId.get('c1')!.params).toBe(49 * C * C + C)
      expect(after.byId.get('c1')!.outputShape).toEqual(before.byId.get('c1')!.outputShape)
      expect(after.byId.get('c1')!.receptiveField).toBe(7)
      expect(r.before.receptiveField).toBe(7)
      expect(r.after.receptiveField).toBe(7)
      expect(r.before.params - r.after.params).toBe(49 * C * C + C - 3 * (9 * C * C + C))
      expect(r.changed).toEqual(['c1_1', 'c1_1r', 'c1_2', 'c1_2r', 'c1'])
      // The chain sits where c1 was; what was below moved down four rows.
      expect(r.model.layout!.c1_1).toEqual({ x: 0, y: 140 })
      expect(r.model.layout!.r).toEqual({ x: 0, y: 280 + 4 * 140 })
    })
  }

  it('a 5x5 conv becomes two; the template LeNet-5 picks its first 5x5 without --node', () => {
    const r = ok(rewriteModel(template('lenet5.cnn.json'), 'stack3x3'))
    const a = analyzeGraph(r.model)
    expect(a.hasErrors).toBe(false)
    expect(r.changed.filter((id) => a.byId.get(id)!.type === 'conv2d')).toHaveLength(2)
  })

  it('refuses with the reason', () => {
    const model = chain([20, 20, 3], ['c1', 'conv2d', { filters: 8, kernel: 3 }], ['c2', 'conv2d', { filters: 8, kernel: 5, stride: 2 }], ['c3', 'conv2d', { filters: 8, kernel: 4 }], ['r', 'relu'])
    const reason = (node?: string) => {
      const r = rewriteModel(model, 'stack3x3', { node })
      expect(r.ok).toBe(false)
      return (r as { reason: string }).reason
    }
    expect(reason('c1')).toBe('c1 is 3x3 already')
    expect(reason('c2')).toMatch(/c2 has stride 2/)
    expect(reason('c3')).toMatch(/c3 is 4x4; .*odd kernel of 5 or more/)
    expect(reason('r')).toMatch(/r is a relu; stack3x3 rewrites a conv2d/)
    expect(reason('nope')).toMatch(/no node 'nope'/)
    expect(reason()).toMatch(/nothing to stack/)
  })
})

describe('gap-head', () => {
  it('LeNet-5: flatten of 5x5x16 into dense 120 becomes a global average pool, the dense reads 16 numbers', () => {
    const model = template('lenet5.cnn.json')
    const a = analyzeGraph(model)
    const flat = a.nodes.find((n) => n.type === 'flatten')!
    expect(flat.inputShapes[0]).toEqual([5, 5, 16])
    const dense = a.nodes.find((n) => n.inputs.includes(flat.id))!
    expect(dense.attrs.units).toBe(120)
    const r = ok(rewriteModel(model, 'gap-head'))
    const b = analyzeGraph(r.model)
    expect(b.hasErrors).toBe(false)
    // 400*120 + 120 = 48120 weights before, 16*120 + 120 = 2040 after; nothing else changes.
    expect(b.byId.get(dense.id)!.params).toBe(16 * 120 + 120)
    expect(a.byId.get(dense.id)!.params).toBe(400 * 120 + 120)
    expect(r.before.params - r.after.params).toBe(48120 - 2040)
    expect(b.nodes.find((n) => n.type === 'globalavgpool')!.outputShape).toEqual([16])
    expect(r.changed).toEqual(['gap', dense.id])
  })

  it('refuses a model that already pools globally', () => {
    const r = rewriteModel(template('smallcnn.cnn.json'), 'gap-head')
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/no flatten \+ dense head/) })
  })
})

describe('bottleneck', () => {
  it("the course's 32x32x200 into a 5x5 conv of 32: a 1x1 of 32 first", () => {
    const model = chain([32, 32, 200], ['c5', 'conv2d', { filters: 32, kernel: 5, padding: 'same' }])
    const r = ok(rewriteModel(model, 'bottleneck', { node: 'c5', width: 32 }))
    const a = analyzeGraph(r.model)
    // before: 32*32*32 * 25*200 = 163,840,000 MACs; after: 32*32*32*200 (1x1) + 32*32*32 * 25*32.
    expect(r.before.macs).toBe(163_840_000)
    expect(r.after.macs).toBe(32 * 32 * 32 * 200 + 32 * 32 * 32 * 25 * 32)
    expect(r.after.params).toBe(200 * 32 + 32 + 25 * 32 * 32 + 32)
    expect(a.byId.get('c5')!.outputShape).toEqual([32, 32, 32])
    expect(r.changed).toEqual(['c5_1x1', 'c5_1x1r', 'c5'])
  })

  it('refuses a 1x1 conv and a width that does not narrow', () => {
    const model = chain([8, 8, 16], ['a', 'conv2d', { filters: 8, kernel: 1 }], ['b', 'conv2d', { filters: 8, kernel: 3 }])
    expect(rewriteModel(model, 'bottleneck', { node: 'a' })).toMatchObject({ ok: false, reason: 'a is 1x1 already; a bottleneck goes before a larger kernel' })
    expect(rewriteModel(model, 'bottleneck', { node: 'b', width: 8 })).toMatchObject({ ok: false, reason: expect.stringMatching(/b gets 8 channels; a bottleneck of 8 would not narrow them/) })
  })
})

describe('mlp-baseline', () => {
  it('SmallCNN on 32x32x3, width 100: flatten, 3072*100+100, 100*100+100, 100*10+10', () => {
    const r = ok(rewriteModel(template('smallcnn.cnn.json'), 'mlp-baseline', { width: 100 }))
    const a = analyzeGraph(r.model, { forTraining: true })
    expect(a.hasErrors).toBe(false)
    expect(a.nodes.map((n) => n.type)).toEqual(['input', 'flatten', 'dense', 'relu', 'dense', 'relu', 'dense', 'softmax'])
    expect(r.after.params).toBe(3072 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10)
    expect(r.after.macs).toBe(3072 * 100 + 100 * 100 + 100 * 10)
    expect(r.after.receptiveField).toBe(null)
    expect(r.model.nodes[0]).toEqual(template('smallcnn.cnn.json').nodes[0])
  })

  it('refuses --node', () => {
    expect(rewriteModel(template('smallcnn.cnn.json'), 'mlp-baseline', { node: 'c1' })).toMatchObject({ ok: false, reason: expect.stringMatching(/takes no --node/) })
  })
})

it('suggestions: the rules that apply, each with before and after', () => {
  const s = suggestRewrites(template('lenet5.cnn.json'))
  expect(s.map((r) => r.rule)).toEqual(['stack3x3', 'gap-head', 'bottleneck', 'mlp-baseline'])
  expect(suggestRewrites(template('smallcnn.cnn.json')).map((r) => r.rule)).toEqual(['bottleneck', 'mlp-baseline'])
})
