// Pieces both Winograd variants (winograd.ts, winograd4.ts) use to write their transforms into the GEMM's
// packed layouts.
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
