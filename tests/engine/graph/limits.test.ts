// The edges of the arithmetic: padding and sizes that are absurd or not finite, layers whose product of
// allowed sizes is absurd, pools whose padding leaves windows with no pixel (PyTorch's rule), and inputs
// that stand for a feature map (any channel count) for the lecture's block arithmetic.
import { describe, expect, it } from 'vitest'
import { analyzeGraph, getLayer, parseModelFile, windowGeometry, type GraphAnalysis, type NodeSpec } from '../../../src-engine/core/graph/index.ts'
import { MAX_TENSOR } from '../../../src-engine/core/graph/limits.ts'

function chain(input: [number, number, number], ...layers: [string, string, Record<string, unknown>?][]): GraphAnalysis {
  const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: input[0], width: input[1], channels: input[2] } }]
  for (const [id, type, attrs] of layers) nodes.push(attrs ? { id, type, attrs } : { id, type })
  const edges = nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string])
  return analyzeGraph(parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges }))
}
const errors = (a: GraphAnalysis) => a.issues.filter((i) => i.severity === 'error')

describe('padding, sizes and strides are bounded', () => {
  it.each([{ padding: 1e308 }, { padding: 1_000_000 }, { padding: 1025 }, { padding: [1, 1e308] }, { padding: -1 }, { padding: 1.5 }])('conv2d padding $padding is a BAD_ATTR, with no infinite shape or MACs', ({ padding }) => {
    const a = chain([8, 8, 3], ['c', 'conv2d', { filters: 8, kernel: 3, padding }])
    expect(errors(a)).toHaveLength(1)
    expect(errors(a)[0]).toMatchObject({ code: 'BAD_ATTR', nodeId: 'c' })
    expect(errors(a)[0].message).toMatch(/conv2d c: 'padding' is .*a whole number from 0 to 1024.*P = \(F - 1\) \/ 2 keeps the size/)
    expect(a.byId.get('c')!.outputShape).toBeNull()
    expect(Number.isFinite(a.totals.macs)).toBe(true)
  })

  it('the largest padding allowed still gives exact numbers', () => {
    const a = chain([8, 8, 3], ['c', 'conv2d', { filters: 8, kernel: 3, padding: 1024 }])
    expect(errors(a)).toEqual([])
    expect(a.byId.get('c')!.outputShape).toEqual([2054, 2054, 8]) // (8 + 2*1024 - 3) / 1 + 1
  })

  it.each([{ name: 'kernel', value: 1e308 }, { name: 'stride', value: 4096 }, { name: 'kernel', value: [3, Infinity] }])('conv2d $name $value is a BAD_ATTR', ({ name, value }) => {
    const a = chain([8, 8, 3], ['c', 'conv2d', { filters: 8, kernel: 3, [name]: value }])
    expect(errors(a).map((i) => [i.code, i.nodeId])).toEqual([['BAD_ATTR', 'c']])
  })

  it('an output too large for one layer is a BAD_ATTR that says how large and what to change', () => {
    const a = chain([4096, 4096, 3], ['c', 'conv2d', { filters: 65536, kernel: 3, padding: 1024 }], ['r', 'relu'])
    expect(errors(a)).toHaveLength(1)
    const [e] = errors(a)
    expect(e).toMatchObject({ code: 'BAD_ATTR', nodeId: 'c' })
    expect(e.message).toBe('conv2d c: its output 6142x6142x65536 holds 2,472,290,811,904 numbers per image (9.0 TiB of float32); ' +
      'the studio handles up to 2,147,483,647 (8.0 GiB) in one layer: downsample before it (a stride or a pool), or use fewer filters')
    expect(a.byId.get('r')!.outputShape).toBeNull() // no cascade
  })

  it('an input of absurd size, and MACs past exact counting, are refused; the totals stay finite', () => {
    const big = chain([4096, 4096, 65536])
    expect(errors(big)[0]).toMatchObject({ code: 'BAD_ATTR', nodeId: 'in' })
    expect(errors(big)[0].message).toMatch(/input in: its 4096x4096x65536 images hold 1,099,511,627,776 numbers each .*use smaller images or fewer channels/)
    const macs = chain([64, 64, 60000], ['c', 'conv2d', { filters: 60000, kernel: 1024, padding: 'same' }])
    expect(errors(macs)[0]).toMatchObject({ code: 'BAD_ATTR', nodeId: 'c' })
    expect(errors(macs)[0].message).toMatch(/multiply-accumulates per image, more than the studio counts exactly \(9,007,199,254,740,991\)/)
    for (const a of [big, macs]) for (const v of Object.values(a.totals)) expect(Number.isSafeInteger(v)).toBe(true)
  })

  it('channels doubled by concat stop at the layer limit instead of overflowing', () => {
    const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: 1, width: 1, channels: 1 } }]
    const edges: [string, string][] = []
    for (let i = 0; i < 40; i++) {
      nodes.push({ id: `k${i}`, type: 'concat' })
      edges.push([nodes[i].id, `k${i}`], [nodes[i].id, `k${i}`])
    }
    const a = analyzeGraph(parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges }))
    expect(errors(a).map((i) => i.nodeId)).toEqual(['k30']) // 2^31 channels > 2^31 - 1
    expect(a.byId.get('k29')!.outputShape).toEqual([1, 1, 2 ** 30])
    expect(2 ** 30).toBeLessThan(MAX_TENSOR)
  })

  it('a receptive field past exact numbers is left unknown rather than infinite', () => {
    const pools = Array.from({ length: 1100 }, (_, i) => [`p${i}`, 'maxpool2d', { size: 2, padding: 'same' }] as [string, string, Record<string, unknown>])
    const a = chain([1, 1, 1], ...pools)
    expect(a.issues).toEqual([])
    expect(a.byId.get('p10')!.receptiveField).toBe(2 ** 11) // 1 + (2 - 1) * (1 + 2 + ... + 2^10)
    expect(a.byId.get('p1099')!.receptiveField).toBeNull()
  })
})

describe('pool padding: at most half the window (PyTorch)', () => {
  it('the smallest case of the issue is refused with a teaching message', () => {
    const a = chain([2, 2, 1], ['c', 'conv2d', { filters: 4, kernel: 1 }], ['p1', 'maxpool2d', { size: 1, padding: 1 }], ['f', 'flatten'], ['d', 'dense', { units: 2 }], ['s', 'softmax'])
    expect(errors(a)).toHaveLength(1)
    expect(errors(a)[0]).toMatchObject({ code: 'BAD_ATTR', nodeId: 'p1' })
    expect(errors(a)[0].message).toBe("maxpool2d p1: padding 1 with a 1x1 window: some windows would see only padding (PyTorch allows padding up to half the window, 0 here), " +
      "and a maximum over no pixels is -infinity; use padding 0 or 'same', or a window of at least 2x2")
    expect(a.byId.get('c')!.outputShape).toEqual([2, 2, 4])
  })

  it('per axis, for average pooling too', () => {
    const a = chain([9, 9, 2], ['p', 'avgpool2d', { size: [3, 4], padding: [1, 3] }])
    expect(errors(a)[0].message).toBe("avgpool2d p: padding [1, 3] with a 3x4 window: some windows would see only padding (PyTorch allows padding up to half the window, [1, 2] here), " +
      "and an average over no pixels is 0/0; use padding [1, 2] or 'same', or a window of at least 3x6")
  })

  it('half the window, any stride, and \'same\' are allowed, and then every window holds a pixel', () => {
    for (const k of [1, 2, 3, 4, 5]) {
      for (const s of [1, 2, 3, 7]) {
        for (const n of [1, 2, 3, 5, 8]) {
          for (const padding of [Math.floor(k / 2), 'same'] as const) {
            const a = chain([n, n, 1], ['p', 'maxpool2d', { size: k, stride: s, padding }])
            if (errors(a).length) {
              expect(errors(a).map((i) => i.code)).toEqual(['OUTPUT_TOO_SMALL'])
              continue
            }
            const g = windowGeometry(n, n, k, s, padding)
            for (let o = 0; o < g.outH; o++) {
              const first = o * s - g.padTop
              expect(Math.min(first + k, n) - Math.max(first, 0)).toBeGreaterThanOrEqual(1)
            }
          }
        }
      }
    }
  })
})

describe('inputs that stand for a feature map', () => {
  it('32x32x200 -> conv 1x1 16 -> conv 5x5 32 same: 16,384,000 MACs against 163,840,000 without the 1x1', () => {
    const withBottleneck = chain([32, 32, 200], ['b', 'conv2d', { filters: 16, kernel: 1 }], ['c', 'conv2d', { filters: 32, kernel: 5, padding: 'same' }])
    const without = chain([32, 32, 200], ['c', 'conv2d', { filters: 32, kernel: 5, padding: 'same' }])
    expect(withBottleneck.issues).toEqual([])
    expect(withBottleneck.byId.get('c')!.outputShape).toEqual([32, 32, 32])
    expect(withBottleneck.byId.get('b')!.macs).toBe(32 * 32 * 16 * 200) // 3,276,800
    expect(withBottleneck.byId.get('c')!.macs).toBe(32 * 32 * 32 * 25 * 16) // 13,107,200
    expect(withBottleneck.totals.macs).toBe(16_384_000)
    expect(without.totals.macs).toBe(163_840_000)
  })

  it('7x7x512 into flatten + dense against GAP + dense', () => {
    const flat = chain([7, 7, 512], ['f', 'flatten'], ['d', 'dense', { units: 10 }])
    const gap = chain([7, 7, 512], ['g', 'globalavgpool'], ['d', 'dense', { units: 10 }])
    expect(flat.totals.params).toBe(7 * 7 * 512 * 10 + 10)
    expect(gap.totals.params).toBe(512 * 10 + 10)
  })

  it.each([0, -3, 2.5, 65537])('channels %s is a BAD_ATTR', (channels) => {
    const a = chain([8, 8, channels])
    expect(errors(a).map((i) => [i.code, i.nodeId])).toEqual([['BAD_ATTR', 'in']])
    expect(errors(a)[0].message).toContain('a whole number from 1 to 65536')
  })

  it('the palette summary and the help text say what each count means', () => {
    const def = getLayer('input')!
    expect(def.summary).toMatch(/1 \(grey\) or 3 \(RGB\).*any channel count stands for a feature map/)
    expect(def.attrs.channels).toMatchObject({ kind: 'int', min: 1, default: 3 })
    expect(def.attrs.channels.help).toMatch(/1 for greyscale, 3 for RGB colour: training needs the dataset's/)
  })
})
