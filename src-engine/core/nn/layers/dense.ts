// Dense (fully connected) and flatten. Dense is one GEMM: y [N, U] = x [N, In] w [In, U] + b.
import type { NodeInfo } from '../../graph/types.ts'
import { constant, glorotUniform, heUniform } from '../init.ts'
import type { BuildContext, Layer, Param } from '../layer.ts'
import { buffers, writeGrad } from './base.ts'

export function dense(info: NodeInfo, ctx: BuildContext, reluNext: boolean, fuseRelu = false): Layer {
  const b = buffers(info, ctx)
  const inN = info.inputShapes[0]![0]
  const units = info.attrs.units as number
  const w = ctx.param(`${info.id}.weight`, inN * units, true, reluNext ? heUniform(ctx.rng, inN) : glorotUniform(ctx.rng, inN, units))
  const params: Param[] = [w]
  const bias = info.attrs.bias ? ctx.param(`${info.id}.bias`, units, false, constant(0)) : null
  if (bias) params.push(bias)
  const k = ctx.kernels
  return {
    info, ...b, params, state: [],
    forward(ins, n) {
      // Bias and ReLU in the GEMM's epilogue: no pass over the output of their own.
      k.gemm(false, false, n, units, inN, ins[0], w.value, b.out, false, bias ? bias.value : null, fuseRelu)
    },
    backward(ins, dIns, acc, n) {
      if (fuseRelu) k.reluBackward(b.out, b.dOut, n * units)
      k.gemm(true, false, inN, units, n, ins[0], b.dOut, w.grad, false) // dW = x^T dy
      if (bias) {
        bias.grad.fill(0)
        for (let s = 0; s < n; s++) for (let u = 0; u < units; u++) bias.grad[u] += b.dOut[s * units + u]
      }
      if (dIns[0]) k.gemm(false, true, n, inN, units, b.dOut, w.value, dIns[0], acc[0]) // dx = dy w^T
    },
  }
}

export function flatten(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  return {
    info, ...b, params: [], state: [],
    // NHWC is already row-major [N, H*W*C]: flatten is a copy.
    forward(ins, n) {
      b.out.set(ins[0].subarray(0, n * b.outSize))
    },
    backward(_ins, dIns, acc, n) {
      writeGrad(dIns[0], b.dOut, n * b.outSize, acc[0])
    },
  }
}
