// Pieces the Winograd variants (winograd.ts, winograd4.ts, winograd6.ts, winograd8.ts) share: writing their transforms into
// the GEMM's packed layouts, and pooling their output tiles in the one-pass conv + pool.
import { madd, MR, NR } from './gemm'
import { poolWindow } from './conv'

/** The 4 lanes of v to at, at + stride, at + 2 stride, at + 3 stride (4 channels into a packed-A panel). */
// @ts-ignore: decorator
@inline export function put4(v: v128, at: usize, stride: usize): void {
  store<f32>(at, f32x4.extract_lane(v, 0))
  store<f32>(at + stride, f32x4.extract_lane(v, 1))
  store<f32>(at + 2 * stride, f32x4.extract_lane(v, 2))
  store<f32>(at + 3 * stride, f32x4.extract_lane(v, 3))
}

/** Each of the n x N sums at y times 1 / pixels, as globalAvgPool (conv.ts) finishes its own. */
export function averageSums(y: usize, n: i32, pixels: i32, N: i32): void {
  const inv = f32x4.splat(<f32>1 / <f32>pixels)
  for (let i = 0; i < n * N; i += 4) {
    const at = y + <usize>i * 4
    v128.store(at, f32x4.mul(v128.load(at), inv))
  }
}

/**
 * Keeps a variant's U across forwards whose weights do not change (its winograd*Keep): made again by its
 * `transform` (its `weights`) into `kept` only where w [3, 3, K, N] differs from `copy`, the weights it was
 * last made from (bit for bit), which then takes them.
 */
export function keepTransformed(w: usize, K: i32, N: i32, kept: usize, copy: usize, transform: (w: usize, cin: i32, cout: i32, flip: bool, up: usize) => void): void {
  const count = 9 * K * N
  if (sameBits(w, copy, count)) return
  memory.copy(copy, w, <usize>count * 4)
  transform(w, K, N, false, kept)
}

/** A variant's `weights`: U = G g G^T into its packed-B planes at `up` (`flip`: the input gradient's, g turned and transposed). */
export type WeightsTransform = (w: usize, cin: i32, cout: i32, flip: bool, up: usize) => void
/** A variant's RGB forward, tile by tile (its rgbConvolve), against U at `up`. */
export type RgbForward = (x: usize, n: i32, inH: i32, inW: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, up: usize, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool) => void
/** A variant's forward block by block (its convolveBlocks): V of a block at vp, M at mp, U at up. */
export type BlockForward = (x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, up: usize, vp: usize, mp: usize, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, gap: bool) => void

/**
 * The forward (plain, pooled or global-average-pooled: `gap`) or input gradient (`flip`) of F(4x4), F(6x6) or
 * F(8x8), whose tiles have `positions` positions and whose blocks `tb` tiles, each plane padded by `pad` floats:
 * U from `kept` where the caller keeps it (winograd*Keep), else made by `weights` at the start of the scratch,
 * V and M of a block after it; then an RGB input (K = 3, a first layer's forward: its 3 channels as 4 against
 * a zero 4th row of U) tile by tile, any other block by block. Called once a conv, so its calls through the
 * variant's functions cost nothing beside their loops, which stay inlined in each.
 */
export function convolveVariant(positions: i32, tb: i32, pad: i32, weights: WeightsTransform, rgb: RgbForward, blocks: BlockForward,
  x: usize, n: i32, inH: i32, inW: i32, K: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, N: i32, w: usize, flip: bool, y: usize, bias: usize, relu: bool, pool: bool, argmax: usize, scratch: usize, kept: usize, gap: bool): void {
  const Kp = channels4(K), np = (N + NR - 1) / NR * NR
  const up = kept != 0 ? kept : scratch
  const vp = scratch + <usize>(positions * (Kp * np + pad)) * 4
  const mp = vp + <usize>(positions * (tb * Kp + pad)) * 4
  if (flip) weights(w, N, K, true, up)
  else if (kept == 0) weights(w, K, N, false, up)
  if (gap) memory.fill(y, 0, <usize>(n * N) * 4)
  if (K == 3) rgb(x, n, inH, inW, padTop, padLeft, outH, outW, N, up, y, bias, relu, pool, argmax, gap)
  else blocks(x, n, inH, inW, K, padTop, padLeft, outH, outW, N, up, vp, mp, y, bias, relu, pool, argmax, gap)
  if (gap) averageSums(y, n, outH * outW, N)
}

/** Bytes of a variant's U for k input and n output channels: `positions` planes of channels4(k) x n (n in whole NR panels), each padded by `pad` floats. */
export function keptBytes(positions: i32, k: i32, n: i32, pad: i32): i32 {
  return positions * (channels4(k) * ((n + NR - 1) / NR * NR) + pad) * 4
}

/** Whether the `count` floats at a and b are the same bit for bit (so a NaN equals itself: weights to compare, not values). */
export function sameBits(a: usize, b: usize, count: i32): bool {
  let i = 0
  for (; i + 4 <= count; i += 4) {
    const at = <usize>i * 4
    if (!i32x4.all_true(i32x4.eq(v128.load(a + at), v128.load(b + at)))) return false
  }
  for (; i < count; i++) if (load<i32>(a + <usize>i * 4) != load<i32>(b + <usize>i * 4)) return false
  return true
}

/** The channels a transform takes: k in whole vectors of 4 (an RGB image's 3 go in as 4, the 4th zero). */
// @ts-ignore: decorator
@inline export function channels4(k: i32): i32 {
  return (k + 3) & ~3
}

/**
 * Four channels of the pixel at p: a whole vector, or for an RGB image (`rgb`: 3 channels a pixel, the first
 * layer's forward) its 3 channels and a zero, never reading past the pixel (the last one ends the tensor).
 */
// @ts-ignore: decorator
@inline export function pixel(p: usize, rgb: bool): v128 {
  return rgb ? v128.load32_lane(p, v128.load64_zero(p), 2, 8) : v128.load(p)
}

/** Row y of a column of the image (4 channels at `col`, rows `row` bytes apart), zero outside it (see `pixel`). */
// @ts-ignore: decorator
@inline export function rowOr0(col: usize, y: i32, inH: i32, row: usize, rgb: bool): v128 {
  return y >= 0 && y < inH ? pixel(col + <usize>y * row, rgb) : f32x4.splat(0)
}

/** dy at row r of a tile's column (`ok`: the column is inside the map), zero past its `rows`. */
// @ts-ignore: decorator
@inline export function dyOr0(c: usize, r: i32, rows: i32, ok: bool, row: usize): v128 {
  return ok && r < rows ? v128.load(c + <usize>r * row) : f32x4.splat(0)
}

/**
 * Two tiles' 4 channels into a packed-A panel: a (an even tile t) and b (tile t + 1) side by side in rows at,
 * at + stride, at + 2 stride, at + 3 stride. A panel holds MR = 6 tiles, so an even tile and the next share
 * one; two floats a store, half of put4's stores (the input transforms spent most of their time storing).
 */
// @ts-ignore: decorator
@inline export function put4x2(a: v128, b: v128, at: usize, stride: usize): void {
  const lo = f32x4.shuffle(a, b, 0, 4, 1, 5), hi = f32x4.shuffle(a, b, 2, 6, 3, 7)
  v128.store64_lane(at, lo, 0)
  v128.store64_lane(at + stride, lo, 1)
  v128.store64_lane(at + 2 * stride, hi, 0)
  v128.store64_lane(at + 3 * stride, hi, 1)
}

/** Where channel k of tile t goes in a block of `tb` tiles packed by channel panels: vp[k / MR][t][k % MR]. */
// @ts-ignore: decorator
@inline export function channelSlot(vp: usize, k: i32, t: i32, tb: i32): usize {
  return vp + <usize>(((k / MR) * tb + t) * MR + k % MR) * 4
}

/**
 * The 4 lanes of v (channels k .. k + 3 of one tile, k a multiple of 4) into channel panels (+ off): lanes 0-1
 * at a0, channel k's slot, and 2-3 at a2, channel k + 2's. Four channels may straddle two panels of MR = 6,
 * but k and k + 1 always share one, and so do k + 2 and k + 3.
 */
// @ts-ignore: decorator
@inline export function putChannels(v: v128, a0: usize, a2: usize, off: usize): void {
  v128.store64_lane(a0 + off, v, 0)
  v128.store64_lane(a2 + off, v, 1)
}

/**
 * Pools a pair of a tile's output rows into `pc` windows (poolWindow): the rows' pixels as vectors 16 bytes
 * apart at r0 and r1 (before the bias, added here exactly as the plain output transform adds it), the
 * windows' maxima to y, y + N floats, ... (and argmax alike, or 0); `first`: the conv-output index of r0's
 * first pixel, lane 0.
 */
// @ts-ignore: decorator
@inline export function poolTileRows(r0: usize, r1: usize, pc: i32, bv: v128, y: usize, argmax: usize, first: i32, N: i32, rowN: i32): void {
  for (let j = 0; j < pc; j++) {
    const a = r0 + <usize>j * 32, c = r1 + <usize>j * 32
    const v0 = f32x4.add(v128.load(a), bv), v1 = f32x4.add(v128.load(a, 16), bv)
    const v2 = f32x4.add(v128.load(c), bv), v3 = f32x4.add(v128.load(c, 16), bv)
    const o: usize = <usize>(j * N) * 4
    poolWindow(v0, v1, v2, v3, y + o, argmax ? argmax + o : 0, first + 2 * j * N, N, rowN)
  }
}

/**
 * M at position xi of an RGB tile for 4 output channels (the variants' rgbConvolve): V's 3 channels there (vt
 * + xi * 16, splatted one by one as the GEMM splats A) times U's 3 rows at u + xi * uStride (32 bytes apart:
 * NR floats a row of a packed-B panel), summed in the GEMM's order; its 4th channel, 0 x 0, is left out.
 */
// @ts-ignore: decorator
@inline export function rgbM(vt: usize, u: usize, xi: i32, uStride: usize): v128 {
  const v = vt + <usize>xi * 16, w = u + <usize>xi * uStride
  const m = madd(v128.load32_splat(v), v128.load(w), f32x4.splat(0))
  return madd(v128.load32_splat(v, 8), v128.load(w, 64), madd(v128.load32_splat(v, 4), v128.load(w, 32), m))
}

/**
 * One finished row of a tile's outputs for 4 channels (`cols` vectors at `row`, before the bias): plus the bias
 * bv, ReLU where `relu`, then added to `sum` (`gap`: the one-pass global average pooling) or written from `out`
 * on, N floats a pixel. Returns the sum.
 */
// @ts-ignore: decorator
@inline export function finishRow(row: usize, cols: i32, bv: v128, relu: bool, gap: bool, sum: v128, out: usize, N: i32): v128 {
  for (let j = 0; j < cols; j++) {
    let v = f32x4.add(v128.load(row + <usize>j * 16), bv)
    if (relu) v = f32x4.max(v, f32x4.splat(0))
    if (gap) sum = f32x4.add(sum, v)
    else v128.store(out + <usize>(j * N) * 4, v)
  }
  return sum
}

/** U's first row for output channels nn .. nn + 3 at a position (packed-B panels of an RGB layer's 4 rows; see rgbM). */
// @ts-ignore: decorator
@inline export function rgbU(up: usize, nn: i32): usize {
  return up + <usize>(((nn / NR) * 4) * NR + nn % NR) * 4
}
