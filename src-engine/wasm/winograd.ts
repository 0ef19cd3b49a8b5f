// Winograd F(2x2, 3x3) convolution (Lavin and Gray, 2015) for 3x3 stride-1 layers, NHWC float32.
// Each 2x2 output tile comes from a 4x4 input tile: V = B^T d B and U = G g G^T are multiplied element by
// element and summed over input channels, which for each of the 16 positions xi is a GEMM
// M[xi] (tiles x Cout) = V[xi] (tiles x Cin) . U[xi] (Cin x Cout), then Y = A^T M A: 16 multiplies per
// 4 outputs instead of 36, i.e. 2.25x fewer. Tiles go in blocks of TB so V and M stay in the L2 cache;
// V is written straight into the GEMM's packed-A layout and U into its packed-B layout (no packing pass).
// The input gradient of a stride-1 conv is itself a stride-1 conv of dy with the kernel turned by 180
// degrees and its channel axes swapped (`flip`), padded by 2 - pad: the same code runs it.
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
import { gemmPacked, MR, NR } from './gemm'
import { keepTransformed, keptBytes, channels4, channelSlot, put4, putChannels } from './winograd-common'
import { poolWindow } from './conv'

/**
 * Each position's plane (of U, V, M) is padded by a cache line, so the 16 or 36 planes a transform
 * touches at once do not all map to the same cache set (their sizes are often multiples of 4 KiB).
 */
const PAD: i32 = 16

/** Tiles per block: 8 panels of MR rows. */
const TB: i32 = 48

// 16 vectors of scratch for the transforms' middle step (stays in L1).
const MID: usize = memory.data(16 * 16, 16)

/**
 * Scratch bytes a call needs for `k` input and `n` output channels: U, then V of one block, then M of one
 * block (JS reserves them once per layer shape).
 */
export function winogradScratchBytes(k: i32, n: i32): i32 {
  const kp = channels4(k), np = (n + NR - 1) / NR * NR // as the F(4x4) and F(6x6) variants take an RGB input
  return (16 * (kp * np + PAD) + 16 * (TB * kp + PAD) + 16 * (TB * np + PAD)) * 4
}

/**
 * U[xi] as GEMM B panels: up[((xi * panels + n / NR) * K + k) * NR + n % NR], zero past N.
 * Forward: K = cin, N = cout, g = w[., ., k, n]. `flip` (input gradient): K = cout, N = cin,
 * g[a][b] = w[2 - a][2 - b][n][k].
 */
function weights(w: usize, cin: i32, cout: i32, flip: bool, up: usize): void {
  const K = flip ? cout : cin, N = flip ? cin : cout
  const panels = (N + NR - 1) / NR
  const xi: usize = <usize>(panels * K * NR + PAD) * 4
  for (let k = 0; k < K; k++) {
    for (let nn = 0; nn < panels * NR; nn++) {
      const base = up + <usize>(((nn / NR) * K + k) * NR + nn % NR) * 4
      if (nn >= N) {
        for (let e: usize = 0; e < 16; e++) store<f32>(base + e * xi, 0)
        continue
      }
      // g[a][b] at w + ((a * 3 + b) * cin + ci) * cout + co; flipped: a, b -> 2 - a, 2 - b and ci/co swapped.
      const step: i32 = flip ? -cin * cout : cin * cout
      const first = flip ? (8 * cin + nn) * cout + k : k * cout + nn
      const p = w + <usize>first * 4
      const s: isize = <isize>step * 4
      const g00 = load<f32>(p), g01 = load<f32>(p + s), g02 = load<f32>(p + 2 * s)
      const g10 = load<f32>(p + 3 * s), g11 = load<f32>(p + 4 * s), g12 = load<f32>(p + 5 * s)
      const g20 = load<f32>(p + 6 * s), g21 = load<f32>(p + 7 * s), g22 = load<f32>(p + 8 * s)
      // Q = G g (4x3), then U = Q G^T (4x4); G's rows: [1 0 0], [.5 .5 .5], [.5 -.5 .5], [0 0 1].
      const q10: f32 = (g00 + g10 + g20) * 0.5, q11: f32 = (g01 + g11 + g21) * 0.5, q12: f32 = (g02 + g12 + g22) * 0.5
      const q20: f32 = (g00 - g10 + g20) * 0.5, q21: f32 = (g01 - g11 + g21) * 0.5, q22: f32 = (g02 - g12 + g22) * 0.5
      store<f32>(base, g00); store<f32>(base + xi, (g00 + g01 + g02) * 0.5); store<f32>(base + 2 * xi, (g00 - g01 + g02) * 0.5); store<f32>(base + 3 * xi, g02)
      store<f32>(base + 4 * xi, q10); store<f32>(base + 5 * xi, (q10 + q11 + q12) * 0.5); store<f32>(base + 6 * xi, (q10 - q11 + q12) * 0.5); store<f32>(base + 7 * xi, q12)
      store<f32>(base + 8 * xi, q20); store<f32>(base + 9 * xi, (q20 + q21 + q22) * 0.5); store<f32>(base + 10 * xi, (q20 - q21 + q22) * 0.5); store<f32>(base + 11 * xi, q22)
      store<f32>(base + 12 * xi, g20); store<f32>(base + 13 * xi, (g20 + g21 + g22) * 0.5); store<f32>(base + 14 * xi, (g20 - g21 + g22) * 0.5); store<f32>(base + 15 * xi, g22)
    }
  }
}

/** Loads the 4x4 patch at (y0, x0) of 4 channels (zero outside the image) and leaves B^T d B in MID[i * 4 + j]. */
// @ts-ignore: decorator
@inline function patchTransform(img: usize, inH: i32, inW: i32, K: i32, k: i32, y0: i32, x0: i32, inside: bool): void {
  const row: usize = <usize>(inW * K) * 4
  // Columns first: for each column j, (B^T d)[., j] from the 4 pixels above each other.
  for (let j = 0; j < 4; j++) {
    const ix = x0 + j
    let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0)
    const col = img + <usize>(ix * K + k) * 4
    if (inside) {
      const p = col + <usize>y0 * row
      d0 = v128.load(p); d1 = v128.load(p + row); d2 = v128.load(p + 2 * row); d3 = v128.load(p + 3 * row)
    } else if (ix >= 0 && ix < inW) {
      if (y0 >= 0 && y0 < inH) d0 = v128.load(col + <usize>y0 * row)
      if (y0 + 1 >= 0 && y0 + 1 < inH) d1 = v128.load(col + <usize>(y0 + 1) * row)
      if (y0 + 2 >= 0 && y0 + 2 < inH) d2 = v128.load(col + <usize>(y0 + 2) * row)
      if (y0 + 3 >= 0 && y0 + 3 < inH) d3 = v128.load(col + <usize>(y0 + 3) * row)
    }
    const m = MID + <usize>j * 16
    v128.store(m, f32x4.sub(d0, d2))
    v128.store(m + 64, f32x4.add(d1, d2))
    v128.store(m + 128, f32x4.sub(d2, d1))
    v128.store(m + 192, f32x4.sub(d1, d3))
  }
  // Then rows, in place: (B^T d B)[i, .] from row i of the middle result.
  for (let i = 0; i < 4; i++) {
    const m = MID + <usize>i * 64
    const r0 = v128.load(m), r1 = v128.load(m + 16), r2 = v128.load(m + 32), r3 = v128.load(m + 48)
    v128.store(m, f32x4.sub(r0, r2))
    v128.store(m + 16, f32x4.add(r1, r2))
    v128.store(m + 32, f32x4.sub(r2, r1))
    v128.store(m + 48, f32x4.sub(r1, r3))
  }
}

/**
 * V = B^T d B for tiles t0 .. t0 + count of the batch, 4 channels at a time, into packed-A panels:
 * vp[(xi * TB / MR + t / MR) * K * MR + k * MR + t % MR]. Tiles past `count` are zero.
 */
function inputTransform(x: usize, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, vp: usize): void {
  if (count < TB) memory.fill(vp, 0, <usize>(16 * (TB * K + PAD)) * 4)
  const xiStride: usize = <usize>(TB * K + PAD) * 4
  const lane: usize = MR * 4
  const perImage = tilesH * tilesW
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const y0 = (rem / tilesW) * 2 - padTop, x0 = (rem % tilesW) * 2 - padLeft
    const inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= inH && x0 + 4 <= inW
    const img = x + <usize>b * <usize>(inH * inW * K) * 4
    const out = vp + <usize>((t / MR) * K * MR + t % MR) * 4
    for (let k = 0; k < K; k += 4) {
      patchTransform(img, inH, inW, K, k, y0, x0, inside)
      const dst = out + <usize>k * lane
      for (let xi = 0; xi < 16; xi++) put4(v128.load(MID + <usize>xi * 16), dst + <usize>xi * xiStride, lane)
    }
  }
}

/** Y = A^T M A for tiles t0 .. t0 + count, + bias, ReLU; writes only the outputs inside [outH, outW]. */
/**
 * Y = A^T M A + bias (then ReLU where `relu`) for a block's tiles into y [n, outH, outW, N]. `pool` (with
 * `relu`): the one-pass conv + ReLU + 2x2 max-pool instead; each 2x2 tile is one pool window (one cut by the
 * conv's edge is dropped, as the pool drops it), pooled into y [n, outH / 2, outW / 2, N] (argmax, or 0,
 * as maxPoolForward keeps it); the conv's output is never written.
 */
function outputTransform(mp: usize, np: i32, N: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, outH: i32, outW: i32, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize): void {
  const xiStride: usize = <usize>(TB * np + PAD) * 4
  const perImage = tilesH * tilesW
  const zero = f32x4.splat(0)
  const pH = outH / 2, pW = outW / 2
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const oy = (rem / tilesW) * 2, ox = (rem % tilesW) * 2
    const img = y + <usize>b * <usize>(outH * outW * N) * 4
    const src = mp + <usize>(t * np) * 4
    const right = ox + 1 < outW, below = oy + 1 < outH
    if (pool && !(right && below)) continue
    const pooled: usize = <usize>(((b * pH + oy / 2) * pW + ox / 2) * N) * 4
    for (let n = 0; n < N; n += 4) {
      const s = src + <usize>n * 4
      // A^T M: row 0 = m0 + m1 + m2, row 1 = m1 - m2 - m3 (over the 4 rows i, per column j).
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0)
      let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0)
      for (let j = 0; j < 4; j++) {
        const c = s + <usize>j * xiStride
        const m0 = v128.load(c), m1 = v128.load(c + 4 * xiStride), m2 = v128.load(c + 8 * xiStride), m3 = v128.load(c + 12 * xiStride)
        const top = f32x4.add(f32x4.add(m0, m1), m2), bottom = f32x4.sub(f32x4.sub(m1, m2), m3)
        if (j == 0) { a0 = top; b0 = bottom } else if (j == 1) { a1 = top; b1 = bottom } else if (j == 2) { a2 = top; b2 = bottom } else { a3 = top; b3 = bottom }
      }
      const bv = bias ? v128.load(bias + <usize>n * 4) : zero
      let y00 = f32x4.add(f32x4.add(f32x4.add(a0, a1), a2), bv)
      let y01 = f32x4.add(f32x4.sub(f32x4.sub(a1, a2), a3), bv)
      let y10 = f32x4.add(f32x4.add(f32x4.add(b0, b1), b2), bv)
      let y11 = f32x4.add(f32x4.sub(f32x4.sub(b1, b2), b3), bv)
      if (pool) {
        // The ReLU after the window's max (see poolWindow).
        const o = pooled + <usize>n * 4
        poolWindow(y00, y01, y10, y11, y + o, argmax ? argmax + o : 0, ((b * outH + oy) * outW + ox) * N + n, N, outW * N)
        continue
      }
      if (relu) { y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero) }
      const p = img + <usize>((oy * outW + ox) * N + n) * 4
      const row: usize = <usize>(outW * N) * 4
      v128.store(p, y00)
      if (right) v128.store(p + <usize>N * 4, y01)
      if (below) {
        v128.store(p + row, y10)
        if (right) v128.store(p + row + <usize>N * 4, y11)
      }
    }
  }
}

/**
 * A 3x3 stride-1 convolution by Winograd F(2x2, 3x3): x [n, inH, inW, K] -> y [n, outH, outW, N], y
 * overwritten. Forward: K = cin, N = cout, w [3, 3, cin, cout]. `flip`: the input gradient (x is dy,
 * K = cout, N = cin, pads 2 - pad). K and N must be multiples of 4. `scratch`: winogradScratchBytes(K, N).
 */
export function winogradConv(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, flip, y, bias, relu, false, 0, scratch, flip ? 0 : kept)
}

/** winograd4ConvPool (winograd4.ts) with F(2x2, 3x3): the same values as winogradConv then the pool. */
export function winogradConvPool(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, y: usize, bias: usize, argmax: usize, scratch: usize, kept: usize): void {
  convolve(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, w, false, y, bias, true, true, argmax, scratch, kept)
}

/** U kept for winogradConv and winogradConvPool (their `kept`): keepTransformed (winograd-common.ts); `kept`: winogradKeptBytes(K, N), `copy`: 9 K N floats. */
export function winogradKeep(w: usize, K: i32, N: i32, kept: usize, copy: usize): void {
  keepTransformed(w, K, N, kept, copy, weights)
}

/** Bytes of the U that winogradKeep keeps: the forward's own, as it lays it out at the start of its scratch. */
export function winogradKeptBytes(k: i32, n: i32): i32 {
  return keptBytes(16, k, n, PAD)
}

function convolve(x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, scratch: usize, kept: usize): void {
  const np = (N + NR - 1) / NR * NR
  // U from `kept` where the caller keeps it (winogradKeep's), else made here at the start of the scratch
  const up = kept != 0 ? kept : scratch
  const vp = scratch + <usize>(16 * (K * np + PAD)) * 4
  const mp = vp + <usize>(16 * (TB * K + PAD)) * 4
  if (flip) weights(w, N, K, true, up)
  else if (kept == 0) weights(w, K, N, false, up)
  const tilesH = (outH + 1) / 2, tilesW = (outW + 1) / 2
  const total = n * tilesH * tilesW
  const panels = TB / MR, jpanels = np / NR
  for (let t0 = 0; t0 < total; t0 += TB) {
    const count = min(TB, total - t0)
    inputTransform(x, inH, inW, K, padTop, padLeft, tilesH, tilesW, t0, count, vp)
    for (let xi = 0; xi < 16; xi++) {
      gemmPacked(vp + <usize>(xi * (TB * K + PAD)) * 4, panels, up + <usize>(xi * (K * np + PAD)) * 4, jpanels, K, mp + <usize>(xi * (TB * np + PAD)) * 4, np, false)
    }
    outputTransform(mp, np, N, tilesH, tilesW, t0, count, outH, outW, y, bias, relu, pool, argmax)
  }
}

/** Scratch bytes of winogradFilterGrad for K input and N output channels: dU, then V and dM of one block. */
export function winogradFilterScratchBytes(k: i32, n: i32): i32 {
  const kp = (k + MR - 1) / MR * MR, np = (n + NR - 1) / NR * NR
  return (16 * (kp * np + PAD) + 16 * (TB * kp + PAD) + 16 * (TB * np + PAD)) * 4
}

/**
 * V = B^T d B as the weight gradient's packed-A operand (rows: channels in panels of MR, K: tiles):
 * vp[xi][k / MR][t][k % MR], channels past K and tiles past `count` zero.
 */
function inputTransformByChannel(x: usize, inH: i32, inW: i32, K: i32, kp: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, vp: usize): void {
  // Channels past K are never written: zero since the call began (winogradFilterGrad); tiles past `count` only
  // in a last, short block.
  if (count < TB) memory.fill(vp, 0, <usize>(16 * (TB * kp + PAD)) * 4)
  const xiStride: usize = <usize>(TB * kp + PAD) * 4
  const perImage = tilesH * tilesW
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const y0 = (rem / tilesW) * 2 - padTop, x0 = (rem % tilesW) * 2 - padLeft
    const inside = y0 >= 0 && x0 >= 0 && y0 + 4 <= inH && x0 + 4 <= inW
    const img = x + <usize>b * <usize>(inH * inW * K) * 4
    for (let k = 0; k < K; k += 4) {
      patchTransform(img, inH, inW, K, k, y0, x0, inside)
      // The 4 channels' places in the panels (a panel holds MR = 6 channels, so 4 may straddle two).
      const a0 = channelSlot(vp, k, t, TB), a2 = channelSlot(vp, k + 2, t, TB)
      for (let xi = 0; xi < 16; xi++) putChannels(v128.load(MID + <usize>xi * 16), a0, a2, <usize>xi * xiStride)
    }
  }
}

/**
 * dM = A dY A^T (4x4 from each 2x2 tile of dy, zero outside the output) as the packed-B operand:
 * mp[xi][n / NR][t][n % NR]; tiles past `count` zero. A = [1 0; 1 1; 1 -1; 0 -1].
 */
function gradTransform(dy: usize, outH: i32, outW: i32, N: i32, np: i32, tilesH: i32, tilesW: i32, t0: i32, count: i32, mp: usize): void {
  if (count < TB) memory.fill(mp, 0, <usize>(16 * (TB * np + PAD)) * 4)
  const xiStride: usize = <usize>(TB * np + PAD) * 4
  const perImage = tilesH * tilesW
  const zero = f32x4.splat(0)
  for (let t = 0; t < count; t++) {
    const g = t0 + t
    const b = g / perImage, rem = g % perImage
    const oy = (rem / tilesW) * 2, ox = (rem % tilesW) * 2
    const right = ox + 1 < outW, below = oy + 1 < outH
    const row: usize = <usize>(outW * N) * 4
    const src = dy + <usize>b * <usize>(outH * outW * N) * 4 + <usize>((oy * outW + ox) * N) * 4
    for (let n = 0; n < N; n += 4) {
      const p = src + <usize>n * 4
      const g00 = v128.load(p)
      const g01 = right ? v128.load(p + <usize>N * 4) : zero
      const g10 = below ? v128.load(p + row) : zero
      const g11 = right && below ? v128.load(p + row + <usize>N * 4) : zero
      // Rows: A dY -> [g0, g0 + g1, g0 - g1, -g1] (g0, g1 the tile's two rows); then the same on columns.
      const s0 = g00, s1 = g01
      const t10 = f32x4.add(g00, g10), t11 = f32x4.add(g01, g11)
      const t20 = f32x4.sub(g00, g10), t21 = f32x4.sub(g01, g11)
      const t30 = f32x4.neg(g10), t31 = f32x4.neg(g11)
      const at = mp + <usize>(((n / NR) * TB + t) * NR + n % NR) * 4
      v128.store(at, s0); v128.store(at + xiStride, f32x4.add(s0, s1)); v128.store(at + 2 * xiStride, f32x4.sub(s0, s1)); v128.store(at + 3 * xiStride, f32x4.neg(s1))
      v128.store(at + 4 * xiStride, t10); v128.store(at + 5 * xiStride, f32x4.add(t10, t11)); v128.store(at + 6 * xiStride, f32x4.sub(t10, t11)); v128.store(at + 7 * xiStride, f32x4.neg(t11))
      v128.store(at + 8 * xiStride, t20); v128.store(at + 9 * xiStride, f32x4.add(t20, t21)); v128.store(at + 10 * xiStride, f32x4.sub(t20, t21)); v128.store(at + 11 * xiStride, f32x4.neg(t21))
      v128.store(at + 12 * xiStride, t30); v128.store(at + 13 * xiStride, f32x4.add(t30, t31)); v128.store(at + 14 * xiStride, f32x4.sub(t30, t31)); v128.store(at + 15 * xiStride, f32x4.neg(t31))
    }
  }
}

/**
 * The weight gradient of a 3x3 stride-1 conv through the same algorithm: since y = A^T [U . V] A summed
 * over channels, dU[xi] = sum over tiles of V[xi]^T (A dY A^T)[xi], a GEMM per xi (K: the tiles), and
 * dW = G^T dU G. x [n, inH, inW, K], dy [n, outH, outW, N] -> dw [3, 3, K, N] (overwritten).
 */
export function winogradFilterGrad(x: usize, dy: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, dw: usize, scratch: usize): void {
  const kp = (K + MR - 1) / MR * MR, np = (N + NR - 1) / NR * NR
  const du = scratch
  const vp = du + <usize>(16 * (kp * np + PAD)) * 4
  const mp = vp + <usize>(16 * (TB * kp + PAD)) * 4
  const tilesH = (outH + 1) / 2, tilesW = (outW + 1) / 2
  const total = n * tilesH * tilesW
  memory.fill(vp, 0, <usize>(16 * (TB * kp + PAD)) * 4) // once: each block rewrites every slot it uses
  for (let t0 = 0; t0 < total; t0 += TB) {
    const count = min(TB, total - t0)
    inputTransformByChannel(x, inH, inW, K, kp, padTop, padLeft, tilesH, tilesW, t0, count, vp)
    gradTransform(dy, outH, outW, N, np, tilesH, tilesW, t0, count, mp)
    for (let xi = 0; xi < 16; xi++) {
      gemmPacked(vp + <usize>(xi * (TB * kp + PAD)) * 4, kp / MR, mp + <usize>(xi * (TB * np + PAD)) * 4, np / NR, TB, du + <usize>(xi * (kp * np + PAD)) * 4, np, t0 > 0)
    }
  }
  // dW = G^T dU G per (k, n): G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
  const xs: usize = <usize>(kp * np + PAD) * 4
  for (let k = 0; k < K; k++) {
    for (let nn = 0; nn < N; nn += 4) {
      const p = du + <usize>(k * np + nn) * 4
      // Q = G^T dU (3x4), row by row over dU's 4 columns j.
      for (let j = 0; j < 4; j++) {
        const u0 = v128.load(p + <usize>j * xs), u1 = v128.load(p + <usize>(4 + j) * xs), u2 = v128.load(p + <usize>(8 + j) * xs), u3 = v128.load(p + <usize>(12 + j) * xs)
        const h12 = f32x4.mul(f32x4.add(u1, u2), f32x4.splat(0.5)), d12 = f32x4.mul(f32x4.sub(u1, u2), f32x4.splat(0.5))
        const m = MID + <usize>j * 16
        v128.store(m, f32x4.add(u0, h12))
        v128.store(m + 64, d12)
        v128.store(m + 128, f32x4.add(h12, u3))
      }
      // dW[a][.] = Q[a] G: the same combination over the columns.
      for (let a = 0; a < 3; a++) {
        const m = MID + <usize>a * 64
        const q0 = v128.load(m), q1 = v128.load(m + 16), q2 = v128.load(m + 32), q3 = v128.load(m + 48)
        const h12 = f32x4.mul(f32x4.add(q1, q2), f32x4.splat(0.5)), d12 = f32x4.mul(f32x4.sub(q1, q2), f32x4.splat(0.5))
        const o = dw + <usize>(((a * 3) * K + k) * N + nn) * 4
        const tap: usize = <usize>(K * N) * 4
        v128.store(o, f32x4.add(q0, h12))
        v128.store(o + tap, d12)
        v128.store(o + 2 * tap, f32x4.add(h12, q3))
      }
    }
  }
}
