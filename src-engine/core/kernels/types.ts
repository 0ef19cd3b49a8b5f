// The small, closed set of primitives every layer is built from (CONVENTIONS.md 3). Two implementations
// stand behind it: the reference kernels (plain loops written from the definitions, float32 or float64)
// and the fast kernels (WebAssembly SIMD). Every fast kernel is tested against its reference.
// All tensors are row-major NHWC; conv weights are [kh, kw, Cin, Cout]; dense weights are [in, units].
import type { WindowGeometry } from '../graph/window.ts'

export type FloatArray = Float32Array | Float64Array

/** One sliding-window problem (conv2d or pool): batch, input size and channels, output channels, window. */
export interface WindowDims extends WindowGeometry {
  n: number
  inH: number
  inW: number
  cin: number
  /** Output channels: `filters` for conv2d, equal to `cin` for pools. */
  cout: number
}

/**
 * How a conv2d is computed, chosen once per layer when the network is built (`Kernels.chooseConv`):
 * 'gemm' (im2col + GEMM, the GEMM alone for a plain 1x1, or the GEMM's tile reading the windows in place
 * where the input has few channels), or for 3x3 stride 1 Winograd F(2x2, 3x3) ('winograd2', 2.25x fewer
 * multiplies), F(4x4, 3x3) ('winograd4', 4x fewer), F(6x6, 3x3) ('winograd6', 5.06x fewer) or F(8x8, 3x3)
 * ('winograd8', 5.76x fewer).
 */
export type ConvAlgorithm = 'gemm' | 'winograd2' | 'winograd4' | 'winograd6' | 'winograd8'

/**
 * What a conv's Winograd forward keeps between calls (Kernels.keepWeights): its transformed weights U, and the
 * weights they were made from. A forward given them makes U again only where the weights changed, so
 * inference and validation, whose weights stay put, transform them once rather than on every batch.
 */
export interface KeptWeights<T extends FloatArray = FloatArray> {
  u: T
  weights: T
}

export interface Kernels<T extends FloatArray = FloatArray> {
  readonly name: string
  /**
   * A zeroed tensor in memory these kernels work on in place. Its buffer is a SharedArrayBuffer (the fast
   * kernels: a view of a shared WebAssembly.Memory), so a worker pool can read and write it across threads.
   * Plan every buffer once per (model, batch size); never call this during a step.
   */
  alloc(length: number): T
  /** Like `alloc`, for index buffers (max-pool argmax), in the same memory. */
  allocIndex(length: number): Int32Array
  /**
   * `C = op(A) op(B) + (accumulate ? C : 0)`, row-major. op(A) is [m, k]: A is stored [m, k], or [k, m]
   * when `transA`. op(B) is [k, n]: B is stored [k, n], or [n, k] when `transB`. C is [m, n].
   * Then, when given, + bias[n] on every row and max(0, .): dense's epilogue, no pass of its own.
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: T, b: T, c: T, accumulate: boolean, bias?: T | null, relu?: boolean): void
  /**
   * x [N, H, W, Cin], w [kh, kw, Cin, Cout], bias [Cout] or null -> y [N, Ho, Wo, Cout]; `relu` fuses max(0, .).
   * `kept`: keepWeights' buffers for this conv, where its weights may be the same as last time (not training).
   */
  conv2dForward(d: WindowDims, x: T, w: T, bias: T | null, y: T, relu: boolean, algo?: ConvAlgorithm, kept?: KeptWeights<T> | null): void
  /**
   * Buffers in which a conv's forward by `algo` keeps its transformed weights (KeptWeights), allocated here once
   * per layer; null where that forward transforms none (not Winograd) or the kernels keep nothing.
   */
  keepWeights?(d: WindowDims, algo: ConvAlgorithm): KeptWeights<T> | null
  /** dy [N, Ho, Wo, Cout], w [kh, kw, Cin, Cout] -> dx [N, H, W, Cin] (overwritten). */
  conv2dBackwardInput(d: WindowDims, dy: T, w: T, dx: T, algo?: ConvAlgorithm): void
  /**
   * The fastest algorithm these kernels have for a conv of these dims (absent: always 'gemm'); `pooled`: the
   * conv runs with its ReLU and 2x2 max-pool in one pass (which can change the choice: core/kernels/plan.ts).
   */
  chooseConv?(d: WindowDims, pooled?: boolean): ConvAlgorithm
  /**
   * Conv + bias + ReLU, then a 2x2 stride-2 max-pool without padding, in one pass; y [N, floor(Ho/2),
   * floor(Wo/2), Cout] gets the pooled values and the conv's output is not written. With `argmax` (training)
   * each max's flat index in the conv's output is kept as maxPoolForward keeps it; inference passes none.
   * Its values and indices equal conv2dForward's (with the same `algo`) then maxPoolForward's. Absent where
   * the kernels lack it; `fusesPool` says for which convs (and algorithms) they have it.
   */
  conv2dForwardPooled?(d: WindowDims, x: T, w: T, bias: T | null, y: T, argmax?: Int32Array | null, algo?: ConvAlgorithm, kept?: KeptWeights<T> | null): void
  fusesPool?(d: WindowDims, algo: ConvAlgorithm): boolean
  /**
   * Conv + bias + ReLU, then global average pooling, in one pass (inference): y [N, Cout] gets each channel's
   * mean over the conv's output map, which is not written. Equal to conv2dForward (with the same `algo`) then
   * avgPoolForward over the whole map where the kernels sum in the same order, else within float32 rounding
   * of the sums. Absent where the kernels lack it; `fusesGap` says for which convs they have it.
   */
  conv2dForwardGap?(d: WindowDims, x: T, w: T, bias: T | null, y: T, algo?: ConvAlgorithm, kept?: KeptWeights<T> | null): void
  fusesGap?(d: WindowDims, algo: ConvAlgorithm): boolean
  /**
   * For a conv whose 2x2 max-pool ran in its pass (conv2dForwardPooled with argmax): its weight and bias
   * gradients straight from the pool's output gradient dyPooled [N, floor(Ho/2), floor(Wo/2), Cout], routed
   * through argmax and masked where `reluOf` (the pool's output, when the pool does the ReLU's backward) is
   * not > 0, as maxPoolBackward then conv2dBackwardFilter would compute them, without writing the conv's
   * output gradient. No input gradient. `filterGradFromPool` says for which convs the kernels have it.
   */
  conv2dBackwardFilterPooled?(d: WindowDims, x: T, dyPooled: T, argmax: Int32Array, reluOf: T | null, dw: T, db: T | null): void
  filterGradFromPool?(d: WindowDims, algo: ConvAlgorithm): boolean
  /** x [N, H, W, Cin], dy [N, Ho, Wo, Cout] -> dw [kh, kw, Cin, Cout] and db [Cout] (both overwritten). */
  conv2dBackwardFilter(d: WindowDims, x: T, dy: T, dw: T, db: T | null, algo?: ConvAlgorithm): void
  /** x [N, H, W, C] -> y [N, Ho, Wo, C]; argmax [N, Ho, Wo, C] keeps the flat input index of each max (padding never wins). */
  maxPoolForward(d: WindowDims, x: T, y: T, argmax: Int32Array): void
  /**
   * dy [N, Ho, Wo, C] -> dx [N, H, W, C] (overwritten), routed through argmax. `reluOf`: the pool's own
   * output when its input is a ReLU's; dy then passes only where that output is > 0 (the ReLU's backward,
   * folded into this pass).
   */
  maxPoolBackward(d: WindowDims, dy: T, argmax: Int32Array, dx: T, reluOf?: T | null): void
  /** ReLU's backward given its output: dy[i] = y[i] > 0 ? dy[i] : 0 for the first `length` numbers, in place. */
  reluBackward(y: T, dy: T, length: number): void
  /** Average over the window's in-bounds pixels only (padding is not counted, as TensorFlow does). */
  avgPoolForward(d: WindowDims, x: T, y: T): void
  avgPoolBackward(d: WindowDims, dy: T, dx: T): void
}
