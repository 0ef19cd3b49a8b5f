// A direct convolution for inputs of few channels (RGB or grey: a network's first layer). With 3 input
// channels a 3x3 window holds 27 numbers, and im2col + GEMM spends most of its time copying them into
// packed panels. Here the GEMM's 6x8 register tile reads each window straight from a zero-padded copy of the
// image: in NHWC a window's row is kw * cin contiguous floats, and the next output pixel's starts sw * cin
// floats on. Only the weights are packed. The sums are the packed GEMM's, in the same order (k = 0..K-1 in
// one block), so the outputs equal convForwardPacked's exactly.
import { madd, MR, NR, packWhole, storeTile } from './gemm'
import { poolRowPair } from './conv'

/** Output pixels past the row's end that a last tile of MR computes and drops read padding, never another row. */
// @ts-ignore: decorator
@inline function paddedW(inW: i32, kw: i32, sw: i32, padLeft: i32, outW: i32): i32 {
  return max(inW + padLeft, ((outW + MR - 1) / MR * MR - 1) * sw + kw)
}

// @ts-ignore: decorator
@inline function paddedH(inH: i32, kh: i32, sh: i32, padTop: i32, outH: i32): i32 {
  return max(inH + padTop, (outH - 1) * sh + kh)
}

// @ts-ignore: decorator
@inline function vecs(floats: i32): i32 {
  return (floats + 3) & ~3
}

/** The packed weights, one padded image and two conv rows (the one-pass pool's tile), in bytes. */
export function narrowScratchBytes(inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32): i32 {
  const K = kh * kw * cin
  const padded = paddedH(inH, kh, sh, padTop, outH) * paddedW(inW, kw, sw, padLeft, outW) * cin
  return ((cout + NR - 1) / NR * NR * K + vecs(padded) + 2 * outW * cout) * 4
}

/** Where the padded image starts in the scratch: after the packed weights (narrowScratchBytes's layout). */
// @ts-ignore: decorator
@inline function paddedAt(scratch: usize, K: i32, cout: i32): usize {
  return scratch + <usize>((cout + NR - 1) / NR * NR * K) * 4
}

/** Image b of x into `dst` with its zero border: pixel (py, px) of dst is x[b, py - padTop, px - padLeft]. */
function padImage(x: usize, b: i32, inH: i32, inW: i32, cin: i32, padTop: i32, padLeft: i32, PH: i32, PW: i32, dst: usize): void {
  const run: usize = <usize>(inW * cin) * 4
  memory.fill(dst, 0, <usize>(PH * PW * cin) * 4)
  const img = x + <usize>b * <usize>inH * run
  for (let iy = 0; iy < inH; iy++) memory.copy(dst + <usize>(((iy + padTop) * PW + padLeft) * cin) * 4, img + <usize>iy * run, run)
}

/**
 * One MR x NR tile: MR output pixels (the first at xp in the padded image, the next ps bytes on) times NR
 * output channels of the packed weights bp; kh window rows rowBytes apart, each ke floats long. `six` false:
 * only the first 4 pixels (a row's last ones, where a tile of 6 would compute more than it keeps); the sums
 * are the same term for term, so a row's outputs do not depend on how it is split. Always called with a
 * constant `six`, so each inlined copy keeps only its own branch.
 */
// @ts-ignore: decorator
@inline function tile(xp: usize, rowBytes: usize, kh: i32, ke: i32, ps: usize, bp: usize, c: usize, ldc: i32, rows: i32, cols: i32, bias: usize, relu: bool, six: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0)
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0)
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0)
  let pb = bp
  for (let ky = 0; ky < kh; ky++) {
    let pa = xp + <usize>ky * rowBytes
    const end = pa + <usize>ke * 4
    while (pa < end) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16)
      let av = v128.load32_splat(pa)
      c00 = madd(av, b0, c00); c01 = madd(av, b1, c01)
      av = v128.load32_splat(pa + ps)
      c10 = madd(av, b0, c10); c11 = madd(av, b1, c11)
      av = v128.load32_splat(pa + 2 * ps)
      c20 = madd(av, b0, c20); c21 = madd(av, b1, c21)
      av = v128.load32_splat(pa + 3 * ps)
      c30 = madd(av, b0, c30); c31 = madd(av, b1, c31)
      if (six) {
        av = v128.load32_splat(pa + 4 * ps)
        c40 = madd(av, b0, c40); c41 = madd(av, b1, c41)
        av = v128.load32_splat(pa + 5 * ps)
        c50 = madd(av, b0, c50); c51 = madd(av, b1, c51)
      }
      pa += 4
      pb += NR * 4
    }
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c, ldc, rows, cols, false, bias, relu)
}

/** Output row oy of the padded image `pad` into y (outW pixels of cout channels), every tile of it. */
// @ts-ignore: decorator
@inline function rowOf(pad: usize, PW: i32, cin: i32, kh: i32, kw: i32, sh: i32, ps: usize, oy: i32, outW: i32, cout: i32, bp: usize, bias: usize, relu: bool, y: usize): void {
  const rowBytes: usize = <usize>(PW * cin) * 4
  const K = kh * kw * cin, ke = kw * cin
  const base = pad + <usize>(oy * sh) * rowBytes
  // Tiles of MR pixels, and the row's last pixels in tiles of 4 where a tile of MR would compute more
  // than it keeps: a row of 32 is 6+6+6+6+4+4, not 6+6+6+6+6+6 with 4 of the last 6 thrown away.
  const r = outW % MR
  const six = r == 0 || r == 5 ? outW : r <= 2 ? outW - r - MR : outW - r
  for (let ox0 = 0; ox0 < outW; ) {
    const xp = base + <usize>ox0 * ps
    const wide = ox0 < six
    const rows = wide ? min(MR, outW - ox0) : min(4, outW - ox0)
    for (let j0 = 0; j0 < cout; j0 += NR) {
      const bpj = bp + <usize>(j0 / NR * K * NR) * 4, c = y + <usize>(ox0 * cout + j0) * 4, cols = min(NR, cout - j0), b = bias ? bias + <usize>j0 * 4 : 0
      if (wide) tile(xp, rowBytes, kh, ke, ps, bpj, c, cout, rows, cols, b, relu, true)
      else tile(xp, rowBytes, kh, ke, ps, bpj, c, cout, rows, cols, b, relu, false)
    }
    ox0 += rows
  }
}

/** rowOf with the pixel step a constant for the common first layers (RGB or grey, stride 1 or 2). */
function row(pad: usize, PW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, oy: i32, outW: i32, cout: i32, bp: usize, bias: usize, relu: bool, y: usize): void {
  const ps = sw * cin * 4
  if (ps == 12) rowOf(pad, PW, cin, kh, kw, sh, 12, oy, outW, cout, bp, bias, relu, y)
  else if (ps == 4) rowOf(pad, PW, cin, kh, kw, sh, 4, oy, outW, cout, bp, bias, relu, y)
  else if (ps == 24) rowOf(pad, PW, cin, kh, kw, sh, 24, oy, outW, cout, bp, bias, relu, y)
  else rowOf(pad, PW, cin, kh, kw, sh, <usize>ps, oy, outW, cout, bp, bias, relu, y)
}

/** y [n, outH, outW, cout] = conv(x) + bias, ReLU when `relu`: the direct forward. */
export function narrowConv(x: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32, w: usize, bias: usize, relu: bool, y: usize, scratch: usize): void {
  const K = kh * kw * cin
  const bp = scratch
  packWhole(w, cout, K, bp)
  const pad = paddedAt(scratch, K, cout)
  const PH = paddedH(inH, kh, sh, padTop, outH), PW = paddedW(inW, kw, sw, padLeft, outW)
  const rowOut: usize = <usize>(outW * cout) * 4
  for (let b = 0; b < n; b++) {
    padImage(x, b, inH, inW, cin, padTop, padLeft, PH, PW, pad)
    const img = y + <usize>(b * outH) * rowOut
    for (let oy = 0; oy < outH; oy++) row(pad, PW, cin, kh, kw, sh, sw, oy, outW, cout, bp, bias, relu, img + <usize>oy * rowOut)
  }
}

/**
 * The direct forward + bias + ReLU, then a 2x2 stride-2 max-pool, in one pass: two conv rows at a time go
 * into a tile that stays in the cache and are pooled from there (see conv.ts poolRowPair); the conv's
 * output is never written. `argmax` (or 0): each max's flat index in the conv's output, for training.
 */
export function narrowConvPool(x: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32, w: usize, bias: usize, y: usize, argmax: usize, scratch: usize): void {
  const K = kh * kw * cin
  const bp = scratch
  packWhole(w, cout, K, bp)
  const pad = paddedAt(scratch, K, cout)
  const PH = paddedH(inH, kh, sh, padTop, outH), PW = paddedW(inW, kw, sw, padLeft, outW)
  const t = pad + <usize>vecs(PH * PW * cin) * 4
  const rowOut: usize = <usize>(outW * cout) * 4
  const pH = outH / 2, pW = outW / 2
  const pooledRow: usize = <usize>(pW * cout) * 4
  for (let b = 0; b < n; b++) {
    padImage(x, b, inH, inW, cin, padTop, padLeft, PH, PW, pad)
    for (let py = 0; py < pH; py++) {
      row(pad, PW, cin, kh, kw, sh, sw, 2 * py, outW, cout, bp, bias, true, t)
      row(pad, PW, cin, kh, kw, sh, sw, 2 * py + 1, outW, cout, bp, bias, true, t + rowOut)
      const o = <usize>(b * pH + py) * pooledRow
      poolRowPair(t, outW, cout, pW, y + o, argmax ? argmax + o : 0, (b * outH + 2 * py) * outW * cout)
    }
  }
}

/** Output rows of one chunk of the weight gradient: its dy (rows x outW x cout) stays in the L2 cache. */
const CHUNK_FLOATS: i32 = 32768

/**
 * dw [K, cout] = sum over output pixels of window(pixel) x dy(pixel): each 6x8 tile of dw (6 window
 * offsets, 8 output channels) is summed in registers over a chunk of one image's pixels, reading the window
 * from the padded image and dy in place. `cout` a multiple of 4.
 */
export function narrowFilterGrad(x: usize, dy: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32, dw: usize, scratch: usize): void {
  const K = kh * kw * cin, ke = kw * cin
  memory.fill(dw, 0, <usize>(K * cout) * 4)
  const PH = paddedH(inH, kh, sh, padTop, outH), PW = paddedW(inW, kw, sw, padLeft, outW)
  const pad = paddedAt(scratch, K, cout)
  const rowBytes: usize = <usize>(PW * cin) * 4, ps: usize = <usize>(sw * cin) * 4
  const chunk = max(1, CHUNK_FLOATS / (outW * cout))
  for (let b = 0; b < n; b++) {
    padImage(x, b, inH, inW, cin, padTop, padLeft, PH, PW, pad)
    for (let oy0 = 0; oy0 < outH; oy0 += chunk) {
      const oy1 = min(outH, oy0 + chunk)
      filterRows(pad + <usize>(oy0 * sh) * rowBytes, rowBytes, sh, ps, dy + <usize>(((b * outH + oy0) * outW) * cout) * 4, oy1 - oy0, outW, K, ke, cout, dw)
    }
  }
}

/**
 * dw [K, cout] += the window of each of `rows` output rows (outW pixels each, the first row's windows at xAt in
 * the padded image, sh rows of it apart) times its output gradient (dyAt, cout floats a pixel), every 6x8
 * tile of dw in turn (filterTile).
 */
function filterRows(xAt: usize, rowBytes: usize, sh: i32, ps: usize, dyAt: usize, rows: i32, outW: i32, K: i32, ke: i32, cout: i32, dw: usize): void {
  const rowStep = rowBytes * <usize>sh
  for (let k0 = 0; k0 < K; k0 += MR) {
    // Where each of the tile's 6 window offsets lies in a window; rows past K read offset 0 and are dropped.
    const o0 = offset(k0, K, ke, rowBytes), o1 = offset(k0 + 1, K, ke, rowBytes), o2 = offset(k0 + 2, K, ke, rowBytes)
    const o3 = offset(k0 + 3, K, ke, rowBytes), o4 = offset(k0 + 4, K, ke, rowBytes), o5 = offset(k0 + 5, K, ke, rowBytes)
    for (let j0 = 0; j0 < cout; j0 += NR) {
      const cols = min(NR, cout - j0), at = dw + <usize>(k0 * cout + j0) * 4, dyj = dyAt + <usize>j0 * 4
      if (cols == NR) filterTile(xAt, rowStep, ps, dyj, cout, rows, outW, o0, o1, o2, o3, o4, o5, true, at, min(MR, K - k0), cols)
      else filterTile(xAt, rowStep, ps, dyj, cout, rows, outW, o0, o1, o2, o3, o4, o5, false, at, min(MR, K - k0), cols)
    }
  }
}

/** Byte offset of window element k (row k / ke, element k % ke) from the window's corner; 0 past K. */
// @ts-ignore: decorator
@inline function offset(k: i32, K: i32, ke: i32, rowBytes: usize): usize {
  return k < K ? <usize>(k / ke) * rowBytes + <usize>(k % ke) * 4 : 0
}

/** One tile of dw summed over `rows` output rows of outW pixels, added to dw. `wide`: 8 channels, else 4. */
// @ts-ignore: decorator
@inline function filterTile(xAt: usize, rowStep: usize, ps: usize, dyAt: usize, cout: i32, rows: i32, outW: i32, o0: usize, o1: usize, o2: usize, o3: usize, o4: usize, o5: usize, wide: bool, c: usize, krows: i32, cols: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0)
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0)
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0)
  const dyStep: usize = <usize>cout * 4
  let pd = dyAt
  for (let r = 0; r < rows; r++) {
    let pa = xAt + <usize>r * rowStep
    for (let ox = 0; ox < outW; ox++) {
      const b0 = v128.load(pd)
      const b1 = wide ? v128.load(pd, 16) : f32x4.splat(0)
      let av = v128.load32_splat(pa + o0)
      c00 = madd(av, b0, c00); c01 = madd(av, b1, c01)
      av = v128.load32_splat(pa + o1)
      c10 = madd(av, b0, c10); c11 = madd(av, b1, c11)
      av = v128.load32_splat(pa + o2)
      c20 = madd(av, b0, c20); c21 = madd(av, b1, c21)
      av = v128.load32_splat(pa + o3)
      c30 = madd(av, b0, c30); c31 = madd(av, b1, c31)
      av = v128.load32_splat(pa + o4)
      c40 = madd(av, b0, c40); c41 = madd(av, b1, c41)
      av = v128.load32_splat(pa + o5)
      c50 = madd(av, b0, c50); c51 = madd(av, b1, c51)
      pa += ps
      pd += dyStep
    }
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c, cout, krows, cols, true, 0, false)
}

/**
 * The weight and bias gradients of a direct conv whose ReLU and 2x2 stride-2 max-pool ran in its pass
 * (narrowConvPool with argmax), from the pool's output gradient: two conv rows of the conv's output
 * gradient at a time are routed from the pool's (through argmax, masked where the pool's output `yp` is not
 * > 0 when yp is given: the ReLU's backward) into a tile that stays in the L1 cache, and summed into dw
 * from there. The conv's whole output gradient, 4x the pool's, is never written nor read back. `cout` a
 * multiple of 4; no input gradient (a first layer's input is the image).
 */
export function narrowFilterGradPooled(x: usize, dyp: usize, argmax: usize, yp: usize, n: i32, inH: i32, inW: i32, cin: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32, outH: i32, outW: i32, cout: i32, dw: usize, db: usize, scratch: usize): void {
  const K = kh * kw * cin, ke = kw * cin
  memory.fill(dw, 0, <usize>(K * cout) * 4)
  if (db) memory.fill(db, 0, <usize>cout * 4)
  const PH = paddedH(inH, kh, sh, padTop, outH), PW = paddedW(inW, kw, sw, padLeft, outW)
  const pad = paddedAt(scratch, K, cout)
  const t = pad + <usize>vecs(PH * PW * cin) * 4
  const rowBytes: usize = <usize>(PW * cin) * 4, ps: usize = <usize>(sw * cin) * 4
  const pH = outH / 2, pW = outW / 2
  // An odd last conv column has no window of the pool: its gradient stays 0.
  if (outW & 1) memory.fill(t, 0, <usize>(2 * outW * cout) * 4)
  for (let b = 0; b < n; b++) {
    padImage(x, b, inH, inW, cin, padTop, padLeft, PH, PW, pad)
    for (let py = 0; py < pH; py++) {
      const o = <usize>((b * pH + py) * pW * cout) * 4
      unpoolRows(dyp + o, argmax + o, yp ? yp + o : 0, pW, outW, cout, (b * outH + 2 * py) * outW * cout, t, db)
      const xAt = pad + <usize>(2 * py * sh) * rowBytes
      filterRows(pad + <usize>(2 * py * sh) * rowBytes, rowBytes, sh, ps, t, 2, outW, K, ke, cout, dw)
    }
  }
}

/**
 * One pooled row's gradient (pW pixels) back onto its two conv rows in `t`: each pooled value to where its
 * max was (argmax, flat indices from `first`), 0 elsewhere, as maxPoolBackward's tiled path does; each
 * routed value also added to db (or db 0: none).
 */
// @ts-ignore: decorator
@inline function unpoolRows(dy: usize, argmax: usize, y: usize, pW: i32, outW: i32, cout: i32, first: i32, t: usize, db: usize): void {
  const lanes = i32x4(0, 1, 2, 3)
  const zero = f32x4.splat(0)
  const pixel: usize = <usize>cout * 4, second: usize = <usize>(outW * cout) * 4
  let o: usize = 0
  for (let px = 0; px < pW; px++) {
    const q = t + <usize>(2 * px) * pixel
    const i0 = first + 2 * px * cout
    for (let ch = 0; ch < cout; ch += 4) {
      let g = v128.load(dy + o)
      if (y) g = v128.and(g, f32x4.gt(v128.load(y + o), zero))
      const at = v128.load(argmax + o)
      const a0 = i32x4.add(i32x4.splat(i0 + ch), lanes)
      const p = q + <usize>ch * 4
      v128.store(p, v128.and(g, i32x4.eq(at, a0)))
      v128.store(p + pixel, v128.and(g, i32x4.eq(at, i32x4.add(a0, i32x4.splat(cout)))))
      v128.store(p + second, v128.and(g, i32x4.eq(at, i32x4.add(a0, i32x4.splat(outW * cout)))))
      v128.store(p + second + pixel, v128.and(g, i32x4.eq(at, i32x4.add(a0, i32x4.splat(outW * cout + cout)))))
      if (db) v128.store(db + <usize>ch * 4, f32x4.add(v128.load(db + <usize>ch * 4), g))
      o += 16
    }
  }
}
