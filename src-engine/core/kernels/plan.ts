// What the fast kernels choose for a conv and how much memory they reserve, in plain TypeScript: the one
// source of the scratch sizes, the GEMM's packing buffers and the memory cap on the TypeScript side.
// wasm.ts reserves by it, and the training plan (core/nn/plan.ts) and memory estimate replay it. The
// numbers mirror the AssemblyScript kernels' own (src-engine/wasm, a separate build that cannot import
// these); tests/engine/kernels/plan.test.ts holds every one to the compiled module's exports.
import type { ConvAlgorithm, WindowDims } from './types.ts'

/** The GEMM's register tile (src-engine/wasm/gemm.ts). */
const MR = 6
const NR = 8
/** The GEMM's cache blocks: rows of A, depth, columns of B (src-engine/wasm/gemm.ts MC, KC, NC). */
const MC = 96
const KC = 384
const NC = 512
/** The GEMM's packing buffers, reserved once per kernel instance (the module's PACK_A_BYTES, PACK_B_BYTES). */
export const PACK_A_BYTES = MC * KC * 4
export const PACK_B_BYTES = KC * NC * 4

/** What one allocation of `bytes` takes in the kernels' memory: wasm.ts starts every one on a 64-byte line. */
export const reservedBytes = (bytes: number) => Math.ceil(Math.max(bytes, 4) / 64) * 64

/** A WebAssembly page. */
export const WASM_PAGE = 65536
/** The kernel module's memory may grow to this many pages (its build's --maximumMemory; 2 GiB). */
export const WASM_MAX_PAGES = 32768
/** Bytes one kernel instance (one training worker) can hold: everything it plans must fit under it. */
export const WASM_MEMORY_LIMIT = WASM_MAX_PAGES * WASM_PAGE
/** Tiles per block of Winograd F(2x2, 3x3), F(4x4, 3x3) and F(6x6, 3x3); output pixels per block of the packed im2col. */
const TB2 = 48
const TB4 = 24
const TB6 = 12
const TB8 = 6
/** F(6x6, 3x3)'s and F(8x8, 3x3)'s weight gradients sum over larger blocks (src-engine/wasm/winograd6.ts and winograd8.ts TBF). */
const TBF = 24
const PB = 96
/** Winograd pads each position's plane by a cache line (16 floats) against cache-set conflicts. */
const PAD = 16

/**
 * The measured rule (scripts/bench-conv.ts, one thread, batch 32, CPU time): Winograd takes 0.25-0.7x the
 * time of im2col + GEMM from 8 input channels up on maps of 6x6 and more, and only breaks even on 4x4;
 * F(4x4, 3x3) beats F(2x2, 3x3) from 8x8 maps up (fewer multiplies, edge tiles wasted less); F(6x6, 3x3)
 * beats F(4x4, 3x3) where its tiles waste little (maps of 6, 10, 12, 18, 24, 48: see WINOGRAD6_MAX_MULTIPLIES).
 */
const WINOGRAD_MIN_CIN = 8
const WINOGRAD_MIN_SIZE = 6
const WINOGRAD4_MIN_SIZE = 8
/**
 * F(6x6, 3x3) takes a layer where its tiles need at most this share of F(4x4)'s multiplies (64 per 6x6 tile
 * against 36 per 4x4 tile, edge tiles counted whole). Measured (bench-conv, batch 32, one thread, the three
 * passes summed, against F(4x4)): with 0.79 of the multiplies (maps of 10, 12, 24, 48) 0.82-0.89x the time
 * (48x48 32->64 0.84x, 24x24 64->128 0.82x, 12x12 128->256 0.85x, 10x10 64->64 0.85x, 12x12 8->16 0.88x),
 * on 18x18 (0.64) 0.68x, on 6x6 (0.44; there against the F(2x2) it replaces) 0.5-0.65x; with as many
 * (16x16, 32x32) 0.98-1.05x, and 1.05-1.13x at 8 or 16 channels; with 0.91 (28x28 32->32) 0.91-0.96x, too
 * close to count; 20x20 (1.14) 1.18x, 8x8 (1.78) 1.67x.
 */
const WINOGRAD6_MAX_MULTIPLIES = 0.85
/**
 * F(8x8, 3x3) takes a layer where its tiles need at most this share of the multiplies of the F(2x2), F(4x4) or
 * F(6x6) it would replace (100 per 8x8 tile). Measured (scripts/bench-conv.ts, batch 64, one thread, CPU time,
 * each pass against the one replaced): with 0.69 (maps of 8, 16, 32) 0.79-0.86x the time (16x16 32->64 0.82x,
 * 8x8 64->128 0.79x, 32x32 32->32 0.86x), with 0.88 (24x24, 48x48, against F(6x6)) 0.93-0.96x, with 0.39
 * (7x7, against F(2x2)) 0.5x; on 12x12 and 6x6 (1.56) 1.5x. Never for an RGB first layer: its forward folds
 * the GEMM (3 channels deep) into the output transform, which then dominates, and F(8x8)'s costs more per output
 * than F(4x4)'s or F(6x6)'s saves in multiplies. Measured (an ad-hoc script, pooled, one thread, equal work, best
 * of 7): 32x32 F(4x4) 18.4 ms, F(8x8) 19.6, F(6x6) 20.5; 64x64 F(6x6) 17.7, F(4x4) 18.1, F(8x8) 18.6; 96x96 F(6x6)
 * 17.2, F(4x4) 18.1, F(8x8) 19.0; 28x28 F(4x4) 18.5, F(6x6) 19.1, F(8x8) 23.6; 224x224 F(6x6) 16.4, F(4x4) 16.6,
 * F(8x8) 17.6: smallerWinograd's rule picks the fastest of each.
 */
const WINOGRAD8_MAX_MULTIPLIES = 0.9
/**
 * Up to this window size (kh * kw * Cin) the forward pass writes im2col straight into the GEMM's packed
 * panels: a panel pair of this depth still fits the L1 cache; deeper windows take the blocked GEMM.
 */
export const PACKED_IM2COL_MAX_K = 640

const ceilTo = (v: number, m: number) => Math.ceil(v / m) * m

/** A plain 1x1 conv: the input already is the GEMM's operand, no scratch. */
export const isPlain1x1 = (d: WindowDims) =>
  d.kh === 1 && d.kw === 1 && d.sh === 1 && d.sw === 1 && d.padTop === 0 && d.padLeft === 0 && d.padBottom === 0 && d.padRight === 0

/** 3x3 stride 1, channel counts in whole SIMD vectors, padding the input gradient can mirror (2 - pad). */
export const winogradFits = (d: WindowDims) =>
  winogradGeometry(d) && d.cin % 4 === 0 && d.cin >= WINOGRAD_MIN_CIN && d.outH >= WINOGRAD_MIN_SIZE && d.outW >= WINOGRAD_MIN_SIZE

const winogradGeometry = (d: WindowDims) =>
  d.kh === 3 && d.kw === 3 && d.sh === 1 && d.sw === 1 && d.cout % 4 === 0 && d.padTop <= 2 && d.padLeft <= 2 && d.padBottom <= 2 && d.padRight <= 2

/**
 * An RGB first layer's forward pooled in one pass (conv + ReLU + 2x2 max-pool): F(4x4, 3x3) or F(6x6, 3x3)
 * with the 3 channels transformed as 4 (the 4th zero), so a third more multiplies than needed, still 3x
 * fewer than the direct conv's. Measured (one thread, batch 64, pooled, against the direct conv): 32x32x3 ->
 * 32 F(4x4) 0.88x the time, 96x96x3 -> 32 F(6x6) 0.82x; unpooled it is no faster (its output transform
 * writes 4x the pool's output), and its input and weight gradients stay the direct conv's.
 */
export const rgbWinogradFits = (d: WindowDims) => winogradGeometry(d) && d.cin === 3 && d.outH >= WINOGRAD4_MIN_SIZE && d.outW >= WINOGRAD4_MIN_SIZE

/** Which convs run their forward (plain or pooled) by Winograd `algo` (an RGB input: not F(2x2)). */
export const winogradForwardFits = (d: WindowDims, algo: ConvAlgorithm) => winogradFits(d) || (algo !== 'winograd2' && rgbWinogradFits(d))

/** Output tiles of t x t that cover a conv's output map. */
const tiles = (d: WindowDims, t: number) => Math.ceil(d.outH / t) * Math.ceil(d.outW / t)

type WinogradAlgorithm = Exclude<ConvAlgorithm, 'gemm'>

/** Each Winograd variant's output tile (m x m), positions per tile ((m + 2)^2: its multiplies) and tiles per block. */
const WINOGRAD: Record<WinogradAlgorithm, { m: number; positions: number; block: number }> = {
  winograd2: { m: 2, positions: 16, block: TB2 },
  winograd4: { m: 4, positions: 36, block: TB4 },
  winograd6: { m: 6, positions: 64, block: TB6 },
  winograd8: { m: 8, positions: 100, block: TB8 },
}

/** The multiplies per input and output channel pair of a conv by `algo`, edge tiles counted whole. */
const multiplies = (d: WindowDims, algo: WinogradAlgorithm) => WINOGRAD[algo].positions * tiles(d, WINOGRAD[algo].m)

export function chooseConv(d: WindowDims, pooled = false): ConvAlgorithm {
  if (!winogradFits(d) && !(pooled && rgbWinogradFits(d))) return 'gemm'
  const smaller = smallerWinograd(d)
  if (d.cin === 3) return smaller
  return multiplies(d, 'winograd8') / multiplies(d, smaller) <= WINOGRAD8_MAX_MULTIPLIES ? 'winograd8' : smaller
}

/** F(2x2), F(4x4) or F(6x6) by the rule (the choice F(8x8) is measured against). */
function smallerWinograd(d: WindowDims): WinogradAlgorithm {
  if (multiplies(d, 'winograd6') <= WINOGRAD6_MAX_MULTIPLIES * multiplies(d, 'winograd4')) return 'winograd6'
  return d.outH >= WINOGRAD4_MIN_SIZE && d.outW >= WINOGRAD4_MIN_SIZE ? 'winograd4' : 'winograd2'
}

/** U for k input and n output channels: a plane of packed-B panels per position (an RGB input's 3 channels as 4), each padded by a cache line. */
const transformedWeightsBytes = (algo: WinogradAlgorithm, k: number, n: number) => WINOGRAD[algo].positions * (ceilTo(k, 4) * ceilTo(n, NR) + PAD) * 4

/**
 * Winograd's scratch for k input and n output channels: U, then V and M of one block. An RGB input (k = 3, an
 * F(4x4), F(6x6) or F(8x8) forward: rgbWinogradFits) runs tile by tile, its V and M in the module's own L1
 * scratch: U alone.
 */
export function winogradScratchBytes(algo: WinogradAlgorithm, k: number, n: number): number {
  const { positions: p, block: tb } = WINOGRAD[algo]
  const u = transformedWeightsBytes(algo, k, n)
  return k === 3 && algo !== 'winograd2' ? u : u + p * (tb * ceilTo(k, 4) + PAD + tb * ceilTo(n, NR) + PAD) * 4
}


/**
 * What a conv's Winograd forward keeps between calls (Kernels.keepWeights): U as the forward lays it out
 * (winogradScratchBytes' first part; the module's winograd*KeptBytes) and a copy of the weights it was made
 * from. 0 bytes where the forward is not Winograd. Measured (scripts/bench-cpu.ts --layers, one thread, batch
 * 64, inference): made once instead of per batch, SmallCNN's 8x8x64->128 takes 0.91x the time, the photo
 * net's 12x12x128->256 0.96x; with two workers, each of which made its own U, twice the gain.
 */
export function keptWeightsBytes(d: WindowDims, algo: ConvAlgorithm): { u: number; weights: number } {
  if (algo === 'gemm' || !winogradForwardFits(d, algo)) return { u: 0, weights: 0 }
  return { u: transformedWeightsBytes(algo, d.cin, d.cout), weights: 9 * d.cin * d.cout * 4 }
}

/** Winograd's weight-gradient scratch: dU, then V and dM of one block. */
export function winogradFilterScratchBytes(algo: WinogradAlgorithm, k: number, n: number): number {
  const { positions: p, block } = WINOGRAD[algo]
  const tb = algo === 'winograd6' || algo === 'winograd8' ? TBF : block
  const kp = ceilTo(k, MR), np = ceilTo(n, NR)
  return p * (kp * np + PAD + tb * kp + PAD + tb * np + PAD) * 4
}

/** The packed-im2col forward's scratch: the packed weights and one block of packed rows. */
export const packedForwardScratchBytes = (k: number, cout: number) => (ceilTo(cout, NR) * k + PB * k) * 4

/**
 * Row pairs of a conv's output pooled per block by the one-pass conv + ReLU + 2x2 pool: a whole
 * number of MR-row panels and about PB rows at least (src-engine/wasm/conv.ts pairsPerBlock).
 */
function pairsPerBlock(outW: number): number {
  const rows = 2 * outW
  let g = 1
  while ((g * rows) % MR !== 0) g++
  return g * Math.max(1, Math.floor(PB / (g * rows)))
}

/** Conv output rows up to this wide are pooled in one pass with their conv (the two rows' tile stays in the L1/L2 cache). */
const POOL_FUSE_MAX_WIDTH = 256

/**
 * Which convs the fast kernels run in one pass with their 2x2 max-pool (Kernels.fusesPool): those of the
 * packed or direct forward (not a plain 1x1), two output rows of a modest width at a time; and every
 * Winograd conv, whose output tiles (at even coordinates) hold whole windows, pooled as each is transformed.
 */
export const fusesPool = (d: WindowDims, algo: ConvAlgorithm) =>
  algo === 'gemm'
    ? !isPlain1x1(d) && d.kh * d.kw * d.cin <= PACKED_IM2COL_MAX_K && d.outW <= POOL_FUSE_MAX_WIDTH && d.outH >= 2 && d.outW >= 2
    : winogradForwardFits(d, algo)

/**
 * Which convs the fast kernels run in one pass with their ReLU and a global average pooling (Kernels.fusesGap):
 * the Winograd F(4x4), F(6x6) and F(8x8) forwards, whose output transform adds each tile's outputs to its
 * image's sums instead of writing them (SmallCNN's last conv, the photo net's). Same scratch as the forward.
 */
export const fusesGap = (d: WindowDims, algo: ConvAlgorithm) => algo !== 'gemm' && algo !== 'winograd2' && winogradForwardFits(d, algo)

/**
 * Which of those take their weight gradient straight from the pool's (Kernels.filterGradFromPool): the direct
 * convs' weight gradient, whichever forward pooled (an RGB first layer's Winograd forward too).
 */
export const filterGradFromPool = (d: WindowDims, algo: ConvAlgorithm) => fusesPool(d, algo) && narrowFilterFits(d)

/** The one-pass conv + pool's scratch: the packed weights, one block of packed rows and its output tile. */
export function pooledForwardScratchBytes(k: number, cout: number, outW: number): number {
  const rows = pairsPerBlock(outW) * 2 * outW
  return (ceilTo(cout, NR) * k + ceilTo(rows, MR) * k + rows * cout) * 4
}

/**
 * Up to this many input channels a conv (not a plain 1x1, windows no deeper than the packed panels) runs
 * direct (src-engine/wasm/conv-narrow.ts): the GEMM's tile reads each window from a zero-padded copy of the
 * image instead of im2col copying it. Measured on SmallCNN's and the photo net's first layers (3 channels):
 * forward and weight gradient each about 2x faster than the packed im2col (bench --profile).
 */
const NARROW_MAX_CIN = 4
export const isNarrow = (d: WindowDims) => d.cin <= NARROW_MAX_CIN && !isPlain1x1(d) && d.kh * d.kw * d.cin <= PACKED_IM2COL_MAX_K
/** The direct weight gradient reads dy in whole vectors: output channels a multiple of 4. */
export const narrowFilterFits = (d: WindowDims) => isNarrow(d) && d.cout % 4 === 0

/** The direct conv's scratch (conv-narrow.ts narrowScratchBytes): packed weights, one padded image, two conv rows. */
export function narrowScratchBytes(d: WindowDims): number {
  const K = d.kh * d.kw * d.cin
  const padW = Math.max(d.inW + d.padLeft, (ceilTo(d.outW, MR) - 1) * d.sw + d.kw)
  const padH = Math.max(d.inH + d.padTop, (d.outH - 1) * d.sh + d.kh)
  return (ceilTo(d.cout, NR) * K + ceilTo(padH * padW * d.cin, 4) + 2 * d.outW * d.cout) * 4
}

/** The im2col weight gradient runs over groups of images of about this many output pixels (cache-sized columns). */
const FILTER_GROUP_PIXELS = 1024

/** Images per group of the im2col weight gradient. */
export const filterGroup = (d: WindowDims) => Math.min(d.n, Math.max(1, Math.ceil(FILTER_GROUP_PIXELS / (d.outH * d.outW))))

/** A conv's passes: forward, input gradient, weight gradient; 'pooled' is the one-pass conv + ReLU + pool. */
export type ConvPass = 'forward' | 'data' | 'weights' | 'pooled' | 'gap'

/** Scratch bytes one pass of a conv asks the kernels for (0: none). */
export function convScratchBytes(d: WindowDims, algo: ConvAlgorithm, pass: ConvPass): number {
  // Winograd's pooled (and global-pooled) forward is its forward with another output transform: the same scratch.
  if (algo !== 'gemm' && (pass === 'forward' || pass === 'pooled' || pass === 'gap') && winogradForwardFits(d, algo)) return winogradScratchBytes(algo, d.cin, d.cout)
  if (pass === 'gap') return 0 // no such pass (fusesGap)
  if (algo !== 'gemm' && winogradFits(d)) {
    if (pass === 'data') return winogradScratchBytes(algo, d.cout, d.cin)
    return winogradFilterScratchBytes(algo, d.cin, d.cout)
  }
  if (pass === 'pooled') return isNarrow(d) ? narrowScratchBytes(d) : pooledForwardScratchBytes(d.kh * d.kw * d.cin, d.cout, d.outW)
  if (isPlain1x1(d)) return 0
  if ((pass === 'forward' && isNarrow(d)) || (pass === 'weights' && narrowFilterFits(d))) return narrowScratchBytes(d)
  const K = d.kh * d.kw * d.cin
  if (pass === 'forward' && K <= PACKED_IM2COL_MAX_K) return packedForwardScratchBytes(K, d.cout)
  const images = pass === 'weights' ? filterGroup(d) : d.n
  return images * d.outH * d.outW * K * 4 // im2col's columns (or their gradient)
}
