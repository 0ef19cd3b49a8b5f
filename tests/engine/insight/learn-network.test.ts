// Learn on a real network: receptive-field boxes through stacked convs, pools, strides, padding and an add
// branch, at the image's corners, against graph analysis's receptive field; the stepper's window on a
// block's own feature maps against what the Network computed; the effective receptive field against
// central differences of the unit through the network's forward pass.
import { describe, expect, it } from 'vitest'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { effectiveReceptiveField, explainNodeStep, layerOf, receptiveField, StepError } from '../../../src-engine/core/insight/learn/index.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { analyzed, chainModel, type L } from '../../helpers/graphs.ts'

const head: L[] = [['gap', 'globalavgpool'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']]
const conv = (id: string, extra: Record<string, unknown> = {}): L => [id, 'conv2d', { filters: 2, kernel: 3, ...extra }]

describe('receptive-field boxes', () => {
  it('three stacked 3x3 convs see a 7x7 patch', () => {
    const a = analyzed(chainModel([12, 12, 1], [conv('c1'), conv('c2'), conv('c3'), ...head]))
    const rf = receptiveField(a, 'c3', [2, 3])
    expect(rf.box).toEqual([2, 3, 8, 9])
    expect(rf.size).toEqual([7, 7])
    expect(rf.padding).toBe(0)
    expect(rf.size).toEqual(a.byId.get('c3')!.receptiveFieldHW)
  })

  it("'same' padding: at the top-left and bottom-right corners the box is clipped and the rest counted as padding", () => {
    const a = analyzed(chainModel([8, 8, 1], [conv('c1', { padding: 'same' }), conv('c2', { padding: 'same' }), conv('c3', { padding: 'same' }), ...head]))
    const tl = receptiveField(a, 'c3', [0, 0])
    expect(tl.unclipped).toEqual([-3, -3, 3, 3])
    expect(tl.box).toEqual([0, 0, 3, 3])
    expect(tl.padding).toBe(49 - 16)
    const br = receptiveField(a, 'c3', [7, 7])
    expect(br.box).toEqual([4, 4, 7, 7])
    expect(br.padding).toBe(33)
    const mid = receptiveField(a, 'c3', [4, 4])
    expect(mid.size).toEqual(a.byId.get('c3')!.receptiveFieldHW)
  })

  it('through a pool and strides the box grows by the jump', () => {
    const a = analyzed(chainModel([20, 20, 1], [conv('c1'), ['p1', 'maxpool2d', { size: 2 }], conv('c2', { stride: 2 }), conv('c3'), ...head]))
    // c3 (1,1) -> c2 rows 1..3 -> (stride 2) p1 rows 2..8 -> (pool 2) c1 rows 4..17 -> input rows 4..19
    const rf = receptiveField(a, 'c3', [1, 1])
    expect(rf.box).toEqual([4, 4, 19, 19])
    expect(rf.size).toEqual(a.byId.get('c3')!.receptiveFieldHW)
    expect(receptiveField(a, 'p1', [0, 0]).box).toEqual([0, 0, 3, 3])
  })

  it('an add branch: the union of the paths, as wide as the widest', () => {
    const model = chainModel([10, 10, 1], [conv('c1', { padding: 'same' }), conv('c2', { padding: 'same' }), ['add', 'add'], ...head], [['c1', 'add']])
    const a = analyzed(model)
    const rf = receptiveField(a, 'add', [4, 4])
    expect(rf.box).toEqual([2, 2, 6, 6])
    expect(rf.size).toEqual(a.byId.get('add')!.receptiveFieldHW)
    // a unit after global pooling sees the whole image
    expect(receptiveField(a, 'fc', [0, 0]).box).toEqual([0, 0, 9, 9])
  })
})

const kernels = referenceKernels('float64')

function network(model: ModelFile, seed = 5): { net: Network; image: Float64Array } {
  const a = analyzed(model)
  const net = new Network(a, kernels, 1, seed)
  for (const p of net.params) if (p.name.endsWith('.bias')) p.value.fill(0.05)
  const rng = new Rng(seed)
  const image = Float64Array.from({ length: net.inputSize }, () => rng.next() * 2 - 1)
  net.input.set(image)
  net.forward(1, false)
  return { net, image }
}

const sample = () => chainModel([10, 10, 2], [
  conv('c1', { padding: 'same', filters: 3 }), ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
  conv('c2', { padding: 1, stride: 2 }), ['a2', 'avgpool2d', { size: 2, padding: 'same' }], conv('c3', { padding: 'same' }), ['add', 'add'], ...head,
], [['a2', 'add']])

describe('the stepper on a network', () => {
  it("each window's value is the layer's output; a fused ReLU gives the activated value", () => {
    const { net } = network(sample())
    for (const id of ['c1', 'c2', 'c3']) {
      const l = layerOf(net, id)!
      const [oh, ow, oc] = l.info.outputShape as number[]
      for (let r = 0; r < oh; r++) for (let c = 0; c < ow; c++) for (let f = 0; f < oc; f++) {
        const s = explainNodeStep(net, id, [r, c], f)
        if (s.kind !== 'conv') throw new Error('expected a conv step')
        const out = l.out[(r * ow + c) * oc + f]
        expect(s.relu).toBe(id === 'c1')
        if (s.relu) {
          expect(s.activated).toBe(out)
          expect(Math.abs(Math.max(0, s.step.value) - out)).toBeLessThan(1e-12)
        } else expect(Math.abs(s.step.value - out)).toBeLessThan(1e-12)
      }
    }
    const p = explainNodeStep(net, 'p1', [2, 3], 1)
    if (p.kind !== 'pool') throw new Error('expected a pool step')
    expect(p.step.value).toBe(p.output)
    expect(p.step.values[p.step.winner!]).toBe(p.output)
    const g = explainNodeStep(net, 'gap', [0, 0], 0)
    if (g.kind !== 'gap') throw new Error('expected a gap step')
    expect(Math.abs(g.step.mean - g.output)).toBeLessThan(1e-12)
  })

  it('refuses a node that is not a conv or pool, a position outside the output, a filter out of range', () => {
    const { net } = network(sample())
    const field = (f: () => unknown) => { try { f() } catch (e) { return e instanceof StepError ? `${e.field}: ${e.message}` : String(e) } return 'no error' }
    expect(field(() => explainNodeStep(net, 'r1', [0, 0], 0))).toMatch(/^node: node r1 is a relu, not a conv or pool/)
    expect(field(() => explainNodeStep(net, 'c2', [3, 0], 0))).toMatch(/^at: c2: position 3,0 is outside the 3x3 output/)
    expect(field(() => explainNodeStep(net, 'c2', [0, 0], 2))).toMatch(/^filter: filter 2 is out of range: c2 has 2/)
    expect(field(() => explainNodeStep(net, 'nope', [0, 0], 0))).toMatch(/^node: /)
  })

  it('the effective receptive field is |d unit / d input| (central differences) and lies inside the box', () => {
    const model = sample()
    const { net, image } = network(model)
    const a = analyzed(model)
    for (const [id, at, ch] of [['c3', [1, 1], 0], ['add', [0, 1], 1], ['c1', [0, 9], 2], ['p1', [4, 0], 0]] as [string, [number, number], number][]) {
      const erf = effectiveReceptiveField(net, id, at, ch)
      const info = a.byId.get(id)!
      const [, ow, oc] = info.outputShape as number[]
      const unitOf = (x: Float64Array) => {
        net.input.set(x)
        net.forward(1, false)
        return layerOf(net, id)!.out[(at[0] * ow + at[1]) * oc + ch]
      }
      const x = Float64Array.from(image)
      const eps = 1e-6
      const [H, W, C] = [10, 10, 2]
      const box = receptiveField(a, id, at).box
      let nonzero = 0
      for (let p = 0; p < H * W; p++) {
        let s = 0
        for (let c = 0; c < C; c++) {
          const i = p * C + c, keep = x[i]
          x[i] = keep + eps
          const up = unitOf(x)
          x[i] = keep - eps
          s += Math.abs((up - unitOf(x)) / (2 * eps))
          x[i] = keep
        }
        expect(Math.abs(erf.map[p] - s)).toBeLessThan(1e-5)
        const [r, col] = [Math.floor(p / W), p % W]
        if (erf.map[p] > 0) {
          nonzero++
          expect(r >= box[0] && r <= box[2] && col >= box[1] && col <= box[3]).toBe(true)
        }
      }
      expect(nonzero).toBeGreaterThan(0)
    }
  })
})
