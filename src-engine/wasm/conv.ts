import { gemmPackedEdges, MR, NR, packWhole } from './gemm'

// Convolution helpers around the GEMM (NHWC, float32): im2col/col2im, bias+ReLU epilogue, column sums,
// and the pools. Channels are contiguous in NHWC, so a whole pixel's channels move as one block.

/** cols[(b, oy, ox), (ky, kx, ci)] = x[b, oy*sh + ky - padTop, ox*sw + kx - padLeft, ci], zero outside. */
export function im2col(x: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cols: usize): void {
  const run = <usize>cin * 4
  let dst = cols
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * <usize>(inH * inW) * run
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - padTop
          if (iy < 0 || iy >= inH) {
            memory.fill(dst, 0, run * <usize>kw)
            dst += run * <usize>kw
            continue
          }
          const rowBase = img + <usize>(iy * inW) * run
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - padLeft
            if (ix < 0 || ix >= inW) memory.fill(dst, 0, run)
            else if (cin <= 4) {
              // A call per pixel costs more than moving 1-4 floats by hand (RGB and grey inputs).
              const src = rowBase + <usize>ix * run
              for (let c: usize = 0; c < run; c += 4) store<f32>(dst + c, load<f32>(src + c))
            } else memory.copy(dst, rowBase + <usize>ix * run, run)
            dst += run
          }
        }
      }
    }
  }
}

/** dx = 0, then dx[pixel read by (row, col)] += dcols[row, col]: the adjoint of im2col. */
export function col2im(dcols: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, dx: usize): void {
  const run = <usize>cin * 4
  memory.fill(dx, 0, <usize>n * <usize>(inH * inW) * run)
  const vec = (cin & 3) == 0
  let src = dcols
  for (let b = 0; b < n; b++) {
    const img = dx + <usize>b * <usize>(inH * inW) * run
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - padTop
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - padLeft
            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
              const dst = img + <usize>(iy * inW + ix) * run
              if (vec) {
                for (let c: usize = 0; c < run; c += 16) v128.store(dst + c, f32x4.add(v128.load(dst + c), v128.load(src + c)))
              } else {
                for (let c: usize = 0; c < run; c += 4) store<f32>(dst + c, load<f32>(dst + c) + load<f32>(src + c))
              }
            }
            src += run
          }
        }
      }
    }
  }
}

/**
 * out[c] = sum over rows of y[r, c] (the bias gradient). 16 columns at a time in registers down all the
 * rows (each column's sum in row order, as the scalar loop adds), then the columns left over one by one.
 */
export function columnSums(y: usize, rows: i32, cols: i32, out: usize): void {
  const stride: usize = <usize>cols * 4
  let c = 0
  for (; c + 16 <= cols; c += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0)
    let p = y + <usize>c * 4
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16))
      s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48))
      p += stride
    }
    const o = out + <usize>c * 4
    v128.store(o, s0); v128.store(o, s1, 16); v128.store(o, s2, 32); v128.store(o, s3, 48)
  }
  for (; c + 4 <= cols; c += 4) {
    let s0 = f32x4.splat(0)
    let p = y + <usize>c * 4
    for (let r = 0; r < rows; r++) { s0 = f32x4.add(s0, v128.load(p)); p += stride }
    v128.store(out + <usize>c * 4, s0)
  }
  for (; c < cols; c++) {
    let s: f32 = 0
    let p = y + <usize>c * 4
    for (let r = 0; r < rows; r++) { s += load<f32>(p); p += stride }
    store<f32>(out + <usize>c * 4, s)
  }
}

/** dy = y > 0 ? dy : 0, in place (ReLU's backward from its output). */
export function reluBackward(y: usize, dy: usize, count: i32): void {
  const zero = f32x4.splat(0)
  const bytes = <usize>count * 4
  const vecEnd = bytes & ~(<usize>15)
  for (let i: usize = 0; i < vecEnd; i += 16) {
    v128.store(dy + i, v128.and(v128.load(dy + i), f32x4.gt(v128.load(y + i), zero)))
  }
  for (let i = vecEnd; i < bytes; i += 4) if (!(load<f32>(y + i) > 0)) store<f32>(dy + i, 0)
}

/** Max pooling with the flat input index of each maximum saved for the backward pass. */
export function maxPoolForward(x: usize, n: i32, inH: i32, inW: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, y: usize, argmax: usize): void {
  const vec = (c & 3) == 0
  const lanes = i32x4(0, 1, 2, 3)
  if (kh == 2 && kw == 2 && tiled(c, inH, inW, kh, kw, sh, sw, padTop, padLeft, outH, outW)) {
    // The common 2x2 / stride 2: four pixels, four vectors, no bounds, indices from one base.
    const rowBytes: usize = <usize>(inW * c) * 4
    let o: usize = 0
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const first = ((b * inH + oy * 2) * inW + ox * 2) * c
          const p = x + <usize>first * 4
          const i0 = i32x4.add(i32x4.splat(first), lanes), i1 = i32x4.add(i0, i32x4.splat(c))
          const i2 = i32x4.add(i0, i32x4.splat(inW * c)), i3 = i32x4.add(i2, i32x4.splat(c))
          for (let ch = 0; ch < c; ch += 4) {
            const q = p + <usize>ch * 4
            const v0 = v128.load(q), v1 = v128.load(q + <usize>c * 4), v2 = v128.load(q + rowBytes), v3 = v128.load(q + rowBytes + <usize>c * 4)
            const chv = i32x4.splat(ch)
            // Strictly greater keeps the first of equal values, as the reference does.
            // (pmax(best, v) = best < v ? v : best: the select of `wins`, in one instruction.)
            let best = v0, at = i32x4.add(i0, chv)
            at = v128.bitselect(i32x4.add(i1, chv), at, f32x4.gt(v1, best)); best = f32x4.pmax(best, v1)
            at = v128.bitselect(i32x4.add(i2, chv), at, f32x4.gt(v2, best)); best = f32x4.pmax(best, v2)
            at = v128.bitselect(i32x4.add(i3, chv), at, f32x4.gt(v3, best)); best = f32x4.pmax(best, v3)
            v128.store(y + o * 4, best)
            v128.store(argmax + o * 4, at)
            o += 4
          }
        }
      }
    }
    return
  }
  let o: usize = 0
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * sh - padTop, 0), y1 = min(oy * sh - padTop + kh, inH)
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(ox * sw - padLeft, 0), x1 = min(ox * sw - padLeft + kw, inW)
        if (vec) {
          // Four channels at a time: keep the larger value and its index where the new one wins.
          for (let ch = 0; ch < c; ch += 4) {
            const first = ((b * inH + y0) * inW + x0) * c + ch
            let best = v128.load(x + <usize>first * 4)
            let at = i32x4.add(i32x4.splat(first), lanes)
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const idx = ((b * inH + iy) * inW + ix) * c + ch
                const v = v128.load(x + <usize>idx * 4)
                const wins = f32x4.gt(v, best)
                best = v128.bitselect(v, best, wins)
                at = v128.bitselect(i32x4.add(i32x4.splat(idx), lanes), at, wins)
              }
            }
            v128.store(y + o * 4, best)
            v128.store(argmax + o * 4, at)
            o += 4
          }
          continue
        }
        for (let ch = 0; ch < c; ch++) {
          let best: f32 = -Infinity
          let at: i32 = -1
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const idx = ((b * inH + iy) * inW + ix) * c + ch
              const v = load<f32>(x + <usize>idx * 4)
              if (v > best || at < 0) { best = v; at = idx }
            }
          }
          store<f32>(y + o * 4, best)
          store<i32>(argmax + o * 4, at)
          o++
        }
      }
    }
  }
}

/**
 * Windows that tile the input (size = stride, no padding before, every window inside the image: 'same'
 * can pad after) with whole SIMD vectors of channels.
 */
// @ts-ignore: decorator
@inline function tiled(c: i32, inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32): bool {
  return (c & 3) == 0 && kh == sh && kw == sw && padTop == 0 && padLeft == 0 && outH * kh <= inH && outW * kw <= inW
}

/**
 * Max pooling's backward. `y` (the pool's output, or 0): when the pool follows a ReLU, route dy only
 * where y > 0, which is the ReLU's backward done in the same pass. Windows that tile the input write
 * every input pixel once (dy where it won, else 0) with no separate zeroing pass.
 */
export function maxPoolBackward(dy: usize, argmax: usize, y: usize, n: i32, inH: i32, inW: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, dx: usize): void {
  const outCount = n * outH * outW * c
  if (!tiled(c, inH, inW, kh, kw, sh, sw, padTop, padLeft, outH, outW)) {
    memory.fill(dx, 0, <usize>(n * inH * inW * c) * 4)
    for (let o = 0; o < outCount; o++) {
      const at = <usize>load<i32>(argmax + <usize>o * 4) * 4
      const g = load<f32>(dy + <usize>o * 4)
      if (y == 0 || load<f32>(y + <usize>o * 4) > 0) store<f32>(dx + at, load<f32>(dx + at) + g)
    }
    return
  }
  // Rows and columns past the last window get no gradient.
  if (outH * kh != inH || outW * kw != inW) memory.fill(dx, 0, <usize>(n * inH * inW * c) * 4)
  const lanes = i32x4(0, 1, 2, 3)
  const zero = f32x4.splat(0)
  let o: usize = 0
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let ch = 0; ch < c; ch += 4) {
          let g = v128.load(dy + o * 4)
          if (y) g = v128.and(g, f32x4.gt(v128.load(y + o * 4), zero))
          const at = v128.load(argmax + o * 4)
          for (let iy = 0; iy < kh; iy++) {
            for (let ix = 0; ix < kw; ix++) {
              const idx = ((b * inH + oy * kh + iy) * inW + ox * kw + ix) * c + ch
              v128.store(dx + <usize>idx * 4, v128.and(g, i32x4.eq(at, i32x4.add(i32x4.splat(idx), lanes))))
            }
          }
          o += 4
        }
      }
    }
  }
}

/**
 * Global average pooling, 4 channels at a time: y[b, c] = mean of x[b, ., ., c]; `backward`: x[b, p, c] =
 * y[b, c] / pixels (x is then the gradient written, y the one read). `c` a multiple of 4.
 */
export function globalAvgPool(x: usize, n: i32, pixels: i32, c: i32, y: usize, backward: bool): void {
  const inv = f32x4.splat(<f32>1 / <f32>pixels)
  const row: usize = <usize>c * 4
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * <usize>pixels * row
    const out = y + <usize>b * row
    for (let ch: usize = 0; ch < row; ch += 16) {
      if (backward) {
        const g = f32x4.mul(v128.load(out + ch), inv)
        for (let p = 0; p < pixels; p++) v128.store(img + <usize>p * row + ch, g)
      } else {
        let s = f32x4.splat(0)
        for (let p = 0; p < pixels; p++) s = f32x4.add(s, v128.load(img + <usize>p * row + ch))
        v128.store(out + ch, f32x4.mul(s, inv))
      }
    }
  }
}

/** Average over the in-bounds pixels of each window (padding not counted). `backward`: spread dy instead. */
export function avgPool(x: usize, n: i32, inH: i32, inW: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, y: usize, backward: bool): void {
  if (backward) memory.fill(x, 0, <usize>n * <usize>(inH * inW * c) * 4)
  let o: usize = 0
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(oy * sh - padTop, 0), y1 = min(oy * sh - padTop + kh, inH)
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(ox * sw - padLeft, 0), x1 = min(ox * sw - padLeft + kw, inW)
        const inv: f32 = 1 / <f32>((y1 - y0) * (x1 - x0))
        for (let ch = 0; ch < c; ch++) {
          if (backward) {
            const g = load<f32>(y + o * 4) * inv
            for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) {
              const p = x + <usize>(((b * inH + iy) * inW + ix) * c + ch) * 4
              store<f32>(p, load<f32>(p) + g)
            }
          } else {
            let s: f32 = 0
            for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += load<f32>(x + <usize>(((b * inH + iy) * inW + ix) * c + ch) * 4)
            store<f32>(y + o * 4, s * inv)
          }
          o++
        }
      }
    }
  }
}

/** Output pixels per block of convForwardPacked: 16 panels of MR rows. */
const PB: i32 = 96

export function convPackedScratchBytes(k: i32, cout: i32): i32 {
  return ((cout + NR - 1) / NR * NR * k + PB * k) * 4
}

/** Row `r` of the packed-A panels at `ap` (K = kh*kw*cin deep): output pixel (b, oy, ox)'s window, zero outside the input. */
// @ts-ignore: decorator
@inline function packWindow(x: usize, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, K: i32, b: i32, oy: i32, ox: i32, ap: usize, r: i32): void {
  const lane: usize = MR * 4
  let dst = ap + <usize>((r / MR) * K * MR + r % MR) * 4
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * sh + ky - padTop
    if (iy < 0 || iy >= inH) {
      for (let e = 0; e < kw * cin; e++) { store<f32>(dst, 0); dst += lane }
      continue
    }
    const rowBase = x + <usize>((b * inH + iy) * inW) * <usize>cin * 4
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * sw + kx - padLeft
      if (ix < 0 || ix >= inW) {
        for (let c = 0; c < cin; c++) { store<f32>(dst, 0); dst += lane }
        continue
      }
      const src = rowBase + <usize>(ix * cin) * 4
      for (let c = 0; c < cin; c++) { store<f32>(dst, load<f32>(src + <usize>c * 4)); dst += lane }
    }
  }
}

/**
 * A conv's forward with im2col written straight into the GEMM's packed-A panels, a block of PB output
 * pixels at a time: one pass over the input where im2col and then the packing made two (the first
 * layers, with 1 or 3 input channels, are all copying). Bias and ReLU in the tiles' epilogue.
 */
export function convForwardPacked(x: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32, w: usize, bias: usize, relu: bool, y: usize, scratch: usize): void {
  const K = kh * kw * cin
  const bp = scratch
  packWhole(w, cout, K, bp)
  const ap = bp + <usize>((cout + NR - 1) / NR * NR * K) * 4
  const M = n * outH * outW, perImage = outH * outW
  for (let r0 = 0; r0 < M; r0 += PB) {
    const rows = min(PB, M - r0)
    for (let r = 0; r < rows; r++) {
      const pix = r0 + r
      const rem = pix % perImage
      packWindow(x, inH, inW, cin, kh, kw, sh, sw, padTop, padLeft, K, pix / perImage, rem / outW, rem % outW, ap, r)
    }
    gemmPackedEdges(ap, rows, bp, cout, K, y + <usize>r0 * <usize>cout * 4, cout, bias, relu)
  }
}

/**
 * Row pairs of the conv's output (each pooled into one output row) that go through the GEMM together:
 * enough for a whole number of MR-row panels (an edge panel costs a copy through the scratch tile) and
 * about PB rows at least.
 */
function pairsPerBlock(outW: i32): i32 {
  const rows = 2 * outW
  let g: i32 = 1
  while ((g * rows) % MR != 0) g++
  return g * max(1, PB / (g * rows))
}

export function convPoolScratchBytes(k: i32, cout: i32, outW: i32): i32 {
  const rows = pairsPerBlock(outW) * 2 * outW
  return ((cout + NR - 1) / NR * NR * k + (rows + MR - 1) / MR * MR * k + rows * cout) * 4
}

/**
 * A conv + bias + ReLU, then a 2x2 stride-2 max-pool, in one pass. A few pairs of the conv's output rows
 * at a time go through the GEMM into a tile that stays in the cache and are pooled from there, so the conv's
 * whole output is never written nor read back. Each value is the GEMM's own (the same sums as
 * convForwardPacked), so the answers equal the unfused layers' exactly. `argmax` (or 0): where each max
 * was, as maxPoolForward keeps it (training); inference passes 0.
 * y: [n, outH / 2, outW / 2, cout] (an odd last row or column of the conv is left out, as the pool does).
 */
export function convPoolForwardPacked(x: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32, w: usize, bias: usize, y: usize, argmax: usize, scratch: usize): void {
  const K = kh * kw * cin
  const bp = scratch
  packWhole(w, cout, K, bp)
  const G = pairsPerBlock(outW), rowsOfPair = 2 * outW
  const ap = bp + <usize>((cout + NR - 1) / NR * NR * K) * 4
  const tile = ap + <usize>((G * rowsOfPair + MR - 1) / MR * MR * K) * 4
  const pairBytes: usize = <usize>(rowsOfPair * cout) * 4
  const pH = outH / 2, pW = outW / 2, pairs = n * pH
  const pooledRow: usize = <usize>(pW * cout) * 4
  for (let p0 = 0; p0 < pairs; p0 += G) {
    const g = min(G, pairs - p0)
    // Pair p is image p / pH, pooled row p % pH: conv rows 2 (p % pH) and the one below it.
    for (let j = 0; j < g; j++) {
      const b = (p0 + j) / pH, oy = 2 * ((p0 + j) % pH)
      for (let r = 0; r < rowsOfPair; r++) packWindow(x, inH, inW, cin, kh, kw, sh, sw, padTop, padLeft, K, b, oy + r / outW, r % outW, ap, j * rowsOfPair + r)
    }
    gemmPackedEdges(ap, g * rowsOfPair, bp, cout, K, tile, cout, bias, true)
    for (let j = 0; j < g; j++) {
      const p = p0 + j
      const o = <usize>p * pooledRow
      poolRowPair(tile + <usize>j * pairBytes, outW, cout, pW, y + o, argmax ? argmax + o : 0, ((p / pH) * outH + 2 * (p % pH)) * outW * cout)
    }
  }
}

/**
 * One window of the one-pass conv + ReLU + 2x2 stride-2 max-pool (every conv's pooled forward: poolRowPair
 * below, the Winograd variants' output transforms), 4 channels: its pixels v0 (top left), v1 (top right), v2
 * (bottom left), v3 (bottom right), with bias, before or after the ReLU. The max goes to `y`; with `argmax`
 * (or 0) the flat index in the conv's output [n, outH, outW, N] of each lane's max, where v0's first lane is
 * `first` and `rowN` = outW * N. Values and indices equal the unfused conv then maxPoolForward's, which
 * compares max(v, 0) in this order with strictly greater winning (the first of equals wins). The ReLU comes
 * once, after the max: where the window's max is > 0 the same pixel wins either way (the ReLU leaves it and
 * every pixel that ties it alone); where it is not, every pixel is 0 after the ReLU, so the first (v0) wins.
 * A NaN wins neither way unless it is v0, and then stays (the ReLU keeps a NaN).
 */
// @ts-ignore: decorator
@inline export function poolWindow(v0: v128, v1: v128, v2: v128, v3: v128, y: usize, argmax: usize, first: i32, N: i32, rowN: i32): void {
  // pmax(best, v) = best < v ? v : best, one instruction: v wins only where strictly greater (a NaN only where
  // it is v0), as the compare in `wins` says.
  const best1 = f32x4.pmax(v0, v1), best2 = f32x4.pmax(best1, v2), best = f32x4.pmax(best2, v3)
  const zero = f32x4.splat(0)
  v128.store(y, f32x4.max(best, zero))
  if (!argmax) return
  const wins1 = f32x4.gt(v1, v0), wins2 = f32x4.gt(v2, best1), wins3 = f32x4.gt(v3, best2)
  const a0 = i32x4.add(i32x4.splat(first), i32x4(0, 1, 2, 3))
  let off = v128.and(i32x4.splat(N), wins1)
  off = v128.bitselect(i32x4.splat(rowN), off, wins2)
  off = v128.bitselect(i32x4.splat(rowN + N), off, wins3)
  v128.store(argmax, i32x4.add(a0, v128.and(off, f32x4.gt(best, zero))))
}

/**
 * The 2x2 stride-2 max-pool of two conv rows held in `t` (outW pixels of cout channels each) into pW pooled
 * pixels at y. `argmax` (or 0) gets each max's flat index in the conv's output, whose first of these two rows
 * starts at index `first`. Compared as maxPoolForward does (strictly greater: the first of equals wins).
 */
export function poolRowPair(t: usize, outW: i32, cout: i32, pW: i32, y: usize, argmax: usize, first: i32): void {
  const pixel: usize = <usize>cout * 4, second: usize = <usize>(outW * cout) * 4
  let o: usize = 0
  for (let px = 0; px < pW; px++) {
    const q = t + <usize>(2 * px) * pixel
    const i0 = first + 2 * px * cout
    let ch = 0
    for (; ch + 4 <= cout; ch += 4) {
      const at = q + <usize>ch * 4
      poolWindow(v128.load(at), v128.load(at + pixel), v128.load(at + second), v128.load(at + second + pixel), y + o, argmax ? argmax + o : 0, i0 + ch, cout, outW * cout)
      o += 16
    }
    for (; ch < cout; ch++) {
      const at = q + <usize>ch * 4
      let best = load<f32>(at), idx = i0 + ch
      if (load<f32>(at + pixel) > best) { best = load<f32>(at + pixel); idx = i0 + ch + cout }
      if (load<f32>(at + second) > best) { best = load<f32>(at + second); idx = i0 + ch + outW * cout }
      if (load<f32>(at + second + pixel) > best) { best = load<f32>(at + second + pixel); idx = i0 + ch + outW * cout + cout }
      store<f32>(y + o, best)
      if (argmax) store<i32>(argmax + o, idx)
      o += 4
    }
  }
}
