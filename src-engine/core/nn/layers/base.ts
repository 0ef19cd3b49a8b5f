// Shared pieces of layer construction.
import type { NodeInfo } from '../../graph/types.ts'
import type { FloatArray } from '../../kernels/types.ts'
import { sizeOf, type BuildContext } from '../layer.ts'

export interface Buffers {
  outSize: number
  out: FloatArray
  dOut: FloatArray
}

export function buffers(info: NodeInfo, ctx: BuildContext): Buffers {
  const outSize = sizeOf(info.outputShape!)
  return { outSize, out: ctx.kernels.alloc(ctx.maxBatch * outSize), dOut: ctx.kernels.alloc(ctx.maxBatch * outSize) }
}

/** dst (+)= src over the first `len` numbers. */
export function writeGrad(dst: FloatArray | null, src: FloatArray, len: number, accumulate: boolean): void {
  if (!dst) return
  if (accumulate) for (let i = 0; i < len; i++) dst[i] += src[i]
  else dst.set(src.subarray(0, len))
}
