// Register-blocked GEMM with operand packing (the Goto/BLIS scheme) on 128-bit SIMD, in AssemblyScript.
// C[m, n] (+)= op(A)[m, k] op(B)[k, n], row-major float32. Pointers are byte offsets into the shared memory.
// Compiled twice: with relaxed SIMD (fused multiply-add where the CPU has it) and with plain mul+add.

// A 6x8 register tile: 12 accumulators + 2 B vectors + 1 broadcast A = 15 of the 16 SIMD registers.
export const MR: i32 = 6
export const NR: i32 = 8
// K is cut into equal blocks of at most KC (288 = 256 + 32 would re-read C for a sliver of work).
const KC: i32 = 384
const MC: i32 = 96
const NC: i32 = 512

export const PACK_A_BYTES: i32 = MC * KC * 4
export const PACK_B_BYTES: i32 = KC * NC * 4

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c)
  return f32x4.add(f32x4.mul(a, b), c)
}

/** Packs B[k0:k0+kc, j0:j0+nc] into panels of NR columns: bp[(panel * kc + kk) * NR + j], zero-filled past n. */
function packB(b: usize, transB: bool, n: i32, k: i32, k0: i32, kc: i32, j0: i32, nc: i32, bp: usize): void {
  const panels = (nc + NR - 1) / NR
  for (let p = 0; p < panels; p++) {
    const col0 = j0 + p * NR
    const full = col0 + NR <= n
    let dst = bp + <usize>(p * kc * NR) * 4
    if (!transB && full) {
      let src = b + (<usize>k0 * <usize>n + <usize>col0) * 4
      for (let kk = 0; kk < kc; kk++) {
        v128.store(dst, v128.load(src))
        v128.store(dst, v128.load(src, 16), 16)
        src += <usize>n * 4
        dst += NR * 4
      }
      continue
    }
    for (let kk = 0; kk < kc; kk++) {
      for (let j = 0; j < NR; j++) {
        const col = col0 + j
        let v: f32 = 0
        if (col < n) v = transB ? load<f32>(b + (<usize>col * <usize>k + <usize>(k0 + kk)) * 4) : load<f32>(b + (<usize>(k0 + kk) * <usize>n + <usize>col) * 4)
        store<f32>(dst + <usize>j * 4, v)
      }
      dst += NR * 4
    }
  }
}

/** Packs A[i0:i0+mc, k0:k0+kc] into panels of MR rows: ap[(panel * kc + kk) * MR + i], zero-filled past m. */
function packA(a: usize, transA: bool, m: i32, k: i32, i0: i32, mc: i32, k0: i32, kc: i32, ap: usize): void {
  const panels = (mc + MR - 1) / MR
  for (let p = 0; p < panels; p++) {
    const row0 = i0 + p * MR
    const base = ap + <usize>(p * kc * MR) * 4
    if (transA && row0 + MR <= m) {
      // A stored [k, m]: a panel's MR rows are contiguous for each kk, so copy them as one run.
      let src = a + (<usize>k0 * <usize>m + <usize>row0) * 4
      let dst = base
      for (let kk = 0; kk < kc; kk++) {
        v128.store(dst, v128.load(src))
        store<u64>(dst, load<u64>(src, 16), 16)
        src += <usize>m * 4
        dst += MR * 4
      }
      continue
    }
    for (let i = 0; i < MR; i++) {
      const row = row0 + i
      let dst = base + <usize>i * 4
      if (row >= m) {
        for (let kk = 0; kk < kc; kk++) { store<f32>(dst, 0); dst += MR * 4 }
        continue
      }
      if (transA) {
        let src = a + (<usize>k0 * <usize>m + <usize>row) * 4
        for (let kk = 0; kk < kc; kk++) { store<f32>(dst, load<f32>(src)); src += <usize>m * 4; dst += MR * 4 }
      } else {
        let src = a + (<usize>row * <usize>k + <usize>k0) * 4
        for (let kk = 0; kk < kc; kk++) { store<f32>(dst, load<f32>(src)); src += 4; dst += MR * 4 }
      }
    }
  }
}

// Scratch for edge tiles (rows < MR or cols < NR): computed in full, then the valid part copied out.
const EDGE: usize = memory.data(MR * NR * 4, 16)

/** The epilogue of one vector of C: add the old C (acc), then the bias, then ReLU, in registers. */
// @ts-ignore: decorator
@inline function fin(v: v128, p: usize, off: usize, acc: bool, b: v128, relu: bool): v128 {
  if (acc) v = f32x4.add(v128.load(p + off), v)
  v = f32x4.add(v, b)
  return relu ? f32x4.max(v, f32x4.splat(0)) : v
}

/**
 * One MR x NR tile of C from packed panels; `acc`: add to C instead of overwriting it. On the last K
 * block, `bias` (a pointer to this tile's 8 columns, or 0) and `relu` finish the output in registers.
 */
// @ts-ignore: decorator
@inline function tile(ap: usize, bp: usize, kc: i32, c: usize, ldc: i32, rows: i32, cols: i32, acc: bool, bias: usize, relu: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0)
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0)
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0)
  let pa = ap, pb = bp
  for (let kk = 0; kk < kc; kk++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16)
    let av = v128.load32_splat(pa)
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01)
    av = v128.load32_splat(pa, 4)
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11)
    av = v128.load32_splat(pa, 8)
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21)
    av = v128.load32_splat(pa, 12)
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31)
    av = v128.load32_splat(pa, 16)
    c40 = madd(av, b0, c40); c41 = madd(av, b1, c41)
    av = v128.load32_splat(pa, 20)
    c50 = madd(av, b0, c50); c51 = madd(av, b1, c51)
    pa += MR * 4
    pb += NR * 4
  }
  storeTile(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c, ldc, rows, cols, acc, bias, relu)
}

/** One row of 8 of a tile into C at p, through fin. */
// @ts-ignore: decorator
@inline function storeRow(p: usize, lo: v128, hi: v128, acc: bool, b0: v128, b1: v128, relu: bool): void {
  v128.store(p, fin(lo, p, 0, acc, b0, relu)); v128.store(p, fin(hi, p, 16, acc, b1, relu), 16)
}

/**
 * Writes a 6x8 tile of accumulators to C (ldc floats a row): rows x cols of it, `acc` adding to C, then
 * `bias` (8 columns' worth, or 0) and ReLU. Every kernel with this register tile finishes through here.
 */
// @ts-ignore: decorator
@inline export function storeTile(c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128, c40: v128, c41: v128, c50: v128, c51: v128,
  c: usize, ldc: i32, rows: i32, cols: i32, acc: bool, bias: usize, relu: bool): void {
  if (cols == NR) {
    // Whole rows of 8 (every tile but those at C's right edge): vector stores, row by row, the short tiles
    // at C's bottom edge (and a direct conv's last pixels of a row) as well as the full ones.
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0)
    if (bias) { b0 = v128.load(bias); b1 = v128.load(bias, 16) }
    const ld: usize = <usize>ldc * 4
    storeRow(c, c00, c01, acc, b0, b1, relu)
    if (rows == 1) return
    storeRow(c + ld, c10, c11, acc, b0, b1, relu)
    if (rows == 2) return
    storeRow(c + 2 * ld, c20, c21, acc, b0, b1, relu)
    if (rows == 3) return
    storeRow(c + 3 * ld, c30, c31, acc, b0, b1, relu)
    if (rows == 4) return
    storeRow(c + 4 * ld, c40, c41, acc, b0, b1, relu)
    if (rows == 5) return
    storeRow(c + 5 * ld, c50, c51, acc, b0, b1, relu)
    return
  }
  let p = EDGE
  v128.store(p, c00); v128.store(p, c01, 16); p += NR * 4
  v128.store(p, c10); v128.store(p, c11, 16); p += NR * 4
  v128.store(p, c20); v128.store(p, c21, 16); p += NR * 4
  v128.store(p, c30); v128.store(p, c31, 16); p += NR * 4
  v128.store(p, c40); v128.store(p, c41, 16); p += NR * 4
  v128.store(p, c50); v128.store(p, c51, 16)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const dst = c + (<usize>i * <usize>ldc + <usize>j) * 4
      let v = load<f32>(EDGE + <usize>(i * NR + j) * 4)
      if (acc) v += load<f32>(dst)
      if (bias) v += load<f32>(bias + <usize>j * 4)
      if (relu && v < 0) v = 0
      store<f32>(dst, v)
    }
  }
}

/**
 * C = op(A) op(B) (+ C when accumulate), then + bias[n] and ReLU when given (bias 0: none).
 * `pa`/`pb` are scratch of PACK_A_BYTES / PACK_B_BYTES.
 */
export function gemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: bool, pa: usize, pb: usize, bias: usize, relu: bool): void {
  if (m <= 0 || n <= 0) return
  if (k <= 0) {
    if (!accumulate) memory.fill(c, 0, <usize>m * <usize>n * 4)
    return
  }
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0)
    const kblock = (k + ((k + KC - 1) / KC) - 1) / ((k + KC - 1) / KC)
    for (let k0 = 0; k0 < k; k0 += kblock) {
      const kc = min(kblock, k - k0)
      const acc = accumulate || k0 > 0
      const last = k0 + kc >= k
      packB(b, transB, n, k, k0, kc, j0, nc, pb)
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0)
        packA(a, transA, m, k, i0, mc, k0, kc, pa)
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr)
          const bpanel = pb + <usize>(jr / NR) * <usize>(kc * NR) * 4
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir)
            tile(pa + <usize>(ir / MR) * <usize>(kc * MR) * 4, bpanel, kc, c + (<usize>(i0 + ir) * <usize>n + <usize>(j0 + jr)) * 4, n, rows, cols, acc,
              last && bias ? bias + <usize>(j0 + jr) * 4 : 0, last && relu)
          }
        }
      }
    }
  }
}

/**
 * C (+)= A B from operands already in the packed layouts (A: `panels` panels of MR rows, B: `jpanels` panels
 * of NR columns, both over K = kc), every tile full; ldc in floats. For kernels that write their operands
 * packed (Winograd), so no packing pass is needed.
 */
export function gemmPacked(ap: usize, panels: i32, bp: usize, jpanels: i32, kc: i32, c: usize, ldc: i32, accumulate: bool): void {
  for (let j = 0; j < jpanels; j++) {
    const bpanel = bp + <usize>(j * kc * NR) * 4
    for (let p = 0; p < panels; p++) {
      tile(ap + <usize>(p * kc * MR) * 4, bpanel, kc, c + (<usize>(p * MR) * <usize>ldc + <usize>(j * NR)) * 4, ldc, MR, NR, accumulate, 0, false)
    }
  }
}

/**
 * C = A B + bias, ReLU, from packed panels with edges: m rows (the last panel may be partial) and n
 * columns (ditto), over K = kc. For operands packed as they are produced (im2col straight into panels).
 */
export function gemmPackedEdges(ap: usize, m: i32, bp: usize, n: i32, kc: i32, c: usize, ldc: i32, bias: usize, relu: bool): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    const bpanel = bp + <usize>(j0 / NR * kc * NR) * 4
    const cols = min(NR, n - j0)
    const b = bias ? bias + <usize>j0 * 4 : 0
    for (let i0 = 0; i0 < m; i0 += MR) {
      tile(ap + <usize>(i0 / MR * kc * MR) * 4, bpanel, kc, c + (<usize>i0 * <usize>ldc + <usize>j0) * 4, ldc, min(MR, m - i0), cols, false, b, relu)
    }
  }
}

/** Packs all of B [k, n] (row-major) into panels of NR columns over the whole K, zero past n. */
export function packWhole(b: usize, n: i32, k: i32, bp: usize): void {
  packB(b, false, n, k, 0, k, 0, n, bp)
}
