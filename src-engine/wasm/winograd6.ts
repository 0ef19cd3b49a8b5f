// Winograd F(6x6, 3x3) (Lavin and Gray, 2015; the interpolation points 0, +-1, +-2, +-1/2 and infinity, as
// NNPACK and oneDNN use): each 6x6 output tile from an 8x8 input tile, 64 multiplies per 36 outputs
// instead of 324 (5.06x fewer; F(4x4, 3x3) in winograd4.ts saves 4x). Same scheme as there: per block of TB
// tiles, V = B^T d B written into the GEMM's packed-A panels, one GEMM per position against U = G g G^T in
// packed-B panels, then Y = A^T M A with bias and ReLU; the input gradient is the flipped conv (`flip`), the
// weight gradient dU = V^T (A dY A^T) per position, then dW = G^T dU G.
// Rounding grows with the larger coefficients (up to 32 in A, 21/4 in B): several times F(4x4)'s error in
// float32 (measured in the kernel tests, whose tolerances say by how much).
//   B^T = [1 0 -21/4 0 21/4 0 -1 0; 0 1 1 -17/4 -17/4 1 1 0; 0 -1 1 17/4 -17/4 -1 1 0;
//          0 1/2 1/4 -5/2 -5/4 2 1 0; 0 -1/2 1/4 5/2 -5/4 -2 1 0; 0 2 4 -5/2 -5 1/2 1 0;
//          0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1]
//   G = [1 0 0; -2/9 -2/9 -2/9; -2/9 2/9 -2/9; 1/90 1/45 2/45; 1/90 -1/45 2/45; 32/45 16/45 8/45;
//        32/45 -16/45 8/45; 0 0 1]
//   A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0; 0 1 1 4 4 1/4 1/4 0; 0 1 -1 8 -8 1/8 -1/8 0;
//          0 1 1 16 16 1/16 1/16 0; 0 1 -1 32 -32 1/32 -1/32 1]
// Each transform pairs the rows of +x and -x: they share their even and odd parts (e + o, e - o).
import { gemmPacked, MR, NR } from './gemm'
import { convolveVariant, finishRow, rgbM, rgbU, keepTransformed, keptBytes, channels4, channelSlot, pixel, poolTileRows, put4, put4x2, putChannels, rowOr0, dyOr0 } from './winograd-common'

/**
 * Each position's plane (of U, V, M) is padded by a cache line, so the 64 planes a transform touches at
 * once do not all map to the same cache set (their sizes are often multiples of 4 KiB).
 */
const PAD: i32 = 16

/** Tiles per block (2 panels of MR): with 64 positions, V and M of a block then stay in the L2 cache. */
const TB: i32 = 12
/**
 * Tiles per block of the weight gradient: its GEMM sums a block's tiles into dU (all 64 positions, read and
 * written again every block), so twice the block halves that traffic and doubles the GEMM's depth. Measured on
 * the photo net's layers, one thread: 24 tiles 1.02-1.06x as fast as 12; 36 and 48 slower on 12x12x128 -> 256.
 * The forward and the input gradient keep 12 (24 made the 12x12 forward 1.1x slower).
 */
const TBF: i32 = 24
/** Positions per tile: 8x8. */
const P: i32 = 64

// Scratch in L1: the transforms' middle steps (MID, 64 vectors: a tile's B^T d, A^T M, G g; MID2: B^T d of the
// second tile of a pair), one finished row (ROW, ROWB), the pooled forward's second row (ROW2), a filter's taps (ROW9).
const MID: usize = memory.data(64 * 16, 16)
const MID2: usize = memory.data(64 * 16, 16)
const ROW: usize = memory.data(8 * 16, 16)
const ROWB: usize = memory.data(8 * 16, 16)
const ROW2: usize = memory.data(6 * 16, 16)
const ROW9: usize = memory.data(9 * 16, 16)
/** An RGB tile's V (rgbConvolve): 64 positions of 4 channels. */
const VT: usize = memory.data(64 * 16, 16)

export function winograd6ScratchBytes(k: i32, n: i32): i32 {
  const kp = channels4(k), np = (n + NR - 1) / NR * NR
  const u = P * (kp * np + PAD)
  // An RGB input (k = 3) runs tile by tile (rgbConvolve): U alone, no block of V and M.
  return (k == 3 ? u : u + P * (TB * kp + PAD) + P * (TB * np + PAD)) * 4
}

export function winograd6FilterScratchBytes(k: i32, n: i32): i32 {
  const kp = (k + MR - 1) / MR * MR, np = (n + NR - 1) / NR * NR
  return (P * (kp * np + PAD) + P * (TBF * kp + PAD) + P * (TBF * np + PAD)) * 4
}

/** B^T d for one column of 8 (4 channels each), stored at out + i * stride. */
// @ts-ignore: decorator
@inline function bt(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, out: usize, stride: usize): void {
  const c525 = f32x4.splat(5.25), c425 = f32x4.splat(4.25)
  v128.store(out, f32x4.add(f32x4.sub(d0, d6), f32x4.mul(c525, f32x4.sub(d4, d2))))
  v128.store(out + 7 * stride, f32x4.add(f32x4.sub(d7, d1), f32x4.mul(c525, f32x4.sub(d3, d5))))
  let e = f32x4.sub(f32x4.add(d2, d6), f32x4.mul(c425, d4))
  let o = f32x4.sub(f32x4.add(d1, d5), f32x4.mul(c425, d3))
  v128.store(out + stride, f32x4.add(e, o))
  v128.store(out + 2 * stride, f32x4.sub(e, o))
  const c125 = f32x4.splat(1.25), c25 = f32x4.splat(2.5), two = f32x4.splat(2), half = f32x4.splat(0.5)
  e = f32x4.sub(f32x4.add(f32x4.mul(f32x4.splat(0.25), d2), d6), f32x4.mul(c125, d4))
  o = f32x4.add(f32x4.sub(f32x4.mul(half, d1), f32x4.mul(c25, d3)), f32x4.mul(two, d5))
  v128.store(out + 3 * stride, f32x4.add(e, o))
  v128.store(out + 4 * stride, f32x4.sub(e, o))
  e = f32x4.add(d6, f32x4.mul(f32x4.splat(4), f32x4.sub(d2, f32x4.mul(c125, d4))))
  o = f32x4.add(f32x4.sub(f32x4.mul(two, d1), f32x4.mul(c25, d3)), f32x4.mul(half, d5))
  v128.store(out + 5 * stride, f32x4.add(e, o))
  v128.store(out + 6 * stride, f32x4.sub(e, o))
}

/**
 * Loads the 8x8 patch at (y0, x0) of 4 channels (zero outside the image) and leaves B^T d in mid[i * 8 + j]:
 * the caller finishes each row i with `rowTransform` as it stores it.
 */
// @ts-ignore: decorator
@inline function patchTransform(img: usize, inH: i32, inW: i32, K: i32, k: i32, y0: i32, x0: i32, inside: bool, mid: usize, rgb: bool): void {
  const row: usize = <usize>(inW * K) * 4
  for (let j = 0; j < 8; j++) {
    const ix = x0 + j
    const col = img + <usize>(ix * K + k) * 4
    if (inside) {
      const p = col + <usize>y0 * row
      bt(pixel(p, rgb), pixel(p + row, rgb), pixel(p + 2 * row, rgb), pixel(p + 3 * row, rgb),
        pixel(p + 4 * row, rgb), pixel(p + 5 * row, rgb), pixel(p + 6 * row, rgb), pixel(p + 7 * row, rgb), mid + <usize>j * 16, 128)
    } else if (ix >= 0 && ix < inW) {
      bt(rowOr0(col, y0, inH, row, rgb), rowOr0(col, y0 + 1, inH, row, rgb), rowOr0(col, y0 + 2, inH, row, rgb), rowOr0(col, y0 + 3, inH, row, rgb),
        rowOr0(col, y0 + 4, inH, row, rgb), rowOr0(col, y0 + 5, inH, row, rgb), rowOr0(col, y0 + 6, inH, row, rgb), rowOr0(col, y0 + 7, inH, row, rgb), mid + <usize>j * 16, 128)
    } else {
      const z = f32x4.splat(0)
      for (let i = 0; i < 8; i++) v128.store(mid + <usize>(i * 8 + j) * 16, z)
    }
  }
}

/** Row i of B^T d B (from patchTransform's mid) into out[j], j = 0..7. */
// @ts-ignore: decorator
@inline function rowTransform(mid: usize, i: i32, out: usize): void {
  const m = mid + <usize>i * 128
  bt(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96), v128.load(m, 112), out, 16)
}

/** G (g0, g1, g2)^T for 4 columns: 8 vectors at out + i * stride. */
// @ts-ignore: decorator
@inline function gcol(g0: v128, g1: v128, g2: v128, out: usize, stride: usize): void {
  let e = f32x4.mul(f32x4.add(g0, g2), f32x4.splat(-2.0 / 9.0)), o = f32x4.mul(g1, f32x4.splat(-2.0 / 9.0))
  v128.store(out, g0)
  v128.store(out + stride, f32x4.add(e, o))
  v128.store(out + 2 * stride, f32x4.sub(e, o))
  e = f32x4.add(f32x4.mul(g0, f32x4.splat(1.0 / 90.0)), f32x4.mul(g2, f32x4.splat(2.0 / 45.0)))
  o = f32x4.mul(g1, f32x4.splat(1.0 / 45.0))
  v128.store(out + 3 * stride, f32x4.add(e, o))
  v128.store(out + 4 * stride, f32x4.sub(e, o))
  e = f32x4.add(f32x4.mul(g0, f32x4.splat(32.0 / 45.0)), f32x4.mul(g2, f32x4.splat(8.0 / 45.0)))
  o = f32x4.mul(g1, f32x4.splat(16.0 / 45.0))
  v128.store(out + 5 * stride, f32x4.add(e, o))
  v128.store(out + 6 * stride, f32x4.sub(e, o))
  v128.store(out + 7 * stride, g2)
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
      // Q = G g column by column (8x3 into MID[i * 3 + b]), then each row of Q times G^T.
      for (let b = 0; b < 3; b++) {
        gcol(v128.load(ROW9 + <usize>b * 16), v128.load(ROW9 + <usize>(3 + b) * 16), v128.load(ROW9 + <usize>(6 + b) * 16), MID + <usize>b * 16, 48)
      }
      for (let i = 0; i < 8; i++) {
        const q = MID + <usize>i * 48
        gcol(v128.load(q), v128.load(q, 16), v128.load(q, 32), base + <usize>(i * 8) * xi, xi)
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
    const ya = (g % perImage / tilesW) * 6 - padTop, xa = (g % perImage % tilesW) * 6 - padLeft
    const yb = (h % perImage / tilesW) * 6 - padTop, xb = (h % perImage % tilesW) * 6 - padLeft
    const ina = ya >= 0 && xa >= 0 && ya + 8 <= inH && xa + 8 <= inW
    const inb = yb >= 0 && xb >= 0 && yb + 8 <= inH && xb + 8 <= inW
    const imga = x + <usize>(g / perImage) * image, imgb = x + <usize>(h / perImage) * image
    const out = vp + <usize>((t / MR) * Kp * MR + t % MR) * 4
    for (let k = 0; k < K; k += 4) {
      patchTransform(imga, inH, inW, K, k, ya, xa, ina, MID, false)
      if (pair) patchTransform(imgb, inH, inW, K, k, yb, xb, inb, MID2, false)
      for (let i = 0; i < 8; i++) {
        rowTransform(MID, i, ROW)
        const d = out + <usize>k * lane + <usize>(i * 8) * xiStride
        if (pair) {
          rowTransform(MID2, i, ROWB)
          for (let j = 0; j < 8; j++) put4x2(v128.load(ROW + <usize>j * 16), v128.load(ROWB + <usize>j * 16), d + <usize>j * xiStride, lane)
        } else {
          for (let j = 0; j < 8; j++) put4(v128.load(ROW + <usize>j * 16), d + <usize>j * xiStride, lane)
        }
      }
    }
  }
}

/** A^T m for 8 vectors m0..m7: 6 vectors at out + i * stride. */
// @ts-ignore: decorator
@inline function at(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, out: usize, stride: usize): void {
  const s12 = f32x4.add(m1, m2), d12 = f32x4.sub(m1, m2), s34 = f32x4.add(m3, m4), d34 = f32x4.sub(m3, m4)
  const s56 = f32x4.add(m5, m6), d56 = f32x4.sub(m5, m6)
  v128.store(out, f32x4.add(f32x4.add(m0, s12), f32x4.add(s34, s56)))
  v128.store(out + stride, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(2), d34)), f32x4.mul(f32x4.splat(0.5), d56)))
  v128.store(out + 2 * stride, f32x4.add(f32x4.add(s12, f32x4.mul(f32x4.splat(4), s34)), f32x4.mul(f32x4.splat(0.25), s56)))
  v128.store(out + 3 * stride, f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(8), d34)), f32x4.mul(f32x4.splat(0.125), d56)))
  v128.store(out + 4 * stride, f32x4.add(f32x4.add(s12, f32x4.mul(f32x4.splat(16), s34)), f32x4.mul(f32x4.splat(0.0625), s56)))
  v128.store(out + 5 * stride, f32x4.add(f32x4.add(f32x4.add(d12, f32x4.mul(f32x4.splat(32), d34)), f32x4.mul(f32x4.splat(0.03125), d56)), m7))
}

/**
 * Y = A^T M A + bias (then ReLU where `relu`) for a block's tiles into y [n, outH, outW, N]. `pool`: the
 * one-pass conv + ReLU + 2x2 max-pool instead, as in winograd4.ts (each 6x6 tile at even coordinates holds
 * whole windows): y [n, outH / 2, outW / 2, N], argmax (or 0) alike; the conv's output is never written.
 */
function outputTransform(mp: usize, np: i32, N: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, outH: i32, outW: i32, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const xiStride: usize = <usize>(TB * np + PAD) * 4
  const perImage = tilesH * tilesW
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const oy = (rem / tilesW) * 6, ox = (rem % tilesW) * 6
    if (pool && (outH - oy < 2 || outW - ox < 2)) continue // no whole window in the tile
    const src = mp + <usize>(t * np) * 4
    for (let n = 0; n < N; n += 4) {
      const s = src + <usize>n * 4
      // Columns: (A^T M)[i][j] for each of the 8 columns j, into MID[i * 8 + j].
      for (let j = 0; j < 8; j++) {
        const c = s + <usize>j * xiStride
        at(v128.load(c), v128.load(c + 8 * xiStride), v128.load(c + 16 * xiStride), v128.load(c + 24 * xiStride),
          v128.load(c + 32 * xiStride), v128.load(c + 40 * xiStride), v128.load(c + 48 * xiStride), v128.load(c + 56 * xiStride), MID + <usize>j * 16, 128)
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
  const rows = min(6, outH - oy), cols = min(6, outW - ox)
  const bv = bias ? v128.load(bias + <usize>n * 4) : zero
  if (pool) {
    // The tile's windows, rows / 2 by cols / 2.
    const pW = outW / 2
    const pooled: usize = <usize>(((b * (outH / 2) + oy / 2) * pW + ox / 2) * N) * 4
    for (let i = 0; i < rows / 2; i++) {
      const m = MID + <usize>(2 * i) * 128, m1 = m + 128
      at(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96), v128.load(m, 112), ROW, 16)
      at(v128.load(m1), v128.load(m1, 16), v128.load(m1, 32), v128.load(m1, 48), v128.load(m1, 64), v128.load(m1, 80), v128.load(m1, 96), v128.load(m1, 112), ROW2, 16)
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
    const m = MID + <usize>i * 128
    at(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96), v128.load(m, 112), ROW, 16)
    sum = finishRow(ROW, cols, bv, relu, gap, sum, p + <usize>i * row, N)
  }
  if (gap) v128.store(sumAt, sum)
}

/**
 * The forward of an RGB first layer (K = 3), tile by tile, with the GEMM folded into the output transform:
 * at a depth of 3 channels the GEMM of `convolve` did too little work per float of M it wrote into the
 * packed planes, which the output transform then read back 64 planes apart. Here a tile's V (64 positions of
 * 4 channels, the 4th zero) stays in L1 (VT), and each column of M for 4 output channels is summed over the 3
 * channels in registers (the GEMM's multiply-adds in its order, less its 4th channel's 0 x 0) and goes
 * straight into A^T M. The same sums in the same order as `convolveBlocks`, so the same values. Measured (an
 * ad-hoc script, pooled, one thread, batch 64, best of 9, interleaved with the blocked forward): the photo
 * net's 96x96x3 -> 32 17.7 ms against 19.7 (0.90x); F(4x4) on 32x32 0.84x, F(8x8) 0.91x. `up`: U as `weights`
 * lays it out (kept, or made by the caller).
 */
function rgbConvolve(x: usize, n: i32, inH: i32, inW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, up: usize, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const np = (N + NR - 1) / NR * NR
  const uStride: usize = <usize>(4 * np + PAD) * 4
  const tilesH = (outH + 5) / 6, tilesW = (outW + 5) / 6
  const image: usize = <usize>(inH * inW * 3) * 4
  for (let b = 0; b < n; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx++) {
        const oy = ty * 6, ox = tx * 6
        if (pool && (outH - oy < 2 || outW - ox < 2)) continue
        const y0 = oy - padTop, x0 = ox - padLeft
        const inside = y0 >= 0 && x0 >= 0 && y0 + 8 <= inH && x0 + 8 <= inW
        patchTransform(x + <usize>b * image, inH, inW, 3, 0, y0, x0, inside, MID, true)
        for (let i = 0; i < 8; i++) rowTransform(MID, i, VT + <usize>i * 128)
        for (let nn = 0; nn < N; nn += 4) {
          const u = rgbU(up, nn)
          for (let j = 0; j < 8; j++) {
            at(rgbM(VT, u, j, uStride), rgbM(VT, u, 8 + j, uStride), rgbM(VT, u, 16 + j, uStride), rgbM(VT, u, 24 + j, uStride),
              rgbM(VT, u, 32 + j, uStride), rgbM(VT, u, 40 + j, uStride), rgbM(VT, u, 48 + j, uStride), rgbM(VT, u, 56 + j, uStride), MID + <usize>j * 16, 128)
          }
          finishTile(b, oy, ox, nn, N, outH, outW, y, bias, relu, pool, argmax, gap)
        }
      }
    }
  }
}

/** winogradConv (winograd.ts) with F(6x6, 3x3); scratch: winograd6ScratchBytes(K, N). */
export function winograd6Conv(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, flip, y, bias, relu, false, 0, scratch, flip ? 0 : kept)
}

/** winograd4ConvPool (winograd4.ts) with F(6x6, 3x3): the same values as winograd6Conv then the pool. */
export function winograd6ConvPool(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, y: usize, bias: usize, argmax: usize, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, false, y, bias, true, true, argmax, scratch, kept)
}


/**
 * The conv + bias + ReLU, then global average pooling, in one pass (inference): y [n, N] gets each image's
 * mean of each channel over the conv's map, which is never written. The same as winograd6Conv with ReLU then
 * globalAvgPool (conv.ts): equal where one tile covers the map (its sums in the same order), else within
 * float32 rounding of summing tile by tile. `kept`: as winograd6Conv's.
 */
export function winograd6ConvGap(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, y: usize, bias: usize, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, false, y, bias, true, false, 0, scratch, kept, true)
}
/** U kept for winograd6Conv, winograd6ConvPool and winograd6ConvGap (their `kept`): keepTransformed (winograd-common.ts); `kept`: winograd6KeptBytes(K, N), `copy`: 9 K N floats. */
export function winograd6Keep(w: usize, K: i32, N: i32, kept: usize, copy: usize): void {
  keepTransformed(w, K, N, kept, copy, weights)
}

/** Bytes of the U that winograd6Keep keeps: the forward's own, as it lays it out at the start of its scratch. */
export function winograd6KeptBytes(k: i32, n: i32): i32 {
  return keptBytes(P, k, n, PAD)
}

function convolve(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, scratch: usize, kept: usize, gap: bool = false): void {
  convolveVariant(P, TB, PAD, weights, rgbConvolve, convolveBlocks, x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, flip, y, bias, relu, pool, argmax, scratch, kept, gap)
}

/** The forward of `convolve` block by block: V of TB tiles, a GEMM per position into M, then Y from M. */
function convolveBlocks(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, up: usize, vp: usize, mp: usize, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool): void {
  const Kp = channels4(K), np = (N + NR - 1) / NR * NR
  const tilesH = (outH + 5) / 6, tilesW = (outW + 5) / 6
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
function inputTransformByChannel(x: usize, inH: i32, inW: i32, K: i32, kp: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, vp: usize): void {
  // Channels past K are never written: zero since the call began (winograd6FilterGrad); tiles past `count` only
  // in a last, short block.
  if (count < TBF) memory.fill(vp, 0, <usize>(P * (TBF * kp + PAD)) * 4)
  const xiStride: usize = <usize>(TBF * kp + PAD) * 4
  const perImage = tilesH * tilesW
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const y0 = (rem / tilesW) * 6 - padTop, x0 = (rem % tilesW) * 6 - padLeft
    const inside = y0 >= 0 && x0 >= 0 && y0 + 8 <= inH && x0 + 8 <= inW
    const img = x + <usize>b * <usize>(inH * inW * K) * 4
    for (let k = 0; k < K; k += 4) {
      patchTransform(img, inH, inW, K, k, y0, x0, inside, MID, false)
      const a0 = channelSlot(vp, k, t, TBF), a2 = channelSlot(vp, k + 2, t, TBF)
      for (let i = 0; i < 8; i++) {
        rowTransform(MID, i, ROW)
        for (let j = 0; j < 8; j++) putChannels(v128.load(ROW + <usize>j * 16), a0, a2, <usize>(i * 8 + j) * xiStride)
      }
    }
  }
}

/** A y for a column of 6 (y0..y5): 8 vectors at out + i * stride. A = (A^T)^T. */
// @ts-ignore: decorator
@inline function ay(y0: v128, y1: v128, y2: v128, y3: v128, y4: v128, y5: v128, out: usize, stride: usize): void {
  v128.store(out, y0)
  let e = f32x4.add(f32x4.add(y0, y2), y4), o = f32x4.add(f32x4.add(y1, y3), y5)
  v128.store(out + stride, f32x4.add(e, o))
  v128.store(out + 2 * stride, f32x4.sub(e, o))
  const four = f32x4.splat(4)
  e = f32x4.add(y0, f32x4.mul(four, f32x4.add(y2, f32x4.mul(four, y4))))
  o = f32x4.mul(f32x4.splat(2), f32x4.add(y1, f32x4.mul(four, f32x4.add(y3, f32x4.mul(four, y5)))))
  v128.store(out + 3 * stride, f32x4.add(e, o))
  v128.store(out + 4 * stride, f32x4.sub(e, o))
  const quarter = f32x4.splat(0.25)
  e = f32x4.add(y0, f32x4.mul(quarter, f32x4.add(y2, f32x4.mul(quarter, y4))))
  o = f32x4.mul(f32x4.splat(0.5), f32x4.add(y1, f32x4.mul(quarter, f32x4.add(y3, f32x4.mul(quarter, y5)))))
  v128.store(out + 5 * stride, f32x4.add(e, o))
  v128.store(out + 6 * stride, f32x4.sub(e, o))
  v128.store(out + 7 * stride, y5)
}

/** dM = A dY A^T (8x8 from each 6x6 tile of dy, zero outside) as packed-B panels: mp[xi][n / NR][t][n % NR]. */
function gradTransform(dy: usize, outH: i32, outW: i32, N: i32, np: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, mp: usize): void {
  if (count < TBF) memory.fill(mp, 0, <usize>(P * (TBF * np + PAD)) * 4)
  const xiStride: usize = <usize>(TBF * np + PAD) * 4
  const perImage = tilesH * tilesW
  const row: usize = <usize>(outW * N) * 4
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const oy = (rem / tilesW) * 6, ox = (rem % tilesW) * 6
    const rows = min(6, outH - oy), cols = min(6, outW - ox)
    const src = dy + <usize>b * <usize>(outH * outW * N) * 4 + <usize>((oy * outW + ox) * N) * 4
    for (let n = 0; n < N; n += 4) {
      const p = src + <usize>n * 4
      // Columns of the 6x6 tile (6 rows each) -> 8 rows each, into MID[i * 6 + j]; then each row of 6 -> 8.
      for (let j = 0; j < 6; j++) {
        const c = p + <usize>(j * N) * 4
        const ok = j < cols
        ay(dyOr0(c, 0, rows, ok, row), dyOr0(c, 1, rows, ok, row), dyOr0(c, 2, rows, ok, row), dyOr0(c, 3, rows, ok, row),
          dyOr0(c, 4, rows, ok, row), dyOr0(c, 5, rows, ok, row), MID + <usize>j * 16, 96)
      }
      const dst = mp + <usize>(((n / NR) * TBF + t) * NR + n % NR) * 4
      for (let i = 0; i < 8; i++) {
        const m = MID + <usize>i * 96
        ay(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), dst + <usize>(i * 8) * xiStride, xiStride)
      }
    }
  }
}

/** G^T u for 8 vectors: 3 vectors at out + a * stride. */
// @ts-ignore: decorator
@inline function gt(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, u6: v128, u7: v128, out: usize, stride: usize): void {
  const s12 = f32x4.add(u1, u2), d12 = f32x4.sub(u1, u2), s34 = f32x4.add(u3, u4), d34 = f32x4.sub(u3, u4)
  const s56 = f32x4.add(u5, u6), d56 = f32x4.sub(u5, u6)
  const m29 = f32x4.splat(-2.0 / 9.0)
  v128.store(out, f32x4.add(f32x4.add(u0, f32x4.mul(s12, m29)), f32x4.add(f32x4.mul(s34, f32x4.splat(1.0 / 90.0)), f32x4.mul(s56, f32x4.splat(32.0 / 45.0)))))
  v128.store(out + stride, f32x4.add(f32x4.mul(d12, m29), f32x4.add(f32x4.mul(d34, f32x4.splat(1.0 / 45.0)), f32x4.mul(d56, f32x4.splat(16.0 / 45.0)))))
  v128.store(out + 2 * stride, f32x4.add(f32x4.add(f32x4.mul(s12, m29), u7), f32x4.add(f32x4.mul(s34, f32x4.splat(2.0 / 45.0)), f32x4.mul(s56, f32x4.splat(8.0 / 45.0)))))
}

/** winogradFilterGrad (winograd.ts) with F(6x6, 3x3); scratch: winograd6FilterScratchBytes(K, N). */
export function winograd6FilterGrad(x: usize, dy: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, dw: usize, scratch: usize): void {
  const kp = (K + MR - 1) / MR * MR, np = (N + NR - 1) / NR * NR
  const du = scratch
  const vp = du + <usize>(P * (kp * np + PAD)) * 4
  const mp = vp + <usize>(P * (TBF * kp + PAD)) * 4
  const tilesH = (outH + 5) / 6, tilesW = (outW + 5) / 6
  const total = n * tilesH * tilesW
  memory.fill(vp, 0, <usize>(P * (TBF * kp + PAD)) * 4) // once: each block rewrites every slot it uses
  for (let t0 = 0; t0 < total; t0 += TBF) {
    const count = min(TBF, total - t0)
    inputTransformByChannel(x, inH, inW, K, kp, padTop, padLeft, tilesH, tilesW, t0, count, vp)
    gradTransform(dy, outH, outW, N, np, tilesH, tilesW, t0, count, mp)
    for (let xi = 0; xi < P; xi++) {
      gemmPacked(vp + <usize>(xi * (TBF * kp + PAD)) * 4, kp / MR, mp + <usize>(xi * (TBF * np + PAD)) * 4, np / NR, TBF, du + <usize>(xi * (kp * np + PAD)) * 4, np, t0 > 0)
    }
  }
  // dW = G^T dU G per (k, 4 n): columns first (3x8 into MID[a * 8 + j]), then rows.
  const xs: usize = <usize>(kp * np + PAD) * 4
  const tap: usize = <usize>(K * N) * 4
  for (let k = 0; k < K; k++) {
    for (let nn = 0; nn < N; nn += 4) {
      const p = du + <usize>(k * np + nn) * 4
      for (let j = 0; j < 8; j++) {
        const c = p + <usize>j * xs
        gt(v128.load(c), v128.load(c + 8 * xs), v128.load(c + 16 * xs), v128.load(c + 24 * xs),
          v128.load(c + 32 * xs), v128.load(c + 40 * xs), v128.load(c + 48 * xs), v128.load(c + 56 * xs), MID + <usize>j * 16, 128)
      }
      for (let a = 0; a < 3; a++) {
        const m = MID + <usize>a * 128
        gt(v128.load(m), v128.load(m, 16), v128.load(m, 32), v128.load(m, 48), v128.load(m, 64), v128.load(m, 80), v128.load(m, 96), v128.load(m, 112),
          dw + <usize>(((a * 3) * K + k) * N + nn) * 4, tap)
      }
    }
  }
}
