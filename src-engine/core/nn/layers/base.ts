// Shared pieces of layer construction.
import type { NodeInfo } from '../../graph/types.ts'
import type { FloatArray, WindowDims } from '../../kernels/types.ts'
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

/** The window problem of a conv/pool node for a batch of n (shapes from graph analysis: one source of truth). */
export function windowDims(info: NodeInfo, n: number): WindowDims {
  const [inH, inW, cin] = info.inputShapes[0]!
  return { ...info.window!, n, inH, inW, cin, cout: info.outputShape![2] }
}

/** dst (+)= src over the first `len` numbers. */
export function writeGrad(dst: FloatArray | null, src: FloatArray, len: number, accumulate: boolean): void {
  if (!dst) return
  if (accumulate) for (let i = 0; i < len; i++) dst[i] += src[i]
  else dst.set(src.subarray(0, len))
}
