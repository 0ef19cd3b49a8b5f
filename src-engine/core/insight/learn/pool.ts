// Pools explained the way convs are: which input won a max-pool window (the kernel's own argmax), the mean of
// an average window (over its in-bounds cells, as the kernels count it), a channel's mean for global average
// pooling. The values are the kernels' (maxPoolForward, avgPoolForward); the window's cells come from the
// geometry, and tests hold the two together.
import type { WindowGeometry } from '../../graph/window.ts'
import type { FloatArray, Kernels, WindowDims } from '../../kernels/types.ts'
import { windowCells, type Cell } from './window.ts'

/** One pool on one image: x [H, W, C]. */
export interface PoolProblem {
  kind: 'max' | 'avg'
  h: number
  w: number
  c: number
  x: ArrayLike<number>
  geometry: WindowGeometry
}

export interface PoolStep {
  kind: 'max' | 'avg'
  channel: number
  at: Cell
  window: Cell[]
  padding: boolean[]
  /** [cell]: the input value, null on padding (it never wins a max and is not counted in a mean). */
  values: (number | null)[]
  /** Max: the window cell whose input the kernel picked; null for an average. */
  winner: number | null
  /** Average: the in-bounds cells, their sum and mean; for a max, the same for reference. */
  count: number
  sum: number
  mean: number
  /** The kernel's output at `at`. */
  value: number
}

export interface GapStep {
  channel: number
  count: number
  sum: number
  mean: number
  /** The kernel's global average (avgPoolForward over the whole map). */
  value: number
}

const dimsOf = (p: { h: number; w: number; c: number; geometry: WindowGeometry }): WindowDims => ({ ...p.geometry, n: 1, inH: p.h, inW: p.w, cin: p.c, cout: p.c })

function run<T extends FloatArray>(p: PoolProblem, kernels: Kernels<T>): { y: T; argmax: Int32Array | null; d: WindowDims } {
  const d = dimsOf(p)
  const x = kernels.alloc(p.h * p.w * p.c)
  for (let i = 0; i < x.length; i++) x[i] = p.x[i]
  const y = kernels.alloc(d.outH * d.outW * p.c)
  if (p.kind === 'max') {
    const argmax = kernels.allocIndex(y.length)
    kernels.maxPoolForward(d, x, y, argmax)
    return { y, argmax, d }
  }
  kernels.avgPoolForward(d, x, y)
  return { y, argmax: null, d }
}

/** The window at `at` of `channel`, with the kernels' value and (max) winner. */
export function poolStep<T extends FloatArray>(p: PoolProblem, channel: number, at: Cell, kernels: Kernels<T>): PoolStep {
  const { y, argmax, d } = run(p, kernels)
  const { cells, padding } = windowCells(p.geometry, p.h, p.w, at)
  const values = cells.map(([r, c], k) => (padding[k] ? null : p.x[(r * p.w + c) * p.c + channel]))
  const o = (at[0] * d.outW + at[1]) * p.c + channel
  let winner: number | null = null
  if (argmax) winner = cells.findIndex(([r, c], k) => !padding[k] && (r * p.w + c) * p.c + channel === argmax[o])
  const inside = values.filter((v): v is number => v !== null)
  const sum = inside.reduce((a, b) => a + b, 0)
  return { kind: p.kind, channel, at, window: cells, padding, values, winner: winner !== null && winner >= 0 ? winner : null, count: inside.length, sum, mean: inside.length ? sum / inside.length : 0, value: y[o] }
}

/** x [H, W, C]: the mean of one channel, explained and from the kernels (one window over the whole map). */
export function gapStep<T extends FloatArray>(x: ArrayLike<number>, h: number, w: number, c: number, channel: number, kernels: Kernels<T>): GapStep {
  const geometry: WindowGeometry = { kh: h, kw: w, sh: 1, sw: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, outH: 1, outW: 1, droppedRows: 0, droppedCols: 0 }
  const { y } = run({ kind: 'avg', h, w, c, x, geometry }, kernels)
  let sum = 0
  for (let p = 0; p < h * w; p++) sum += x[p * c + channel]
  return { channel, count: h * w, sum, mean: sum / (h * w), value: y[channel] }
}
