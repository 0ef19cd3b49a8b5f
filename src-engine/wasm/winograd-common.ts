// Pieces the Winograd variants (winograd.ts, winograd4.ts, winograd6.ts) share: writing their transforms into
// the GEMM's packed layouts, and pooling their output tiles in the one-pass conv + pool.
import { MR } from './gemm'
import { poolWindow } from './conv'

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
