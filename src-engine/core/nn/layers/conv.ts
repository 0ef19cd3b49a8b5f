// Convolution and pooling layers, built on the kernels (reference or WebAssembly SIMD).
import type { NodeInfo } from '../../graph/types.ts'
import { windowGeometry } from '../../graph/window.ts'
import type { FloatArray, WindowDims } from '../../kernels/types.ts'
import { glorotUniform, heUniform, constant } from '../init.ts'
import type { BuildContext, Layer, Param } from '../layer.ts'
import { buffers, writeGrad } from './base.ts'
import { windowDims } from '../plan.ts'

/**
 * `fuseRelu`: the conv's only consumer is a ReLU, applied here in the kernel's epilogue (see NodePlan).
 * `reluInPool`: that ReLU feeds only a max-pool, whose backward applies the ReLU's mask. `onePassPool`: that
 * pool may run in one pass with this conv (NodePlan.onePassPool). `onePassGap`: the ReLU feeds only a global
 * average pooling, which inference may run in one pass with this conv (NodePlan.onePassGap).
 */
export function conv2d(info: NodeInfo, ctx: BuildContext, reluNext: boolean, fuseRelu = false, reluInPool = false, onePassPool = false, onePassGap = false): Layer {
  const b = buffers(info, ctx)
  const [kh, kw] = info.attrs.kernel as [number, number]
  const cin = info.inputShapes[0]![2]
  const cout = info.attrs.filters as number
  const fanIn = kh * kw * cin
  const w = ctx.param(`${info.id}.weight`, kh * kw * cin * cout, true, reluNext ? heUniform(ctx.rng, fanIn) : glorotUniform(ctx.rng, fanIn, kh * kw * cout))
  const params: Param[] = [w]
  const bias = info.attrs.bias ? ctx.param(`${info.id}.bias`, cout, false, constant(0)) : null
  if (bias) params.push(bias)
  const inSize = info.inputShapes[0]!.reduce((a, c) => a * c, 1)
  // Where the input gradient must be added to another consumer's, the kernel writes here first.
  let scratch: FloatArray | null = null
  // The algorithm is chosen once, for this layer's shape, by the kernels' measured rule (as the plan chose it).
  const algo = ctx.kernels.chooseConv?.(windowDims(info, ctx.maxBatch), onePassPool) ?? 'gemm'
  const dims = dimsOf(info)
  const pools = reluInPool && ctx.kernels.conv2dForwardPooled && ctx.kernels.fusesPool?.(dims(ctx.maxBatch), algo)
  // The pool masks by its own output (it does this conv's ReLU backward), so the fused pass masks by it too.
  const poolsBack = pools && ctx.kernels.conv2dBackwardFilterPooled && ctx.kernels.filterGradFromPool?.(dims(ctx.maxBatch), algo)
  // Winograd's transformed weights, kept for the forwards that do not train (inference, validation, insight):
  // made again only when the weights changed. A training forward makes its own (its weights change each step).
  const kept = ctx.kernels.keepWeights?.(dims(ctx.maxBatch), algo) ?? null
  const gaps = onePassGap && ctx.kernels.conv2dForwardGap && ctx.kernels.fusesGap?.(dims(ctx.maxBatch), algo)
  return {
    info, ...b, params, state: [],
    forward(ins, n, train) {
      ctx.kernels.conv2dForward(dims(n), ins[0], w.value, bias ? bias.value : null, b.out, fuseRelu, algo, train ? null : kept)
    },
    // Training keeps the pool's argmax; inference asks for none.
    ...(pools ? { forwardPooled(ins: FloatArray[], n: number, y: FloatArray, argmax?: Int32Array | null) { ctx.kernels.conv2dForwardPooled!(dims(n), ins[0], w.value, bias ? bias.value : null, y, argmax, algo, argmax ? null : kept) } } : {}),
    ...(gaps ? { forwardGap(ins: FloatArray[], n: number, y: FloatArray) { ctx.kernels.conv2dForwardGap!(dims(n), ins[0], w.value, bias ? bias.value : null, y, algo, kept) } } : {}),
    ...(poolsBack ? { backwardPooled(ins: FloatArray[], n: number, pool: Layer) { ctx.kernels.conv2dBackwardFilterPooled!(dims(n), ins[0], pool.dOut, pool.argmax!, pool.out, w.grad, bias ? bias.grad : null) } } : {}),
    backward(ins, dIns, acc, n) {
      const d = dims(n)
      if (fuseRelu && !reluInPool) ctx.kernels.reluBackward(b.out, b.dOut, n * b.outSize)
      ctx.kernels.conv2dBackwardFilter(d, ins[0], b.dOut, w.grad, bias ? bias.grad : null, algo)
      if (!dIns[0]) return
      if (acc[0]) {
        scratch ??= ctx.kernels.alloc(ctx.maxBatch * inSize)
        ctx.kernels.conv2dBackwardInput(d, b.dOut, w.value, scratch, algo)
        writeGrad(dIns[0], scratch, n * inSize, true)
      } else {
        ctx.kernels.conv2dBackwardInput(d, b.dOut, w.value, dIns[0], algo)
      }
    },
  }
}

/** `reluAfter`: the input is a ReLU's output and this pool's backward also does the ReLU's (see conv2d). */
export function pool2d(info: NodeInfo, ctx: BuildContext, reluAfter = false): Layer {
  const b = buffers(info, ctx)
  const isMax = info.type === 'maxpool2d'
  const argmax = isMax ? ctx.kernels.allocIndex(ctx.maxBatch * b.outSize) : null
  const inSize = info.inputShapes[0]!.reduce((a, c) => a * c, 1)
  let scratch: FloatArray | null = null
  const dims = dimsOf(info)
  return {
    info, ...b, params: [], state: [], argmax,
    forward(ins, n) {
      const d = dims(n)
      if (argmax) ctx.kernels.maxPoolForward(d, ins[0], b.out, argmax)
      else ctx.kernels.avgPoolForward(d, ins[0], b.out)
    },
    backward(_ins, dIns, acc, n, unmasked) {
      if (!dIns[0]) return
      const d = dims(n)
      const target = acc[0] ? (scratch ??= ctx.kernels.alloc(ctx.maxBatch * inSize)) : dIns[0]
      // After a ReLU the max is its output: > 0 exactly where the ReLU let the gradient through.
      if (argmax) ctx.kernels.maxPoolBackward(d, b.dOut, argmax, target, reluAfter && !unmasked ? b.out : null)
      else ctx.kernels.avgPoolBackward(d, b.dOut, target)
      if (acc[0]) writeGrad(dIns[0], target, n * inSize, true)
    },
  }
}

/** Global average / max pool: [N, H, W, C] -> [N, C]. */
export function globalPool(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  const [H, W, C] = info.inputShapes[0]!
  const HW = H * W
  const isMax = info.type === 'globalmaxpool'
  const argmax = isMax ? new Int32Array(ctx.maxBatch * C) : null
  // The average as one window over the whole map: the kernels' pooling (SIMD in the fast kernels). The window
  // comes from the shared geometry and is made once per batch size, not on every step.
  const g = windowGeometry(H, W, [H, W], 1, 'valid')
  let last: WindowDims | null = null
  const whole = (n: number): WindowDims => (last?.n === n ? last : (last = { ...g, n, inH: H, inW: W, cin: C, cout: C }))
  return {
    info, ...b, params: [], state: [],
    forward(ins, n) {
      const x = ins[0]
      const y = b.out
      if (!argmax) {
        ctx.kernels.avgPoolForward(whole(n), x, y)
        return
      }
      for (let s = 0; s < n; s++) {
        const base = s * HW * C
        for (let c = 0; c < C; c++) {
          let best = x[base + c], at = base + c
          for (let p = 1; p < HW; p++) {
            const v = x[base + p * C + c]
            if (v > best) { best = v; at = base + p * C + c }
          }
          y[s * C + c] = best
          argmax[s * C + c] = at
        }
      }
    },
    backward(_ins, dIns, acc, n) {
      const dx = dIns[0]
      if (!dx) return
      const dy = b.dOut
      if (!argmax && !acc[0]) {
        ctx.kernels.avgPoolBackward(whole(n), dy, dx)
        return
      }
      if (!acc[0]) dx.fill(0, 0, n * HW * C)
      if (argmax) {
        for (let o = 0; o < n * C; o++) dx[argmax[o]] += dy[o]
        return
      }
      for (let s = 0; s < n; s++) {
        const base = s * HW * C
        for (let p = 0; p < HW; p++) for (let c = 0; c < C; c++) dx[base + p * C + c] += dy[s * C + c] / HW
      }
    },
  }
}

/** The window problem for a batch of n, made once per n: no object per call on the training path. */
function dimsOf(info: NodeInfo): (n: number) => WindowDims {
  let last: WindowDims | null = null
  return (n) => (last?.n === n ? last : (last = windowDims(info, n)))
}
