// Reference kernels: plain loops written straight from the definitions, in float32 or float64. They are
// the yardstick every fast kernel is tested against, and (in float64) what gradients are checked with.
// Convolution is the lecture's formula, summed over input channels, plus bias:
//   y[n, i, j, co] = b[co] + sum_a sum_b sum_ci x[n, i*S + a - P, j*S + b - P, ci] * w[a, b, ci, co]
import type { FloatArray, Kernels, WindowDims } from './types.ts'

export type Dtype = 'float32' | 'float64'

/** Shared memory where the runtime has it (Node, workers, cross-origin-isolated pages), plain otherwise. */
function buffer(bytes: number): ArrayBufferLike {
  return typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)
}

export function referenceKernels(dtype: 'float64'): Kernels<Float64Array>
export function referenceKernels(dtype?: 'float32'): Kernels<Float32Array>
export function referenceKernels(dtype: Dtype): Kernels<FloatArray>
export function referenceKernels(dtype: Dtype = 'float32'): Kernels<FloatArray> {
  const alloc = dtype === 'float64'
    ? (n: number) => new Float64Array(buffer(Math.max(n, 1) * 8), 0, n)
    : (n: number) => new Float32Array(buffer(Math.max(n, 1) * 4), 0, n)
  return {
    name: `reference-${dtype}`,
    alloc,
    allocIndex: (n: number) => new Int32Array(buffer(Math.max(n, 1) * 4), 0, n),

    gemm(transA, transB, m, n, k, a, b, c, accumulate, bias, relu) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0
          for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j])
          s = (accumulate ? c[i * n + j] + s : s) + (bias ? bias[j] : 0)
          c[i * n + j] = relu && s < 0 ? 0 : s
        }
      }
    },

    conv2dForward(d, x, w, bias, y, relu) {
      const { n, inH, inW, cin, cout, kh, kw, sh, sw, padTop, padLeft, outH, outW } = d
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < outH; i++) {
          for (let j = 0; j < outW; j++) {
            for (let co = 0; co < cout; co++) {
              let s = bias ? bias[co] : 0
              for (let a = 0; a < kh; a++) {
                const yy = i * sh + a - padTop
                if (yy < 0 || yy >= inH) continue // zero padding contributes nothing
                for (let bb = 0; bb < kw; bb++) {
                  const xx = j * sw + bb - padLeft
                  if (xx < 0 || xx >= inW) continue
                  for (let ci = 0; ci < cin; ci++) {
                    s += x[((b * inH + yy) * inW + xx) * cin + ci] * w[((a * kw + bb) * cin + ci) * cout + co]
                  }
                }
              }
              y[((b * outH + i) * outW + j) * cout + co] = relu && s < 0 ? 0 : s
            }
          }
        }
      }
    },

    // dL/dx[n, yy, xx, ci] = sum over every output position that read that pixel of w * dy (chain rule).
    conv2dBackwardInput(d, dy, w, dx) {
      const { n, inH, inW, cin, cout, kh, kw, sh, sw, padTop, padLeft, outH, outW } = d
      dx.fill(0, 0, n * inH * inW * cin)
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < outH; i++) {
          for (let j = 0; j < outW; j++) {
            for (let co = 0; co < cout; co++) {
              const g = dy[((b * outH + i) * outW + j) * cout + co]
              for (let a = 0; a < kh; a++) {
                const yy = i * sh + a - padTop
                if (yy < 0 || yy >= inH) continue
                for (let bb = 0; bb < kw; bb++) {
                  const xx = j * sw + bb - padLeft
                  if (xx < 0 || xx >= inW) continue
                  for (let ci = 0; ci < cin; ci++) dx[((b * inH + yy) * inW + xx) * cin + ci] += w[((a * kw + bb) * cin + ci) * cout + co] * g
                }
              }
            }
          }
        }
      }
    },

    // Weight sharing: each dL/dw is the sum over all output positions of (input there) * (upstream gradient).
    conv2dBackwardFilter(d, x, dy, dw, db) {
      const { n, inH, inW, cin, cout, kh, kw, sh, sw, padTop, padLeft, outH, outW } = d
      for (let a = 0; a < kh; a++) {
        for (let bb = 0; bb < kw; bb++) {
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) {
              let s = 0
              for (let b = 0; b < n; b++) {
                for (let i = 0; i < outH; i++) {
                  const yy = i * sh + a - padTop
                  if (yy < 0 || yy >= inH) continue
                  for (let j = 0; j < outW; j++) {
                    const xx = j * sw + bb - padLeft
                    if (xx < 0 || xx >= inW) continue
                    s += x[((b * inH + yy) * inW + xx) * cin + ci] * dy[((b * outH + i) * outW + j) * cout + co]
                  }
                }
              }
              dw[((a * kw + bb) * cin + ci) * cout + co] = s
            }
          }
        }
      }
      if (db) {
        for (let co = 0; co < cout; co++) {
          let s = 0
          for (let p = 0; p < n * outH * outW; p++) s += dy[p * cout + co]
          db[co] = s
        }
      }
    },

    reluBackward(y, dy, length) {
      for (let i = 0; i < length; i++) if (!(y[i] > 0)) dy[i] = 0
    },

    maxPoolForward(d, x, y, argmax) {
      window(d, (o, idx) => {
        let best = -Infinity
        let at = -1
        for (const i of idx) if (x[i] > best || at < 0) { best = x[i]; at = i }
        y[o] = best
        argmax[o] = at
      })
    },

    maxPoolBackward(d, dy, argmax, dx, reluOf) {
      dx.fill(0, 0, d.n * d.inH * d.inW * d.cin)
      const total = d.n * d.outH * d.outW * d.cout
      for (let o = 0; o < total; o++) if (!reluOf || reluOf[o] > 0) dx[argmax[o]] += dy[o]
    },

    avgPoolForward(d, x, y) {
      window(d, (o, idx) => {
        let s = 0
        for (const i of idx) s += x[i]
        y[o] = s / idx.length
      })
    },

    avgPoolBackward(d, dy, dx) {
      dx.fill(0, 0, d.n * d.inH * d.inW * d.cin)
      window(d, (o, idx) => {
        for (const i of idx) dx[i] += dy[o] / idx.length
      })
    },
  }
}

/** Calls `visit(outputIndex, inputIndices)` for every pooling window, listing only in-bounds input pixels. */
function window(d: WindowDims, visit: (o: number, idx: number[]) => void): void {
  const { n, inH, inW, cin, kh, kw, sh, sw, padTop, padLeft, outH, outW } = d
  const idx: number[] = []
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        for (let c = 0; c < cin; c++) {
          idx.length = 0
          for (let a = 0; a < kh; a++) {
            const yy = i * sh + a - padTop
            if (yy < 0 || yy >= inH) continue
            for (let bb = 0; bb < kw; bb++) {
              const xx = j * sw + bb - padLeft
              if (xx >= 0 && xx < inW) idx.push(((b * inH + yy) * inW + xx) * cin + c)
            }
          }
          visit(((b * outH + i) * outW + j) * cin + c, idx)
        }
      }
    }
  }
}
