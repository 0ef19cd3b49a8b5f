// Learn's conv and pool explanations: the course's numbers, and on random problems the explanation held to
// the engine's own kernels (reference float64 and the WebAssembly fast kernels), forward and backward.
import { beforeAll, describe, expect, it } from 'vitest'
import { windowGeometry } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import type { Kernels } from '../../../src-engine/core/kernels/types.ts'
import {
  convGradients, convOutput, convStep, explainPlayground, gapStep, LearnInputError, poolStep, weightTerms, type ConvProblem,
} from '../../../src-engine/core/insight/learn/index.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'

const ref = referenceKernels('float64')
let fast: Kernels<Float32Array>
beforeAll(async () => {
  fast = await fastKernels()
})

const IMAGE_5 = '1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0'
const X_KERNEL = '1 0 1; 0 1 0; 1 0 1'

describe("the course's numbers", () => {
  it('a 3x3 filter over the 5x5 binary image gives 4 3 4 / 2 4 3 / 2 3 4', () => {
    const r = explainPlayground({ image: IMAGE_5, kernels: X_KERNEL }, ref)
    expect(r.output).toEqual([[[4, 3, 4], [2, 4, 3], [2, 3, 4]]])
    expect(r.steps).toHaveLength(9)
    const first = r.steps[0]
    expect(first.window).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]])
    expect(first.products).toEqual([[1, 0, 1, 0, 1, 0, 0, 0, 1]])
    expect(first.value).toBe(4)
    // the fast kernels give the same output
    expect(explainPlayground({ image: IMAGE_5, kernels: X_KERNEL }, fast).output).toEqual([[[4, 3, 4], [2, 4, 3], [2, 3, 4]]])
  })

  it('two 3x3x3 filters on a 7x7x3 padded input give a 3x3x2 output, each filter summing every channel plus one bias', () => {
    const rng = new Rng(7)
    const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1))
    const image = Array.from({ length: 3 }, () => Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => int(0, 2))))
    const filters = Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => int(-1, 1)))))
    const bias = [1, 0]
    const r = explainPlayground({ image, kernels: filters, bias, stride: 2, padding: 1 }, ref)
    // Independent: pad to 7x7x3 by hand, slide with stride 2.
    const padded = image.map((ch) => [Array(7).fill(0), ...ch.map((row) => [0, ...row, 0]), Array(7).fill(0)])
    const expected = filters.map((f, k) => Array.from({ length: 3 }, (_, oy) => Array.from({ length: 3 }, (_, ox) => {
      let s = bias[k]
      for (let c = 0; c < 3; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += padded[c][2 * oy + i][2 * ox + j] * f[c][i][j]
      return s
    })))
    expect(r.output).toEqual(expected)
    const step = r.steps.find((s) => s.filter === 1 && s.at[0] === 0 && s.at[1] === 0)!
    expect(step.padding.filter(Boolean)).toHaveLength(5) // the top row and the left column of the window
    expect(step.channelSums).toHaveLength(3)
    expect(step.channelSums.reduce((a, b) => a + b, 0) + step.bias).toBe(expected[1][0][0])
  })

  it('with stride 2 on a 5x5 input, w1 collects a1, a3, a11 and a13 times the four upstream gradients', () => {
    const image = Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, c) => r * 5 + c + 1).join(' ')).join('; ') // a1..a25
    const r = explainPlayground({ image, kernels: '1 2 3; 4 5 6; 7 8 9', stride: 2, dout: '0.5 -1; 2 0.25' }, ref)
    const w1 = r.terms![0][0][0][0]
    expect(w1.map((t) => t.input)).toEqual([[0, 0], [0, 2], [2, 0], [2, 2]])
    expect(w1.map((t) => t.dout)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]])
    expect(w1.map((t) => t.product)).toEqual([1 * 0.5, 3 * -1, 11 * 2, 13 * 0.25])
    expect(r.weightGrad![0][0][0][0]).toBe(1 * 0.5 + 3 * -1 + 11 * 2 + 13 * 0.25)
    expect(r.biasGrad).toEqual([0.5 - 1 + 2 + 0.25])
    expect(r.unseen).toEqual({ rows: 0, cols: 0 })
  })
})

/** A random conv and its upstream gradient. */
function randomProblem(rng: Rng, h: number, w: number, cin: number, cout: number, k: number, stride: number, pad: number): { p: ConvProblem; dout: number[][][] } {
  const geometry = windowGeometry(h, w, k, stride, pad)
  const vals = (n: number) => Float64Array.from({ length: n }, () => rng.next() * 2 - 1)
  const p: ConvProblem = { h, w, cin, cout, x: vals(h * w * cin), weights: vals(k * k * cin * cout), bias: vals(cout), geometry }
  const dout = Array.from({ length: cout }, () => Array.from({ length: geometry.outH }, () => Array.from({ length: geometry.outW }, () => rng.next() * 2 - 1)))
  return { p, dout }
}

const close = (a: number, b: number, scale = 1) => expect(Math.abs(a - b)).toBeLessThan(2e-5 * Math.max(1, scale))

describe('on random convs the explanation equals the engine (reference and fast kernels)', () => {
  const rng = new Rng(19)
  const cases: [number, number, number, number, number, number, number][] = [
    // h, w, cin, cout, kernel, stride, padding
    [5, 5, 1, 1, 3, 1, 0], [7, 6, 3, 2, 3, 2, 1], [8, 9, 4, 3, 3, 3, 2], [6, 6, 2, 1, 2, 2, 0],
    [9, 7, 1, 3, 5, 2, 2], [4, 5, 4, 2, 1, 1, 1], [10, 10, 3, 3, 3, 1, 1], [7, 7, 2, 2, 4, 3, 0],
  ]
  for (const [h, w, cin, cout, k, s, pad] of cases) {
    it(`${h}x${w}x${cin}, ${cout} filter(s) ${k}x${k}, stride ${s}, padding ${pad}`, () => {
      const { p, dout } = randomProblem(rng, h, w, cin, cout, k, s, pad)
      const g = p.geometry
      for (const kernels of [ref, fast] as Kernels[]) {
        const out = convOutput(p, kernels)
        for (let f = 0; f < cout; f++) for (let r = 0; r < g.outH; r++) for (let c = 0; c < g.outW; c++) {
          const step = convStep(p, f, [r, c])
          close(step.value, out[f][r][c], k * Math.sqrt(cin))
          close(step.channelSums.reduce((a, b) => a + b, 0) + step.bias, step.value)
        }
        const grads = convGradients(p, dout, kernels)
        for (let f = 0; f < cout; f++) {
          close(grads.biasGrad[f], dout[f].flat().reduce((a, b) => a + b, 0), g.outH)
          for (let c = 0; c < cin; c++) for (let kr = 0; kr < k; kr++) for (let kc = 0; kc < k; kc++) {
            const terms = weightTerms(p, dout, f, c, kr, kc)
            close(terms.reduce((a, t) => a + t.product, 0), grads.weightGrad[f][c][kr][kc], g.outH)
            for (const t of terms) expect(t.input[0] >= 0 && t.input[1] >= 0 && t.input[0] < h && t.input[1] < w).toBe(true)
          }
        }
        // dL/dx from the windows: every window adds weight x upstream gradient to each input cell it covers.
        const dx = Array.from({ length: cin }, () => Array.from({ length: h }, () => new Array<number>(w).fill(0)))
        for (let f = 0; f < cout; f++) for (let r = 0; r < g.outH; r++) for (let c = 0; c < g.outW; c++) {
          const step = convStep(p, f, [r, c])
          step.window.forEach(([ir, ic], i) => {
            if (!step.padding[i]) for (let ch = 0; ch < cin; ch++) dx[ch][ir][ic] += step.weights[ch][i] * dout[f][r][c]
          })
        }
        for (let ch = 0; ch < cin; ch++) for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) close(grads.inputGrad[ch][r][c], dx[ch][r][c], cout * k)
      }
    })
  }
})

describe('pools and global average pooling', () => {
  const rng = new Rng(3)
  for (const [kind, k, s, pad] of [['max', 2, 2, 0], ['max', 3, 2, 1], ['avg', 2, 2, 0], ['avg', 3, 1, 1]] as const) {
    it(`${kind} pool ${k}x${k} stride ${s} padding ${pad}: the winner or mean is the kernels' value`, () => {
      const h = 6, w = 5, c = 2
      const p = { kind, h, w, c, x: Float64Array.from({ length: h * w * c }, () => rng.next() * 2 - 1), geometry: windowGeometry(h, w, k, s, pad) }
      for (const kernels of [ref, fast] as Kernels[]) {
        for (let ch = 0; ch < c; ch++) for (let r = 0; r < p.geometry.outH; r++) for (let col = 0; col < p.geometry.outW; col++) {
          const step = poolStep(p, ch, [r, col], kernels)
          if (kind === 'max') {
            const inside = step.values.filter((v): v is number => v !== null)
            expect(step.winner).not.toBeNull()
            expect(step.values[step.winner!]).toBe(Math.max(...inside))
            close(step.value, step.values[step.winner!]!)
          } else {
            close(step.value, step.mean)
          }
        }
      }
    })
  }
  it("a channel's global average is the kernels' mean", () => {
    const x = Float64Array.from({ length: 4 * 3 * 2 }, (_, i) => i)
    for (const kernels of [ref, fast] as Kernels[]) {
      const g = gapStep(x, 4, 3, 2, 1, kernels)
      expect(g.count).toBe(12)
      close(g.value, g.mean)
      expect(g.mean).toBe(Array.from({ length: 12 }, (_, p) => 2 * p + 1).reduce((a, b) => a + b, 0) / 12)
    }
  })
})

describe('bad playground input names its field and computes nothing', () => {
  const bad: [Parameters<typeof explainPlayground>[0], string, RegExp][] = [
    [{ image: '1 2; 3', kernels: '1' }, 'image', /row 2 has 1 numbers but row 1 has 2/],
    [{ image: '1 2; 3 4|1 2 3; 4 5 6', kernels: '1' }, 'image', /channel 2 is 2x3 but channel 1 is 2x2/],
    [{ image: '1 2; 3 x', kernels: '1' }, 'image', /'x' is not a number/],
    [{ image: '1 2; 3 4|1 2; 3 4', kernels: '1' }, 'kernels', /1 channel but the image has 2/],
    [{ image: '1 2; 3 4', kernels: '1 1 1; 1 1 1; 1 1 1' }, 'kernels', /larger than the 2x2 padded image/],
    [{ image: '1 2; 3 4', kernels: '1', stride: 0 }, 'stride', /whole number from 1/],
    [{ image: '1 2; 3 4', kernels: '1', padding: '-1' }, 'padding', /whole number from 0/],
    [{ image: '1 2; 3 4', kernels: '1', bias: '1,2' }, 'bias', /2 biases for 1 filter/],
    [{ image: '1 2; 3 4', kernels: '1', dout: '1 2 3; 4 5 6' }, 'dout', /2x3 but the output is 2x2/],
    [{ image: [[[1, 2], [3]]], kernels: [[[[1]]]] }, 'image', /unequal/],
  ]
  for (const [input, field, message] of bad) {
    it(`${field}: ${message.source}`, () => {
      // the field it names and the reason, not just that it throws
      expect(() => explainPlayground(input, ref)).toThrow(expect.objectContaining({ field, message: expect.stringMatching(message) }))
      expect(() => explainPlayground(input, ref)).toThrow(LearnInputError)
    })
  }
})
