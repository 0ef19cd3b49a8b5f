// One convolution, explained: the arithmetic of a window (products per input channel, their sums, the bias,
// the value), the whole output, and the backward pass split into the terms each shared weight collects.
// The numbers a student checks against come from the engine's own kernels (conv2dForward,
// conv2dBackwardFilter, conv2dBackwardInput: reference or fast, whichever are passed in); the explanation
// is built from the window geometry, and tests hold the two to each other (ARCHITECTURE.md: never a second
// implementation of the numbers shown as the engine's).
import type { WindowGeometry } from '../../graph/window.ts'
import type { FloatArray, Kernels, WindowDims } from '../../kernels/types.ts'
import { toChannels, windowCells, type Cell } from './window.ts'

/** One conv on one image. Tensors as the engine holds them: x [H, W, Cin], weights [kh, kw, Cin, Cout], bias [Cout]. */
export interface ConvProblem {
  h: number
  w: number
  cin: number
  cout: number
  x: ArrayLike<number>
  weights: ArrayLike<number>
  bias: ArrayLike<number> | null
  geometry: WindowGeometry
}

export interface ConvStep {
  filter: number
  /** Output position [row, col]. */
  at: Cell
  /** Input cells under the window, row-major over the kernel; cells outside the image are padding. */
  window: Cell[]
  padding: boolean[]
  /** [channel][cell]: the input value (0 on padding), the filter's weight, their product. */
  inputs: number[][]
  weights: number[][]
  products: number[][]
  /** Per input channel: the sum of its products. */
  channelSums: number[]
  /** All products added. */
  sum: number
  bias: number
  /** sum + bias: the output before any activation. */
  value: number
}

/** One term of dL/dw: the input value the weight met at an output position times the upstream gradient there. */
export interface GradTerm {
  input: Cell
  dout: Cell
  product: number
}

export interface ConvGradients {
  /** [filter][channel][kr][kc], from the kernels' conv2dBackwardFilter. */
  weightGrad: number[][][][]
  /** [filter]. */
  biasGrad: number[]
  /** [channel][row][col], from conv2dBackwardInput. */
  inputGrad: number[][][]
}

export const convDims = (p: ConvProblem): WindowDims => ({ ...p.geometry, n: 1, inH: p.h, inW: p.w, cin: p.cin, cout: p.cout })

const copyInto = <T extends FloatArray>(k: Kernels<T>, v: ArrayLike<number>, length = v.length): T => {
  const a = k.alloc(length)
  for (let i = 0; i < v.length; i++) a[i] = v[i]
  return a
}

/** The window at output `at` for `filter`: every product, the sums, the bias and the value. */
export function convStep(p: ConvProblem, filter: number, at: Cell): ConvStep {
  const { kh, kw } = p.geometry
  const { cells, padding } = windowCells(p.geometry, p.h, p.w, at)
  const inputs: number[][] = [], weights: number[][] = [], products: number[][] = [], channelSums: number[] = []
  for (let c = 0; c < p.cin; c++) {
    const xs: number[] = [], ws: number[] = [], ps: number[] = []
    let s = 0
    for (let k = 0; k < kh * kw; k++) {
      const [r, col] = cells[k]
      const x = padding[k] ? 0 : p.x[(r * p.w + col) * p.cin + c]
      const wv = p.weights[(k * p.cin + c) * p.cout + filter]
      xs.push(x); ws.push(wv); ps.push(x * wv)
      s += x * wv
    }
    inputs.push(xs); weights.push(ws); products.push(ps); channelSums.push(s)
  }
  const sum = channelSums.reduce((a, b) => a + b, 0)
  const bias = p.bias ? p.bias[filter] : 0
  return { filter, at, window: cells, padding, inputs, weights, products, channelSums, sum, bias, value: sum + bias }
}

/** The kernels' forward: [filter][row][col]; `relu` as a fused ReLU applies it. */
export function convOutput<T extends FloatArray>(p: ConvProblem, kernels: Kernels<T>, relu = false): number[][][] {
  const d = convDims(p)
  const algo = kernels.chooseConv?.(d) ?? 'gemm'
  const y = kernels.alloc(d.outH * d.outW * p.cout)
  kernels.conv2dForward(d, copyInto(kernels, p.x), copyInto(kernels, p.weights), p.bias ? copyInto(kernels, p.bias) : null, y, relu, algo)
  return toChannels(y, d.outH, d.outW, p.cout)
}

/** The kernels' backward for an upstream gradient dout [filter][row][col]. */
export function convGradients<T extends FloatArray>(p: ConvProblem, dout: number[][][], kernels: Kernels<T>): ConvGradients {
  const d = convDims(p)
  const { kh, kw } = p.geometry
  const algo = kernels.chooseConv?.(d) ?? 'gemm'
  const dy = kernels.alloc(d.outH * d.outW * p.cout)
  for (let f = 0; f < p.cout; f++) for (let r = 0; r < d.outH; r++) for (let c = 0; c < d.outW; c++) dy[(r * d.outW + c) * p.cout + f] = dout[f][r][c]
  const x = copyInto(kernels, p.x), w = copyInto(kernels, p.weights)
  const dw = kernels.alloc(kh * kw * p.cin * p.cout), db = kernels.alloc(p.cout), dx = kernels.alloc(p.h * p.w * p.cin)
  kernels.conv2dBackwardFilter(d, x, dy, dw, db, algo)
  kernels.conv2dBackwardInput(d, dy, w, dx, algo)
  const weightGrad = Array.from({ length: p.cout }, (_, f) => Array.from({ length: p.cin }, (_, c) =>
    Array.from({ length: kh }, (_, kr) => Array.from({ length: kw }, (_, kc) => dw[((kr * kw + kc) * p.cin + c) * p.cout + f]))))
  return { weightGrad, biasGrad: Array.from(db), inputGrad: toChannels(dx, p.h, p.w, p.cin) }
}

/**
 * dL/dw for weight (filter, channel, kr, kc) as its sum: one term per output position whose window put the
 * weight on an input cell (a window over padding multiplies a zero, so that term is left out).
 */
export function weightTerms(p: ConvProblem, dout: number[][][], filter: number, channel: number, kr: number, kc: number): GradTerm[] {
  const g = p.geometry
  const terms: GradTerm[] = []
  for (let oy = 0; oy < g.outH; oy++) {
    for (let ox = 0; ox < g.outW; ox++) {
      const r = oy * g.sh - g.padTop + kr, c = ox * g.sw - g.padLeft + kc
      if (r < 0 || c < 0 || r >= p.h || c >= p.w) continue
      terms.push({ input: [r, c], dout: [oy, ox], product: p.x[(r * p.w + c) * p.cin + channel] * dout[filter][oy][ox] })
    }
  }
  return terms
}

/** weightTerms for every weight: [filter][channel][kr][kc] -> its terms. */
export function allWeightTerms(p: ConvProblem, dout: number[][][]): GradTerm[][][][][] {
  const { kh, kw } = p.geometry
  return Array.from({ length: p.cout }, (_, f) => Array.from({ length: p.cin }, (_, c) =>
    Array.from({ length: kh }, (_, kr) => Array.from({ length: kw }, (_, kc) => weightTerms(p, dout, f, c, kr, kc)))))
}
