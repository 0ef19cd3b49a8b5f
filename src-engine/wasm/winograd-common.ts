// Pieces the Winograd variants (winograd.ts, winograd4.ts, winograd6.ts) share: writing their transforms into
// the GEMM's packed layouts, and pooling their output tiles in the one-pass conv + pool.
import { MR } from './gemm'

/** The 4 lanes of v to at, at + stride, at + 2 stride, at + 3 stride (4 channels into a packed-A panel). */
// @ts-ignore: decorator
@inline export function put4(v: v128, at: usize, stride: usize): void {
  store<f32>(at, f32x4.extract_lane(v, 0))
  store<f32>(at + stride, f32x4.extract_lane(v, 1))
  store<f32>(at + 2 * stride, f32x4.extract_lane(v, 2))
  store<f32>(at + 3 * stride, f32x4.extract_lane(v, 3))
}

/** Where channel k of tile t goes in a block of `tb` tiles packed by channel panels: vp[k / MR][t][k % MR]. */
// @ts-ignore: decorator
@inline export function channelSlot(vp: usize, k: i32, t: i32, tb: i32): usize {
  return vp + <usize>(((k / MR) * tb + t) * MR + k % MR) * 4
}

/** The 4 lanes of v to a0..a3 (+ off): 4 channels that may straddle two channel panels. */
// @ts-ignore: decorator
@inline export function scatter4(v: v128, a0: usize, a1: usize, a2: usize, a3: usize, off: usize): void {
  store<f32>(a0 + off, f32x4.extract_lane(v, 0))
  store<f32>(a1 + off, f32x4.extract_lane(v, 1))
  store<f32>(a2 + off, f32x4.extract_lane(v, 2))
  store<f32>(a3 + off, f32x4.extract_lane(v, 3))
}

/**
 * The one-pass conv + ReLU + 2x2 stride-2 max-pool (the Winograd variants' pooled forward): one window of 4
 * channels, its pixels v0 (top left), v1 (top right), v2 (bottom left), v3 (bottom right), with bias but
 * before the ReLU. The max goes to `y`; with `argmax` (or 0) the flat index in the conv's output [n, outH,
 * outW, N] of each lane's max, where v0's first lane is `first` and `rowN` = outW * N. Values and indices
 * equal the unfused conv then pool's, which compares max(v, 0) in this order with strictly greater winning
 * (maxPoolForward, conv.ts poolRowPair: the first of equals wins). The ReLU comes once, after the max: where
 * the window's max is > 0 the same pixel wins either way (the ReLU leaves it and every pixel that ties it
 * alone); where it is not, every pixel is 0 after the ReLU, so the first (v0) wins. A NaN wins neither way
 * unless it is v0, and then stays (the ReLU keeps a NaN).
 */
// @ts-ignore: decorator
@inline export function poolWindow(v0: v128, v1: v128, v2: v128, v3: v128, y: usize, argmax: usize, first: i32, N: i32, rowN: i32): void {
  let best = v0
  const wins1 = f32x4.gt(v1, best)
  best = v128.bitselect(v1, best, wins1)
  const wins2 = f32x4.gt(v2, best)
  best = v128.bitselect(v2, best, wins2)
  const wins3 = f32x4.gt(v3, best)
  best = v128.bitselect(v3, best, wins3)
  const zero = f32x4.splat(0)
  v128.store(y, f32x4.max(best, zero))
  if (argmax) {
    const a0 = i32x4.add(i32x4.splat(first), i32x4(0, 1, 2, 3))
    let off = v128.and(i32x4.splat(N), wins1)
    off = v128.bitselect(i32x4.splat(rowN), off, wins2)
    off = v128.bitselect(i32x4.splat(rowN + N), off, wins3)
    v128.store(argmax, i32x4.add(a0, v128.and(off, f32x4.gt(best, zero))))
  }
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
