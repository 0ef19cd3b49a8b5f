// Sliding-window arithmetic shared by conv2d and the pools: the canvas, the validator, the engine and
// the exporters all call this one function (CONVENTIONS.md 4; tfjs `computeConv2DInfo` is the model).
import type { Pair, Padding } from './types.ts'

export interface WindowGeometry {
  kh: number
  kw: number
  sh: number
  sw: number
  padTop: number
  padBottom: number
  padLeft: number
  padRight: number
  outH: number
  outW: number
  /** `(N + padBefore + padAfter - F) mod S` per axis: input rows/columns at the far edge no window reaches. */
  droppedRows: number
  droppedCols: number
}

export function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]]
}

/**
 * Output size and padding of a window of `kernel` sliding with `stride` over an `inH x inW` input.
 * `floor((N + 2P - F) / S) + 1`; `"same"` gives `ceil(N / S)` with the padding split TensorFlow's way,
 * the extra pixel at the bottom/right. `outH`/`outW` may come out below 1: the caller reports that.
 */
export function windowGeometry(inH: number, inW: number, kernel: Pair, stride: Pair, padding: Padding): WindowGeometry {
  const [kh, kw] = pair(kernel)
  const [sh, sw] = pair(stride)
  let padTop: number, padBottom: number, padLeft: number, padRight: number
  if (padding === 'same') {
    const totalH = Math.max((Math.ceil(inH / sh) - 1) * sh + kh - inH, 0)
    const totalW = Math.max((Math.ceil(inW / sw) - 1) * sw + kw - inW, 0)
    padTop = Math.floor(totalH / 2)
    padBottom = totalH - padTop
    padLeft = Math.floor(totalW / 2)
    padRight = totalW - padLeft
  } else if (padding === 'valid') {
    padTop = padBottom = padLeft = padRight = 0
  } else {
    const [ph, pw] = pair(padding)
    padTop = padBottom = ph
    padLeft = padRight = pw
  }
  const spanH = inH + padTop + padBottom - kh
  const spanW = inW + padLeft + padRight - kw
  const outH = Math.floor(spanH / sh) + 1
  const outW = Math.floor(spanW / sw) + 1
  return {
    kh, kw, sh, sw, padTop, padBottom, padLeft, padRight, outH, outW,
    droppedRows: spanH >= 0 ? spanH % sh : 0,
    droppedCols: spanW >= 0 ? spanW % sw : 0,
  }
}
