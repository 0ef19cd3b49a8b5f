// Grad-CAM's channel weights follow one rule whatever follows the explained conv: alpha_k is the spatial
// mean of d score_c / d A_k, A the map the network holds (rectified where its ReLU is fused). They are held
// here to a computation that does not use the network's backward: the class score as a function of A, run
// forward through the rest of the model alone, differentiated by central differences (exact for the linear
// stretches after the ReLU); a max-pool routes each window's derivative to its first maximum, as
// autograd does. The feature maps' `rectified` is the network's own fusion, dead-end branches included.
import { describe, expect, it } from 'vitest'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { featureMaps, gradCam, type InferenceNet } from '../../../src-engine/core/insight/index.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { analyzed, chainModel, type L } from '../../helpers/graphs.ts'
import { deadEnd } from '../nn/models.ts'

const kernels = referenceKernels('float64')

/** A float64 network of `model` with seeded weights; `c1`'s bias pushed down so that the ReLU zeroes whole regions. */
function inference(model: ModelFile): InferenceNet {
  const analysis = analyzed(model)
  const net = new Network(analysis, kernels, 1, 11)
  net.params.find((p) => p.name === 'c1.bias')!.value.fill(-0.3)
  const input = analysis.nodes.find((n) => n.type === 'input')!
  return { net, analysis, inputShape: input.outputShape as [number, number, number], classes: net.classes }
}

/** An image whose left half is zero (c1's map is 0 there: only its negative bias reaches it) and right half noise. */
function image(m: InferenceNet): Float64Array {
  const [H, W, C] = m.inputShape
  const rng = new Rng(4)
  const x = new Float64Array(H * W * C)
  for (let y = 0; y < H; y++) for (let xx = W / 2; xx < W; xx++) for (let c = 0; c < C; c++) x[(y * W + xx) * C + c] = rng.normal()
  return x
}

/** The rest of the model from `shape` on, with the full network's weights: the class score as a function of its input. */
function tail(m: InferenceNet, shape: number[], layers: L[]): (x: Float64Array, c: number) => number {
  const net = new Network(analyzed(chainModel(shape as [number, number, number], layers)), kernels, 1, 1)
  for (const p of net.params) p.value.set(m.net.params.find((q) => q.name === p.name)!.value)
  const logits = net.layers.find((l) => l.info.id === 'fc')!
  return (x, c) => {
    net.input.set(x)
    net.forward(1, false)
    return logits.out[c]
  }
}

/** d score_c / d x by central differences. */
function numericGradient(score: (x: Float64Array, c: number) => number, at: Float64Array, c: number): Float64Array {
  const g = new Float64Array(at.length)
  const x = Float64Array.from(at)
  const eps = 1e-3
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]
    x[i] = keep + eps
    const up = score(x, c)
    x[i] = keep - eps
    g[i] = (up - score(x, c)) / (2 * eps)
    x[i] = keep
  }
  return g
}

/** The map [h, w, K] of a layer after a forward of `x`, and the spatial mean of a gradient of that shape. */
function mapOf(m: InferenceNet, id: string, x: Float64Array): { A: Float64Array; shape: [number, number, number] } {
  m.net.input.set(x)
  m.net.forward(1, false)
  const l = m.net.layers.find((k) => k.info.id === id)!
  return { A: Float64Array.from(l.out.subarray(0, l.outSize)), shape: l.info.outputShape as [number, number, number] }
}
function channelMeans(g: Float64Array, [h, w, K]: [number, number, number]): number[] {
  const a = new Array<number>(K).fill(0)
  for (let p = 0; p < h * w; p++) for (let k = 0; k < K; k++) a[k] += g[p * K + k] / (h * w)
  return a
}

/** A 2x2 stride-2 max-pool's backward, written out: each window's derivative to its first maximum. */
function routeToMax(A: Float64Array, [h, w, K]: [number, number, number], dP: Float64Array): { g: Float64Array; zeroWindowsWithGradient: number } {
  const g = new Float64Array(A.length)
  let zeroWindowsWithGradient = 0
  for (let oy = 0; oy < h / 2; oy++) {
    for (let ox = 0; ox < w / 2; ox++) {
      for (let k = 0; k < K; k++) {
        let best = -Infinity, at = -1
        for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
          const i = ((2 * oy + dy) * w + 2 * ox + dx) * K + k
          if (A[i] > best) { best = A[i]; at = i }
        }
        const d = dP[(oy * (w / 2) + ox) * K + k]
        g[at] += d
        if (best === 0 && Math.abs(d) > 1e-6) zeroWindowsWithGradient++
      }
    }
  }
  return { g, zeroWindowsWithGradient }
}

const conv: L[] = [['c1', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['r1', 'relu']]
const head: L[] = [['fc', 'dense', { units: 3 }], ['out', 'softmax']]

describe("Grad-CAM's channel weights: d score / d the explained conv's rectified map, whatever follows", () => {
  const linear: [string, L[]][] = [
    ['an average pool', [['p', 'avgpool2d', { size: 2 }], ['f', 'flatten'], ...head]],
    ['a global average pool', [['g', 'globalavgpool'], ...head]],
    ['a dense layer', [['f', 'flatten'], ...head]],
  ]
  for (const [name, after] of linear) {
    it(`conv -> ReLU -> ${name}`, () => {
      const m = inference(chainModel([8, 8, 2], [...conv, ...after]))
      const x = image(m)
      const { A, shape } = mapOf(m, 'c1', x)
      expect(A.filter((v) => v === 0).length).toBeGreaterThan(A.length / 3) // the zeroed half
      const score = tail(m, shape, after)
      for (const c of [0, 1, 2]) {
        const g = gradCam(m, Float32Array.from(x), { classIndex: c, layerId: 'c1' })
        const expected = channelMeans(numericGradient(score, A, c), shape)
        g.weights.forEach((v, k) => expect(v, `class ${c} channel ${k}`).toBeCloseTo(expected[k], 8))
      }
    })
  }

  it('conv -> ReLU -> 2x2 max-pool (the pool does the ReLU backward in training; not for Grad-CAM)', () => {
    const after: L[] = [['f', 'flatten'], ...head]
    const m = inference(chainModel([8, 8, 2], [...conv, ['p', 'maxpool2d', { size: 2 }], ...after]))
    expect(m.net.plan.byId.get('c1')!.maskingPool).toBe('p')
    const x = image(m)
    const { A, shape } = mapOf(m, 'c1', x)
    const pooled = mapOf(m, 'p', x)
    const score = tail(m, pooled.shape, after)
    let zeroWindows = 0
    for (const c of [0, 1, 2]) {
      const g = gradCam(m, Float32Array.from(x), { classIndex: c, layerId: 'c1' })
      const routed = routeToMax(A, shape, numericGradient(score, pooled.A, c))
      zeroWindows += routed.zeroWindowsWithGradient
      const expected = channelMeans(routed.g, shape)
      g.weights.forEach((v, k) => expect(v, `class ${c} channel ${k}`).toBeCloseTo(expected[k], 8))
    }
    // Windows whose map is all 0 carry a derivative: the rule the ReLU's mask would break is exercised.
    expect(zeroWindows).toBeGreaterThan(0)
  })
})

describe('a conv feeding a ReLU and a dead-end branch', () => {
  it("feature maps call its map rectified, as the network fused it, and Grad-CAM weighs that map", () => {
    const m = inference(deadEnd())
    const x = image(m)
    const maps = featureMaps(m, Float32Array.from(x))
    const c1 = maps.find((f) => f.nodeId === 'c1')!
    expect(m.net.plan.byId.get('c1')!.fusesRelu).toBe(true)
    expect(c1.rectified).toBe(true)
    expect(Math.min(...c1.data)).toBe(0) // rectified indeed: the negative bias is cut
    expect(maps.map((f) => f.nodeId)).toEqual(['c1', 'p', 'c2']) // the dead-end branch is not computed
    // Explaining c1: through the max-pool, then c2 -> global average -> dense (linear: exact differences).
    const { A, shape } = mapOf(m, 'c1', x)
    const pooled = mapOf(m, 'p', x)
    const score = tail(m, pooled.shape, [['c2', 'conv2d', { filters: 8, kernel: 3 }], ['gap', 'globalavgpool'], ...head])
    const g = gradCam(m, Float32Array.from(x), { classIndex: 1, layerId: 'c1' })
    const expected = channelMeans(routeToMax(A, shape, numericGradient(score, pooled.A, 1)).g, shape)
    g.weights.forEach((v, k) => expect(v, `channel ${k}`).toBeCloseTo(expected[k], 8))
  })
})
