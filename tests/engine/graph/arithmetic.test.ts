// Shape, parameter, MAC and receptive-field arithmetic, checked against numbers worked out by hand from
// the definitions (output = floor((N + 2P - F) / S) + 1; conv params kh*kw*Cin*F + F; MACs Ho*Wo*F*kh*kw*Cin).
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, windowGeometry, type NodeSpec } from '../../../src-engine/core/graph/index.ts'

/** A chain of nodes after an input, edges in order. */
function chain(input: [number, number, number], ...layers: [string, string, Record<string, unknown>?][]) {
  const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: input[0], width: input[1], channels: input[2] } }]
  for (const [id, type, attrs] of layers) nodes.push(attrs ? { id, type, attrs } : { id, type })
  const edges = nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string])
  return analyzeGraph(parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges }))
}

describe('the lecture: 7x7 input, 3x3 filter', () => {
  it('gives 5x5 at stride 1 and 3x3 at stride 2', () => {
    expect(chain([7, 7, 1], ['c', 'conv2d', { filters: 1, kernel: 3, stride: 1 }]).byId.get('c')!.outputShape).toEqual([5, 5, 1])
    const s2 = chain([7, 7, 1], ['c', 'conv2d', { filters: 1, kernel: 3, stride: 2 }])
    expect(s2.byId.get('c')!.outputShape).toEqual([3, 3, 1])
    expect(s2.issues).toEqual([]) // (7 - 3) / 2 + 1 = 3 exactly
  })

  it('at stride 3 warns STRIDE_REMAINDER with the formula and what is lost', () => {
    const a = chain([7, 7, 1], ['c', 'conv2d', { filters: 1, kernel: 3, stride: 3 }])
    expect(a.byId.get('c')!.outputShape).toEqual([2, 2, 1]) // floor(4 / 3) + 1
    expect(a.issues).toHaveLength(1)
    const [i] = a.issues
    expect(i.code).toBe('STRIDE_REMAINDER')
    expect(i.severity).toBe('warning')
    expect(i.nodeId).toBe('c')
    expect(i.message).toContain('(7 - 3) / 3 + 1 = 2.33')
    expect(i.message).toMatch(/1 row and 1 column/)
    expect(a.hasErrors).toBe(false)
  })

  it('padding P = (F - 1) / 2 at stride 1 keeps the size', () => {
    for (const f of [1, 3, 5, 7]) {
      const a = chain([7, 7, 1], ['c', 'conv2d', { filters: 2, kernel: f, padding: (f - 1) / 2 }])
      expect(a.byId.get('c')!.outputShape).toEqual([7, 7, 2])
      expect(chain([7, 7, 1], ['c', 'conv2d', { filters: 2, kernel: f, padding: 'same' }]).byId.get('c')!.outputShape).toEqual([7, 7, 2])
    }
  })

  it('three stacked 3x3 convs see 7x7, like one 7x7, with 27C^2 weights against 49C^2', () => {
    const C = 16
    // a 1x1 conv first, to get C channels (the input has 1 or 3) without widening the receptive field
    const widen: [string, string, Record<string, unknown>] = ['w', 'conv2d', { filters: C, kernel: 1, bias: false }]
    const three = chain([32, 32, 3], widen,
      ['a', 'conv2d', { filters: C, kernel: 3, padding: 'same', bias: false }],
      ['b', 'conv2d', { filters: C, kernel: 3, padding: 'same', bias: false }],
      ['c', 'conv2d', { filters: C, kernel: 3, padding: 'same', bias: false }])
    const one = chain([32, 32, 3], widen, ['a', 'conv2d', { filters: C, kernel: 7, padding: 'same', bias: false }])
    expect(three.nodes.map((n) => n.receptiveField)).toEqual([1, 1, 3, 5, 7])
    expect(one.byId.get('a')!.receptiveField).toBe(7)
    const stack = (a: typeof one, ids: string[]) => ids.reduce((s, id) => s + a.byId.get(id)!.params, 0)
    expect(stack(three, ['a', 'b', 'c'])).toBe(27 * C * C)
    expect(stack(one, ['a'])).toBe(49 * C * C)
  })
})

describe('windows', () => {
  it('"same" is ceil(N / S) with the extra padding pixel at the bottom/right', () => {
    const g = windowGeometry(8, 7, 3, 2, 'same')
    // rows: ceil(8/2) = 4, total pad (4-1)*2 + 3 - 8 = 1 -> 0 top, 1 bottom; cols: ceil(7/2) = 4, pad (3*2+3-7) = 2 -> 1, 1
    expect([g.outH, g.outW, g.padTop, g.padBottom, g.padLeft, g.padRight]).toEqual([4, 4, 0, 1, 1, 1])
    const g2 = windowGeometry(5, 5, 4, 1, 'same') // even kernel: total 3 -> 1 top, 2 bottom
    expect([g2.outH, g2.padTop, g2.padBottom]).toEqual([5, 1, 2])
  })

  it('non-square kernels, strides and [h, w] padding', () => {
    const a = chain([10, 12, 3], ['c', 'conv2d', { filters: 4, kernel: [3, 5], stride: [1, 2], padding: [1, 0] }])
    // rows (10 + 2 - 3) / 1 + 1 = 10; cols (12 - 5) / 2 + 1 = 4.5 -> 4, one column unseen
    expect(a.byId.get('c')!.outputShape).toEqual([10, 4, 4])
    expect(a.byId.get('c')!.params).toBe(3 * 5 * 3 * 4 + 4)
    expect(a.byId.get('c')!.receptiveFieldHW).toEqual([3, 5])
    expect(a.issues.map((i) => i.code)).toEqual(['STRIDE_REMAINDER'])
    expect(a.issues[0].message).toMatch(/1 column/)
  })

  it('pools default their stride to their size', () => {
    const a = chain([9, 9, 1], ['p', 'maxpool2d', { size: 3 }], ['q', 'avgpool2d', { size: 2, stride: 1 }])
    expect(a.byId.get('p')!.outputShape).toEqual([3, 3, 1])
    expect(a.byId.get('p')!.attrs.stride).toEqual([3, 3])
    expect(a.byId.get('q')!.outputShape).toEqual([2, 2, 1])
    // receptive fields: 1 -> 3 (jump 3) -> 3 + (2 - 1) * 3 = 6
    expect(a.byId.get('q')!.receptiveField).toBe(6)
  })
})

describe('SmallCNN (shared/bench/README.md)', () => {
  const a = chain([32, 32, 3],
    ['c1', 'conv2d', { filters: 32, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
    ['c2', 'conv2d', { filters: 64, kernel: 3, padding: 'same' }], ['r2', 'relu'], ['p2', 'maxpool2d', { size: 2 }],
    ['c3', 'conv2d', { filters: 128, kernel: 3, padding: 'same' }], ['r3', 'relu'],
    ['gap', 'globalavgpool'], ['fc', 'dense', { units: 10 }], ['out', 'softmax'])

  it('has 94,538 parameters and 10,323,200 MACs per image', () => {
    expect(a.totals.params).toBe(94_538)
    expect(a.totals.trainableParams).toBe(94_538)
    expect(a.totals.macs).toBe(10_323_200)
    // conv1: 32*32*32 outputs * 27 MACs each
    expect(a.byId.get('c1')!.macs).toBe(32 * 32 * 32 * 3 * 3 * 3)
    expect(a.byId.get('fc')!.params).toBe(128 * 10 + 10)
  })

  it('shapes and receptive fields along the chain', () => {
    expect(a.byId.get('p2')!.outputShape).toEqual([8, 8, 64])
    expect(a.byId.get('gap')!.outputShape).toEqual([128])
    // 3, pool -> 4 (jump 2), conv -> 4 + 2*2 = 8, pool -> 10 (jump 4), conv -> 10 + 2*4 = 18,
    // GAP over 8x8: its windows span 18 + 7*4 = 46, but the image has 32 pixels a side and the padding holds none
    expect(['c1', 'p1', 'c2', 'p2', 'c3', 'gap', 'fc', 'out'].map((id) => a.byId.get(id)!.receptiveField)).toEqual([3, 4, 8, 10, 18, 32, 32, 32])
    expect(a.outputId).toBe('out')
  })

  it('a global pool sees the whole image and no more: 64x64 on a 64x64 input, whatever its windows span', () => {
    const big = chain([64, 48, 1],
      ['c1', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['p1', 'maxpool2d', { size: 2 }],
      ['c2', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['p2', 'maxpool2d', { size: 2 }],
      ['c3', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['gap', 'globalavgpool'])
    // c3 keeps the textbook field (18), the one the inspector derives; GAP spans 18 + 15*4 = 78 rows, 18 + 11*4 = 62 columns
    expect(big.byId.get('c3')!.receptiveFieldHW).toEqual([18, 18])
    expect(big.byId.get('gap')!.receptiveFieldHW).toEqual([64, 48])
    // a small field stays as it is: one 3x3 conv, valid, then GAP over 2x2 sees 3 + 1 = 4 of 4 pixels
    expect(chain([4, 4, 1], ['c', 'conv2d', { filters: 1, kernel: 3 }], ['g', 'globalavgpool']).byId.get('g')!.receptiveFieldHW).toEqual([4, 4])
    expect(chain([9, 9, 1], ['c', 'conv2d', { filters: 1, kernel: 3, stride: 3 }], ['p', 'maxpool2d', { size: 2 }], ['g', 'globalavgpool']).byId.get('g')!.receptiveFieldHW).toEqual([6, 6])
  })

  it('passes the training check; without softmax it does not', () => {
    const model = parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } }, { id: 'f', type: 'flatten' }, { id: 'fc', type: 'dense', attrs: { units: 3 } }], edges: [['in', 'f'], ['f', 'fc']] })
    expect(analyzeGraph(model).hasErrors).toBe(false)
    expect(analyzeGraph(model, { forTraining: true }).issues.map((i) => i.code)).toEqual(['NO_CLASSIFIER'])
  })
})

describe('branches and batchnorm', () => {
  const model = parseModelFile({
    format: 'cnn-studio.graph', version: 1,
    nodes: [
      { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } },
      { id: 'a', type: 'conv2d', attrs: { filters: 3, kernel: 3, padding: 'same' } },
      { id: 'bn', type: 'batchnorm' },
      { id: 'b', type: 'conv2d', attrs: { filters: 4, kernel: 1 } },
      { id: 'sum', type: 'add' },
      { id: 'cat', type: 'concat' },
    ],
    edges: [['in', 'a'], ['a', 'bn'], ['bn', 'sum'], ['in', 'sum'], ['sum', 'cat'], ['in', 'b'], ['b', 'cat']],
  })
  const a = analyzeGraph(model)

  it('add keeps the shape, concat sums the channels, inputs in edge order', () => {
    expect(a.issues).toEqual([])
    expect(a.byId.get('sum')!.outputShape).toEqual([16, 16, 3])
    expect(a.byId.get('sum')!.inputs).toEqual(['bn', 'in'])
    expect(a.byId.get('cat')!.outputShape).toEqual([16, 16, 7])
    expect(a.byId.get('cat')!.inputs).toEqual(['sum', 'b'])
    expect(a.order.indexOf('cat')).toBeGreaterThan(a.order.indexOf('b'))
  })

  it('a merge sees as far as its widest branch', () => {
    expect(a.byId.get('sum')!.receptiveField).toBe(3)
    expect(a.byId.get('cat')!.receptiveField).toBe(3)
  })

  it('batchnorm has 2C trainable and 2C non-trainable parameters', () => {
    const bn = a.byId.get('bn')!
    expect([bn.trainableParams, bn.nonTrainableParams, bn.params]).toEqual([6, 6, 12])
    expect(a.totals.nonTrainableParams).toBe(6)
    expect(a.totals.params).toBe(a.totals.trainableParams + 6)
  })
})
