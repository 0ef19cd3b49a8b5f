// Winograd F(8x8, 3x3): each 8x8 output tile from a 10x10 input tile, 100 multiplies per 64 outputs instead
// of 576 (5.76x fewer; F(6x6) saves 5.06x, F(4x4) 4x). Its tiles cover maps of 8, 16, 32 whole, where
// F(6x6)'s waste as much as F(4x4) saves (SmallCNN's 32x32, 16x16 and 8x8 layers). Same scheme as winograd6.ts: per block of TB tiles, V = B^T d B written into the GEMM's
// packed-A panels, one GEMM per position against U = G g G^T in packed-B panels, then Y = A^T M A with bias
// and ReLU, or the one-pass ReLU + 2x2 max-pool; the input gradient is the flipped conv (`flip`), the weight
// gradient dU = V^T (A dY A^T) per position, then dW = G^T dU G.
// The interpolation points 0, +-1, +-5/4, +-5/2, +-2/5 and infinity: of the symmetric sets with small
// fractions tried (scripts/winograd-points.py), the smallest float32 error, 3e-5 to 6e-5 of a tile's
// largest output, ten times F(6x6)'s (the kernel tests' tolerances say by how much); the powers of 2
// (0, +-1, +-2, +-1/2, +-4) give 5e-4.
//   B^T (rows: the points, then infinity) = Lagrange's numerators; row p's odd columns change sign at -p:
//     [25/16 0 -805/64 0 30381/1600 0 -3589/400 0 1 0]                    (0)
//     [0 -25/16 -25/16 705/64 705/64 -3189/400 -3189/400 1 1 0]           (1; -1: odd columns negated)
//     [0 -5/4 -1 741/80 741/100 -741/80 -741/100 5/4 1 0]                 (5/4)
//     [0 -5/8 -1/4 789/160 789/400 -1089/160 -1089/400 5/2 1 0]           (5/2)
//     [0 -125/32 -625/64 225/32 1125/64 -141/40 -141/16 2/5 1 0]          (2/5)
//     [0 25/16 0 -805/64 0 30381/1600 0 -3589/400 0 1]                    (infinity)
//   G: row p = [1 p p^2] / prod(p - q) over the other points; (0) [16/25 0 0]; (infinity) [0 0 1]
//   A^T: row j = p^j over the points, and 1 at infinity in the last row.
import { gemmPacked, madd, MR, NR } from './gemm'
import { convolveVariant, finishRow, rgbM, rgbU, keepTransformed, keptBytes, channels4, channelSlot, pixel, poolTileRows, put4, put4x2, putChannels, rowOr0, dyOr0 } from './winograd-common'

/** Each position's plane (of U, V, M) is padded by a cache line against cache-set conflicts (winograd6.ts). */
const PAD: i32 = 16

/**
 * Tiles per block (one panel of MR): with 100 positions, V and M of a block stay in the L2 cache. Measured
 * (one thread, batch 64): 12 as fast on 16x16 and 24x24, 1.05-1.1x slower on 8x8x64 -> 128; 18 and 24 slower.
 */
const TB: i32 = 6
/** Tiles per block of the weight gradient (the GEMM's depth there; see winograd6.ts TBF): 24 as fast as 12 or faster. */
const TBF: i32 = 24
/** Positions per tile: 10x10. */
const P: i32 = 100

// Scratch in L1: the transforms' middle steps (MID, 100 vectors; MID2: the second tile of a pair), one finished
// row (ROW, ROWB), the pooled forward's second row (ROW2), a filter's taps (ROW9).
const MID: usize = memory.data(100 * 16, 16)
const MID2: usize = memory.data(100 * 16, 16)
const ROW: usize = memory.data(10 * 16, 16)
const ROWB: usize = memory.data(10 * 16, 16)
const ROW2: usize = memory.data(8 * 16, 16)
const ROW9: usize = memory.data(9 * 16, 16)
/** An RGB tile's V (rgbConvolve): 100 positions of 4 channels. */
const VT: usize = memory.data(100 * 16, 16)

export function winograd8ScratchBytes(k: i32, n: i32): i32 {
  const kp = channels4(k), np = (n + NR - 1) / NR * NR
  const u = P * (kp * np + PAD)
  // An RGB input (k = 3) runs tile by tile (rgbConvolve): U alone, no block of V and M.
  return (k == 3 ? u : u + P * (TB * kp + PAD) + P * (TB * np + PAD)) * 4
}

export function winograd8FilterScratchBytes(k: i32, n: i32): i32 {
  const kp = (k + MR - 1) / MR * MR, np = (n + NR - 1) / NR * NR
  return (P * (kp * np + PAD) + P * (TBF * kp + PAD) + P * (TBF * np + PAD)) * 4
}

// @ts-ignore: decorator
@inline function c(v: f32): v128 {
  return f32x4.splat(v)
}

/** B^T d for one column of 10 (4 channels each), stored at out + i * stride. */
// @ts-ignore: decorator
@inline function bt(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, d8: v128, d9: v128, out: usize, stride: usize): void {
  v128.store(out, madd(c(25.0 / 16), d0, madd(c(-805.0 / 64), d2, madd(c(30381.0 / 1600), d4, madd(c(-3589.0 / 400), d6, d8)))))
  v128.store(out + 9 * stride, madd(c(25.0 / 16), d1, madd(c(-805.0 / 64), d3, madd(c(30381.0 / 1600), d5, madd(c(-3589.0 / 400), d7, d9)))))
  // Each pair of points +-p: the even columns' sum e and the odd columns' o give e + o and e - o.
  let e = madd(c(-25.0 / 16), d2, madd(c(705.0 / 64), d4, madd(c(-3189.0 / 400), d6, d8)))
  let o = madd(c(-25.0 / 16), d1, madd(c(705.0 / 64), d3, madd(c(-3189.0 / 400), d5, d7)))
  v128.store(out + stride, f32x4.add(e, o))
  v128.store(out + 2 * stride, f32x4.sub(e, o))
  e = f32x4.sub(madd(c(741.0 / 100), f32x4.sub(d4, d6), d8), d2)
  o = madd(c(-5.0 / 4), f32x4.sub(d1, d7), f32x4.mul(c(741.0 / 80), f32x4.sub(d3, d5)))
  v128.store(out + 3 * stride, f32x4.add(e, o))
  v128.store(out + 4 * stride, f32x4.sub(e, o))
  e = madd(c(-1.0 / 4), d2, madd(c(789.0 / 400), d4, madd(c(-1089.0 / 400), d6, d8)))
  o = madd(c(-5.0 / 8), d1, madd(c(789.0 / 160), d3, madd(c(-1089.0 / 160), d5, f32x4.mul(c(5.0 / 2), d7))))
  v128.store(out + 5 * stride, f32x4.add(e, o))
  v128.store(out + 6 * stride, f32x4.sub(e, o))
  e = madd(c(-625.0 / 64), d2, madd(c(1125.0 / 64), d4, madd(c(-141.0 / 16), d6, d8)))
  o = madd(c(-125.0 / 32), d1, madd(c(225.0 / 32), d3, madd(c(-141.0 / 40), d5, f32x4.mul(c(2.0 / 5), d7))))
  v128.store(out + 7 * stride, f32x4.add(e, o))
  v128.store(out + 8 * stride, f32x4.sub(e, o))
}

/**
 * Loads the 10x10 patch at (y0, x0) of 4 channels (zero outside the image) and leaves B^T d in mid[i * 10 + j]:
 * the caller finishes each row i with `rowTransform` as it stores it.
 */
// @ts-ignore: decorator
@inline function patchTransform(img: usize, inH: i32, inW: i32, K: i32, k: i32, y0: i32, x0: i32, inside: bool, mid: usize, rgb: bool): void {
  const row: usize = <usize>(inW * K) * 4
  for (let j = 0; j < 10; j++) {
    const ix = x0 + j
    const col = img + <usize>(ix * K + k) * 4
    if (inside) {
      const p = col + <usize>y0 * row
      bt(pixel(p, rgb), pixel(p + row, rgb), pixel(p + 2 * row, rgb), pixel(p + 3 * row, rgb), pixel(p + 4 * row, rgb),
        pixel(p + 5 * row, rgb), pixel(p + 6 * row, rgb), pixel(p + 7 * row, rgb), pixel(p + 8 * row, rgb), pixel(p + 9 * row, rgb), mid + <usize>j * 16, 160)
    } else if (ix >= 0 && ix < inW) {
      bt(rowOr0(col, y0, inH, row, rgb), rowOr0(col, y0 + 1, inH, row, rgb), rowOr0(col, y0 + 2, inH, row, rgb), rowOr0(col, y0 + 3, inH, row, rgb),
        rowOr0(col, y0 + 4, inH, row, rgb), rowOr0(col, y0 + 5, inH, row, rgb), rowOr0(col, y0 + 6, inH, row, rgb), rowOr0(col, y0 + 7, inH, row, rgb),
        rowOr0(col, y0 + 8, inH, row, rgb), rowOr0(col, y0 + 9, inH, row, rgb), mid + <usize>j * 16, 160)
    } else {
      const z = f32x4.splat(0)
      for (let i = 0; i < 10; i++) v128.store(mid + <usize>(i * 10 + j) * 16, z)
    }
  }
}

/** Row i of B^T d B (from patchTransform's mid) into out[j], j = 0..9. */
// @ts-ignore: decorator
@inline function rowTransform(mid: usize, i: i32, out: usize): void {
  const m = mid + <usize>i * 160
  bt(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96),
    v128.load(m, 112), v128.load(m, 128), v128.load(m, 144), out, 16)
}

/** G (g0, g1, g2)^T for 4 columns: 10 vectors at out + i * stride. */
// @ts-ignore: decorator
@inline function gcol(g0: v128, g1: v128, g2: v128, out: usize, stride: usize): void {
  v128.store(out, f32x4.mul(g0, c(16.0 / 25)))
  // Row pairs +-p of [1 p p^2] / den: e = (g0 + p^2 g2) / den and o = p g1 / den give e + o and e - o.
  let e = f32x4.mul(f32x4.add(g0, g2), c(800.0 / 3969)), o = f32x4.mul(g1, c(800.0 / 3969))
  v128.store(out + stride, f32x4.add(e, o))
  v128.store(out + 2 * stride, f32x4.sub(e, o))
  e = madd(g0, c(-32768.0 / 378675), f32x4.mul(g2, c(-2048.0 / 15147)))
  o = f32x4.mul(g1, c(-8192.0 / 75735))
  v128.store(out + 3 * stride, f32x4.add(e, o))
  v128.store(out + 4 * stride, f32x4.sub(e, o))
  e = madd(g0, c(512.0 / 959175), f32x4.mul(g2, c(128.0 / 38367)))
  o = f32x4.mul(g1, c(256.0 / 191835))
  v128.store(out + 5 * stride, f32x4.add(e, o))
  v128.store(out + 6 * stride, f32x4.sub(e, o))
  e = madd(g0, c(-3125000.0 / 7174629), f32x4.mul(g2, c(-500000.0 / 7174629)))
  o = f32x4.mul(g1, c(-1250000.0 / 7174629))
  v128.store(out + 7 * stride, f32x4.add(e, o))
  v128.store(out + 8 * stride, f32x4.sub(e, o))
  v128.store(out + 9 * stride, g2)
}

/**
 * U[xi] = G g G^T in packed-B panels (see winograd.ts `weights`), `flip` for the input gradient; 4 output
 * columns at a time (N is a multiple of 4, so they sit in one panel of NR and store as one vector).
 */
function weights(w: usize, cin: i32, cout: i32, flip: bool, up: usize): void {
  const K = flip ? cout : cin, N = flip ? cin : cout, Kp = channels4(K)
  const panels = (N + NR - 1) / NR
  const xi: usize = <usize>(panels * Kp * NR + PAD) * 4
  const zero = f32x4.splat(0)
  for (let k = 0; k < Kp; k++) {
    for (let nn = 0; nn < panels * NR; nn += 4) {
      const base = up + <usize>(((nn / NR) * Kp + k) * NR + nn % NR) * 4
      if (nn >= N || k >= K) {
        for (let e: usize = 0; e < <usize>P; e++) v128.store(base + e * xi, zero)
        continue
      }
      // g[a][b] for columns nn..nn+3: contiguous forward; flipped, w[2 - a][2 - b][nn + c][k] lies cout apart.
      for (let ab = 0; ab < 9; ab++) {
        let g: v128
        if (flip) {
          const q = w + <usize>(((8 - ab) * cin + nn) * cout + k) * 4
          const st: usize = <usize>cout * 4
          g = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(q)), 1, load<f32>(q + st)), 2, load<f32>(q + 2 * st)), 3, load<f32>(q + 3 * st))
        } else {
          g = v128.load(w + <usize>((ab * cin + k) * cout + nn) * 4)
        }
        v128.store(ROW9 + <usize>ab * 16, g)
      }
      // Q = G g column by column (10x3 into MID[i * 3 + b]), then each row of Q times G^T.
      for (let b = 0; b < 3; b++) {
        gcol(v128.load(ROW9 + <usize>b * 16), v128.load(ROW9 + <usize>(3 + b) * 16), v128.load(ROW9 + <usize>(6 + b) * 16), MID + <usize>b * 16, 48)
      }
      for (let i = 0; i < 10; i++) {
        const q = MID + <usize>i * 48
        gcol(v128.load(q), v128.load(q, 16), v128.load(q, 32), base + <usize>(i * 10) * xi, xi)
      }
    }
  }
}

// @ts-ignore: decorator
@inline function inputTransform(x: usize, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, vp: usize, Kp: i32): void {
  if (count < TB) memory.fill(vp, 0, <usize>(P * (TB * Kp + PAD)) * 4)
  const xiStride: usize = <usize>(TB * Kp + PAD) * 4
  const lane: usize = MR * 4
  const perImage = tilesH * tilesW
  const image: usize = <usize>(inH * inW * K) * 4
  // Tiles in pairs, stored side by side (put4x2); a block's last tile alone when the count is odd.
  for (let t = 0; t < count; t += 2) {
    const pair = t + 1 < count
    const g = t0 + t, h = g + 1
    const ya = (g % perImage / tilesW) * 8 - padTop, xa = (g % perImage % tilesW) * 8 - padLeft
    const yb = (h % perImage / tilesW) * 8 - padTop, xb = (h % perImage % tilesW) * 8 - padLeft
    const ina = ya >= 0 && xa >= 0 && ya + 10 <= inH && xa + 10 <= inW
    const inb = yb >= 0 && xb >= 0 && yb + 10 <= inH && xb + 10 <= inW
    const imga = x + <usize>(g / perImage) * image, imgb = x + <usize>(h / perImage) * image
    const out = vp + <usize>((t / MR) * Kp * MR + t % MR) * 4
    for (let k = 0; k < K; k += 4) {
      patchTransform(imga, inH, inW, K, k, ya, xa, ina, MID, false)
      if (pair) patchTransform(imgb, inH, inW, K, k, yb, xb, inb, MID2, false)
      for (let i = 0; i < 10; i++) {
        rowTransform(MID, i, ROW)
        const d = out + <usize>k * lane + <usize>(i * 10) * xiStride
        if (pair) {
          rowTransform(MID2, i, ROWB)
          for (let j = 0; j < 10; j++) put4x2(v128.load(ROW + <usize>j * 16), v128.load(ROWB + <usize>j * 16), d + <usize>j * xiStride, lane)
        } else {
          for (let j = 0; j < 10; j++) put4(v128.load(ROW + <usize>j * 16), d + <usize>j * xiStride, lane)
        }
      }
    }
  }
}

/** A^T m for 10 vectors m0..m9: 8 vectors at out + i * stride. */
// @ts-ignore: decorator
@inline function at(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, m8: v128, m9: v128, out: usize, stride: usize): void {
  // Each pair +-p: the sum s for the even rows (p^j s), the difference d for the odd ones (p^j d).
  const s1 = f32x4.add(m1, m2), d1 = f32x4.sub(m1, m2), s2 = f32x4.add(m3, m4), d2 = f32x4.sub(m3, m4)
  const s3 = f32x4.add(m5, m6), d3 = f32x4.sub(m5, m6), s4 = f32x4.add(m7, m8), d4 = f32x4.sub(m7, m8)
  v128.store(out, f32x4.add(f32x4.add(m0, s1), f32x4.add(f32x4.add(s2, s3), s4)))
  v128.store(out + stride, madd(c(5.0 / 4), d2, madd(c(5.0 / 2), d3, madd(c(2.0 / 5), d4, d1))))
  v128.store(out + 2 * stride, madd(c(25.0 / 16), s2, madd(c(25.0 / 4), s3, madd(c(4.0 / 25), s4, s1))))
  v128.store(out + 3 * stride, madd(c(125.0 / 64), d2, madd(c(125.0 / 8), d3, madd(c(8.0 / 125), d4, d1))))
  v128.store(out + 4 * stride, madd(c(625.0 / 256), s2, madd(c(625.0 / 16), s3, madd(c(16.0 / 625), s4, s1))))
  v128.store(out + 5 * stride, madd(c(3125.0 / 1024), d2, madd(c(3125.0 / 32), d3, madd(c(32.0 / 3125), d4, d1))))
  v128.store(out + 6 * stride, madd(c(15625.0 / 4096), s2, madd(c(15625.0 / 64), s3, madd(c(64.0 / 15625), s4, s1))))
  v128.store(out + 7 * stride, madd(c(78125.0 / 16384), d2, madd(c(78125.0 / 128), d3, madd(c(128.0 / 78125), d4, f32x4.add(d1, m9)))))
}

/**
 * Y = A^T M A + bias (then ReLU where `relu`) for a block's tiles into y [n, outH, outW, N]. `pool`: the
 * one-pass conv + ReLU + 2x2 max-pool instead, as in winograd4.ts (each 8x8 tile at even coordinates holds
 * whole windows): y [n, outH / 2, outW / 2, N], argmax (or 0) alike; the conv's output is never written.
 */
function outputTransform(mp: usize, np: i32, N: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, outH: i32, outW: i32, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const xiStride: usize = <usize>(TB * np + PAD) * 4
  const perImage = tilesH * tilesW
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const oy = (rem / tilesW) * 8, ox = (rem % tilesW) * 8
    if (pool && (outH - oy < 2 || outW - ox < 2)) continue // no whole window in the tile
    const src = mp + <usize>(t * np) * 4
    for (let n = 0; n < N; n += 4) {
      const s = src + <usize>n * 4
      // Columns: (A^T M)[i][j] for each of the 10 columns j, into MID[i * 10 + j].
      for (let j = 0; j < 10; j++) {
        const q = s + <usize>j * xiStride
        at(v128.load(q), v128.load(q + 10 * xiStride), v128.load(q + 20 * xiStride), v128.load(q + 30 * xiStride), v128.load(q + 40 * xiStride),
          v128.load(q + 50 * xiStride), v128.load(q + 60 * xiStride), v128.load(q + 70 * xiStride), v128.load(q + 80 * xiStride), v128.load(q + 90 * xiStride),
          MID + <usize>j * 16, 160)
      }
      finishTile(b, oy, ox, n, N, outH, outW, y, bias, relu, pool, argmax, gap)
    }
  }
}

/**
 * The rest of a tile's output transform for 4 channels (n .. n + 3) of image b, from A^T M in MID: each row
 * times A, plus the bias, then (see outputTransform) written with ReLU where `relu`, pooled, or added to the
 * image's sums (`gap`).
 */
// @ts-ignore: decorator
@inline function finishTile(b: i32, oy: i32, ox: i32, n: i32, N: i32, outH: i32, outW: i32, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const zero = f32x4.splat(0)
  const rows = min(8, outH - oy), cols = min(8, outW - ox)
  const bv = bias ? v128.load(bias + <usize>n * 4) : zero
  if (pool) {
    // The tile's windows, rows / 2 by cols / 2.
    const pW = outW / 2
    const pooled: usize = <usize>(((b * (outH / 2) + oy / 2) * pW + ox / 2) * N) * 4
    for (let i = 0; i < rows / 2; i++) {
      rowAt(MID + <usize>(2 * i) * 160, ROW)
      rowAt(MID + <usize>(2 * i + 1) * 160, ROW2)
      const o = pooled + <usize>((i * pW) * N + n) * 4
      poolTileRows(ROW, ROW2, cols / 2, bv, y + o, argmax ? argmax + o : 0, ((b * outH + oy + 2 * i) * outW + ox) * N + n, N, outW * N)
    }
    return
  }
  const row: usize = <usize>(outW * N) * 4
  const p = y + <usize>b * <usize>(outH * outW * N) * 4 + <usize>((oy * outW + ox) * N + n) * 4
  // `gap`: the tile's outputs are added to their image's sums (y [n, N]) instead of written, row by row
  const sumAt = y + <usize>(b * N + n) * 4
  let sum = gap ? v128.load(sumAt) : zero
  for (let i = 0; i < rows; i++) {
    rowAt(MID + <usize>i * 160, ROW)
    sum = finishRow(ROW, cols, bv, relu, gap, sum, p + <usize>i * row, N)
  }
  if (gap) v128.store(sumAt, sum)
}

/**
 * The forward of an RGB first layer (K = 3) tile by tile, the GEMM folded into the output transform, as in
 * winograd6.ts `rgbConvolve` (which says why).
 */
function rgbConvolve(x: usize, n: i32, inH: i32, inW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, up: usize, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const np = (N + NR - 1) / NR * NR
  const uStride: usize = <usize>(4 * np + PAD) * 4
  const tilesH = (outH + 7) / 8, tilesW = (outW + 7) / 8
  const image: usize = <usize>(inH * inW * 3) * 4
  for (let b = 0; b < n; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx++) {
        const oy = ty * 8, ox = tx * 8
        if (pool && (outH - oy < 2 || outW - ox < 2)) continue
        const y0 = oy - padTop, x0 = ox - padLeft
        const inside = y0 >= 0 && x0 >= 0 && y0 + 10 <= inH && x0 + 10 <= inW
        patchTransform(x + <usize>b * image, inH, inW, 3, 0, y0, x0, inside, MID, true)
        for (let i = 0; i < 10; i++) rowTransform(MID, i, VT + <usize>i * 160)
        for (let nn = 0; nn < N; nn += 4) {
          const u = rgbU(up, nn)
          for (let j = 0; j < 10; j++) {
            at(rgbM(VT, u, j, uStride), rgbM(VT, u, 10 + j, uStride), rgbM(VT, u, 20 + j, uStride), rgbM(VT, u, 30 + j, uStride), rgbM(VT, u, 40 + j, uStride),
              rgbM(VT, u, 50 + j, uStride), rgbM(VT, u, 60 + j, uStride), rgbM(VT, u, 70 + j, uStride), rgbM(VT, u, 80 + j, uStride), rgbM(VT, u, 90 + j, uStride), MID + <usize>j * 16, 160)
          }
          finishTile(b, oy, ox, nn, N, outH, outW, y, bias, relu, pool, argmax, gap)
        }
      }
    }
  }
}

/** A row of 10 (A^T M)[i][.] at m into its 8 outputs at out. */
// @ts-ignore: decorator
@inline function rowAt(m: usize, out: usize): void {
  at(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96),
    v128.load(m, 112), v128.load(m, 128), v128.load(m, 144), out, 16)
}

/** winogradConv (winograd.ts) with F(8x8, 3x3); scratch: winograd8ScratchBytes(K, N). */
export function winograd8Conv(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, flip, y, bias, relu, false, 0, scratch, flip ? 0 : kept)
}

/** winograd4ConvPool (winograd4.ts) with F(8x8, 3x3): the same values as winograd8Conv then the pool. */
export function winograd8ConvPool(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, y: usize, bias: usize, argmax: usize, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, false, y, bias, true, true, argmax, scratch, kept)
}


/**
 * The conv + bias + ReLU, then global average pooling, in one pass (inference): y [n, N] gets each image's
 * mean of each channel over the conv's map, which is never written. The same as winograd8Conv with ReLU then
 * globalAvgPool (conv.ts): equal where one tile covers the map (its sums in the same order), else within
 * float32 rounding of summing tile by tile. `kept`: as winograd8Conv's.
 */
export function winograd8ConvGap(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, y: usize, bias: usize, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, false, y, bias, true, false, 0, scratch, kept, true)
}
/** U kept for winograd8Conv, winograd8ConvPool and winograd8ConvGap (their `kept`): keepTransformed (winograd-common.ts); `kept`: winograd8KeptBytes(K, N), `copy`: 9 K N floats. */
export function winograd8Keep(w: usize, K: i32, N: i32, kept: usize, copy: usize): void {
  keepTransformed(w, K, N, kept, copy, weights)
}

/** Bytes of the U that winograd8Keep keeps: the forward's own, as it lays it out at the start of its scratch. */
export function winograd8KeptBytes(k: i32, n: i32): i32 {
  return keptBytes(P, k, n, PAD)
}

function convolve(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, scratch: usize, kept: usize, gap: bool = false): void {
  convolveVariant(P, TB, PAD, weights, rgbConvolve, convolveBlocks, x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, flip, y, bias, relu, pool, argmax, scratch, kept, gap)
}

/** The forward of `convolve` block by block: V of TB tiles, a GEMM per position into M, then Y from M. */
function convolveBlocks(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, up: usize, vp: usize, mp: usize, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const Kp = channels4(K), np = (N + NR - 1) / NR * NR
  const tilesH = (outH + 7) / 8, tilesW = (outW + 7) / 8
  const total = n * tilesH * tilesW
  for (let t0 = 0; t0 < total; t0 += TB) {
    const count = min(TB, total - t0)
    inputTransform(x, inH, inW, K, padTop, padLeft, tilesH, tilesW, t0, count, vp, Kp)
    for (let xi = 0; xi < P; xi++) {
      gemmPacked(vp + <usize>(xi * (TB * Kp + PAD)) * 4, TB / MR, up + <usize>(xi * (Kp * np + PAD)) * 4, np / NR, Kp, mp + <usize>(xi * (TB * np + PAD)) * 4, np, false)
    }
    outputTransform(mp, np, N, tilesH, tilesW, t0, count, outH, outW, y, bias, relu, pool, argmax, gap)
  }
}

/** V by channel panels for the weight gradient: vp[xi][k / MR][t][k % MR] (see winograd.ts). */
function inputTransformByChannel(x: usize, inH: i32, inW: i32, K: i32, kp: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, tb: i32, vp: usize): void {
  // Channels past K are never written: zero since the call began (winograd8FilterGrad); tiles past `count` only
  // in a last, short block.
  if (count < tb) memory.fill(vp, 0, <usize>(P * (tb * kp + PAD)) * 4)
  const xiStride: usize = <usize>(tb * kp + PAD) * 4
  const perImage = tilesH * tilesW
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const y0 = (rem / tilesW) * 8 - padTop, x0 = (rem % tilesW) * 8 - padLeft
    const inside = y0 >= 0 && x0 >= 0 && y0 + 10 <= inH && x0 + 10 <= inW
    const img = x + <usize>b * <usize>(inH * inW * K) * 4
    for (let k = 0; k < K; k += 4) {
      patchTransform(img, inH, inW, K, k, y0, x0, inside, MID, false)
      const a0 = channelSlot(vp, k, t, tb), a2 = channelSlot(vp, k + 2, t, tb)
      for (let i = 0; i < 10; i++) {
        rowTransform(MID, i, ROW)
        for (let j = 0; j < 10; j++) putChannels(v128.load(ROW + <usize>j * 16), a0, a2, <usize>(i * 10 + j) * xiStride)
      }
    }
  }
}

/** A y for a column of 8 (y0..y7): 10 vectors at out + i * stride. A = (A^T)^T: row p is p^0 .. p^7. */
// @ts-ignore: decorator
@inline function ay(y0: v128, y1: v128, y2: v128, y3: v128, y4: v128, y5: v128, y6: v128, y7: v128, out: usize, stride: usize): void {
  v128.store(out, y0)
  // Each pair +-p: the even powers' sum e and the odd ones' o (Horner in p^2) give e + o and e - o.
  let e = f32x4.add(f32x4.add(y0, y2), f32x4.add(y4, y6)), o = f32x4.add(f32x4.add(y1, y3), f32x4.add(y5, y7))
  v128.store(out + stride, f32x4.add(e, o))
  v128.store(out + 2 * stride, f32x4.sub(e, o))
  let q = c(25.0 / 16)
  e = madd(q, madd(q, madd(q, y6, y4), y2), y0)
  o = f32x4.mul(c(5.0 / 4), madd(q, madd(q, madd(q, y7, y5), y3), y1))
  v128.store(out + 3 * stride, f32x4.add(e, o))
  v128.store(out + 4 * stride, f32x4.sub(e, o))
  q = c(25.0 / 4)
  e = madd(q, madd(q, madd(q, y6, y4), y2), y0)
  o = f32x4.mul(c(5.0 / 2), madd(q, madd(q, madd(q, y7, y5), y3), y1))
  v128.store(out + 5 * stride, f32x4.add(e, o))
  v128.store(out + 6 * stride, f32x4.sub(e, o))
  q = c(4.0 / 25)
  e = madd(q, madd(q, madd(q, y6, y4), y2), y0)
  o = f32x4.mul(c(2.0 / 5), madd(q, madd(q, madd(q, y7, y5), y3), y1))
  v128.store(out + 7 * stride, f32x4.add(e, o))
  v128.store(out + 8 * stride, f32x4.sub(e, o))
  v128.store(out + 9 * stride, y7)
}

/** dM = A dY A^T (10x10 from each 8x8 tile of dy, zero outside) as packed-B panels: mp[xi][n / NR][t][n % NR]. */
function gradTransform(dy: usize, outH: i32, outW: i32, N: i32, np: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, tb: i32, mp: usize): void {
  if (count < tb) memory.fill(mp, 0, <usize>(P * (tb * np + PAD)) * 4)
  const xiStride: usize = <usize>(tb * np + PAD) * 4
  const perImage = tilesH * tilesW
  const row: usize = <usize>(outW * N) * 4
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const oy = (rem / tilesW) * 8, ox = (rem % tilesW) * 8
    const rows = min(8, outH - oy), cols = min(8, outW - ox)
    const src = dy + <usize>b * <usize>(outH * outW * N) * 4 + <usize>((oy * outW + ox) * N) * 4
    for (let n = 0; n < N; n += 4) {
      const p = src + <usize>n * 4
      // Columns of the 8x8 tile (8 rows each) -> 10 rows each, into MID[i * 8 + j]; then each row of 8 -> 10.
      for (let j = 0; j < 8; j++) {
        const q = p + <usize>(j * N) * 4
        const ok = j < cols
        ay(dyOr0(q, 0, rows, ok, row), dyOr0(q, 1, rows, ok, row), dyOr0(q, 2, rows, ok, row), dyOr0(q, 3, rows, ok, row),
          dyOr0(q, 4, rows, ok, row), dyOr0(q, 5, rows, ok, row), dyOr0(q, 6, rows, ok, row), dyOr0(q, 7, rows, ok, row), MID + <usize>j * 16, 128)
      }
      const dst = mp + <usize>(((n / NR) * tb + t) * NR + n % NR) * 4
      for (let i = 0; i < 10; i++) {
        const m = MID + <usize>i * 128
        ay(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96), v128.load(m, 112),
          dst + <usize>(i * 10) * xiStride, xiStride)
      }
    }
  }
}

/** G^T u for 10 vectors: 3 vectors at out + a * stride (G^T's rows: G's columns, paired as in gcol). */
// @ts-ignore: decorator
@inline function gt(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, u6: v128, u7: v128, u8: v128, u9: v128, out: usize, stride: usize): void {
  const s1 = f32x4.add(u1, u2), d1 = f32x4.sub(u1, u2), s2 = f32x4.add(u3, u4), d2 = f32x4.sub(u3, u4)
  const s3 = f32x4.add(u5, u6), d3 = f32x4.sub(u5, u6), s4 = f32x4.add(u7, u8), d4 = f32x4.sub(u7, u8)
  v128.store(out, madd(c(16.0 / 25), u0, madd(c(800.0 / 3969), s1, madd(c(-32768.0 / 378675), s2, madd(c(512.0 / 959175), s3, f32x4.mul(c(-3125000.0 / 7174629), s4))))))
  v128.store(out + stride, madd(c(800.0 / 3969), d1, madd(c(-8192.0 / 75735), d2, madd(c(256.0 / 191835), d3, f32x4.mul(c(-1250000.0 / 7174629), d4)))))
  v128.store(out + 2 * stride, madd(c(800.0 / 3969), s1, madd(c(-2048.0 / 15147), s2, madd(c(128.0 / 38367), s3, madd(c(-500000.0 / 7174629), s4, u9)))))
}

/** winogradFilterGrad (winograd.ts) with F(8x8, 3x3); scratch: winograd8FilterScratchBytes(K, N). */
export function winograd8FilterGrad(x: usize, dy: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, dw: usize, scratch: usize): void {
  const kp = (K + MR - 1) / MR * MR, np = (N + NR - 1) / NR * NR
  const du = scratch
  const vp = du + <usize>(P * (kp * np + PAD)) * 4
  const mp = vp + <usize>(P * (TBF * kp + PAD)) * 4
  const tilesH = (outH + 7) / 8, tilesW = (outW + 7) / 8
  const total = n * tilesH * tilesW
  // Blocks of equal size, at most TBF: a GEMM's depth is its block, so a short last block (zero-filled) would
  // cost as much as a whole one; with one 8x8 tile an image, 8 images would take 3x the work of their tiles.
  const blocks = (total + TBF - 1) / TBF, tb = (total + blocks - 1) / blocks
  memory.fill(vp, 0, <usize>(P * (tb * kp + PAD)) * 4) // once: each block rewrites every slot it uses
  for (let t0 = 0; t0 < total; t0 += tb) {
    const count = min(tb, total - t0)
    inputTransformByChannel(x, inH, inW, K, kp, padTop, padLeft, tilesH, tilesW, t0, count, tb, vp)
    gradTransform(dy, outH, outW, N, np, tilesH, tilesW, t0, count, tb, mp)
    for (let xi = 0; xi < P; xi++) {
      gemmPacked(vp + <usize>(xi * (tb * kp + PAD)) * 4, kp / MR, mp + <usize>(xi * (tb * np + PAD)) * 4, np / NR, tb, du + <usize>(xi * (kp * np + PAD)) * 4, np, t0 > 0)
    }
  }
  // dW = G^T dU G per (k, 4 n): columns first (3x10 into MID[a * 10 + j]), then rows.
  const xs: usize = <usize>(kp * np + PAD) * 4
  const tap: usize = <usize>(K * N) * 4
  for (let k = 0; k < K; k++) {
    for (let nn = 0; nn < N; nn += 4) {
      const p = du + <usize>(k * np + nn) * 4
      for (let j = 0; j < 10; j++) {
        const q = p + <usize>j * xs
        gt(v128.load(q), v128.load(q + 10 * xs), v128.load(q + 20 * xs), v128.load(q + 30 * xs), v128.load(q + 40 * xs),
          v128.load(q + 50 * xs), v128.load(q + 60 * xs), v128.load(q + 70 * xs), v128.load(q + 80 * xs), v128.load(q + 90 * xs), MID + <usize>j * 16, 160)
      }
      for (let a = 0; a < 3; a++) {
        const m = MID + <usize>a * 160
        gt(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96),
          v128.load(m, 112), v128.load(m, 128), v128.load(m, 144), dw + <usize>(((a * 3) * K + k) * N + nn) * 4, tap)
      }
    }
  }
}
