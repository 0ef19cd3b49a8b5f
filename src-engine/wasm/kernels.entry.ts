// The fast kernels' module: GEMM and the convolution/pooling helpers. Memory is imported (shared, so
// worker pools can read tensors across threads) and managed by the JavaScript side from heapBase() up.
export { gemm, PACK_A_BYTES, PACK_B_BYTES } from './gemm'
export { winograd4Conv, winograd4ConvPool, winograd4ConvGap, winograd4Keep, winograd4KeptBytes, winograd4ScratchBytes, winograd4FilterGrad, winograd4FilterScratchBytes } from './winograd4'
export { winograd6Conv, winograd6ConvPool, winograd6ConvGap, winograd6Keep, winograd6KeptBytes, winograd6ScratchBytes, winograd6FilterGrad, winograd6FilterScratchBytes } from './winograd6'
export { winograd8Conv, winograd8ConvPool, winograd8ConvGap, winograd8Keep, winograd8KeptBytes, winograd8ScratchBytes, winograd8FilterGrad, winograd8FilterScratchBytes } from './winograd8'
export { winogradConv, winogradConvPool, winogradKeep, winogradKeptBytes, winogradScratchBytes, winogradFilterGrad, winogradFilterScratchBytes } from './winograd'
export { convForwardPacked, convPackedScratchBytes, convPoolForwardPacked, convPoolScratchBytes } from './conv'
export { globalAvgPool } from './conv'
export { narrowConv, narrowConvPool, narrowFilterGrad, narrowFilterGradPooled, narrowScratchBytes } from './conv-narrow'
export { sgdStep, adamStep, addInto, allFinite } from './optimizer'
export { im2col, col2im, columnSums, reluBackward, maxPoolForward, maxPoolBackward, avgPool } from './conv'

export function heapBase(): usize {
  return __heap_base
}

export function relaxed(): bool {
  return ASC_FEATURE_RELAXED_SIMD
}
