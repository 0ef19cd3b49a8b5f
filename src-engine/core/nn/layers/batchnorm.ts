// Batch normalisation over the last (channel) axis: statistics over N*H*W positions per channel.
// In data-parallel training each worker normalises with its own shard's statistics, as PyTorch's DDP does
// without SyncBatchNorm; the running statistics are averaged across workers after every step.
import type { NodeInfo } from '../../graph/types.ts'
import { constant } from '../init.ts'
import type { BuildContext, Layer } from '../layer.ts'
import { buffers } from './base.ts'

export function batchnorm(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  const shape = info.outputShape!
  const C = shape[shape.length - 1]
  const momentum = info.attrs.momentum as number
  const eps = info.attrs.epsilon as number
  const gamma = ctx.param(`${info.id}.gamma`, C, false, constant(1))
  const beta = ctx.param(`${info.id}.beta`, C, false, constant(0))
  const runMean = ctx.state(`${info.id}.running_mean`, C, 0)
  const runVar = ctx.state(`${info.id}.running_var`, C, 1)
  const xhat = ctx.kernels.alloc(ctx.maxBatch * b.outSize)
  const mean = new Float64Array(C), invStd = new Float64Array(C)
  const sumDy = new Float64Array(C), sumDyX = new Float64Array(C)
  let trained = true
  return {
    info, ...b, params: [gamma, beta],
    state: [{ name: `${info.id}.running_mean`, value: runMean }, { name: `${info.id}.running_var`, value: runVar }],
    forward(ins, n, train) {
      const x = ins[0], y = b.out
      const rows = (n * b.outSize) / C
      trained = train
      if (train) {
        mean.fill(0)
        invStd.fill(0)
        for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c]
        for (let c = 0; c < C; c++) mean[c] /= rows
        for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) { const d = x[r * C + c] - mean[c]; invStd[c] += d * d }
        for (let c = 0; c < C; c++) {
          const variance = invStd[c] / rows
          // Running variance is the unbiased estimate, as PyTorch keeps it.
          runMean[c] = momentum * runMean[c] + (1 - momentum) * mean[c]
          runVar[c] = momentum * runVar[c] + (1 - momentum) * (rows > 1 ? (variance * rows) / (rows - 1) : variance)
          invStd[c] = 1 / Math.sqrt(variance + eps)
        }
      } else {
        for (let c = 0; c < C; c++) {
          mean[c] = runMean[c]
          invStd[c] = 1 / Math.sqrt(runVar[c] + eps)
        }
      }
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < C; c++) {
          const i = r * C + c
          const h = (x[i] - mean[c]) * invStd[c]
          xhat[i] = h
          y[i] = gamma.value[c] * h + beta.value[c]
        }
      }
    },
    // dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)), the batch statistics' own gradients included.
    backward(_ins, dIns, acc, n) {
      const dy = b.dOut
      const rows = (n * b.outSize) / C
      sumDy.fill(0)
      sumDyX.fill(0)
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < C; c++) {
          sumDy[c] += dy[r * C + c]
          sumDyX[c] += dy[r * C + c] * xhat[r * C + c]
        }
      }
      for (let c = 0; c < C; c++) {
        gamma.grad[c] = sumDyX[c]
        beta.grad[c] = sumDy[c]
      }
      const dx = dIns[0]
      if (!dx) return
      // After an eval forward (Grad-CAM, saliency) the statistics are constants: the layer is affine.
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < C; c++) {
          const i = r * C + c
          const g = trained ? gamma.value[c] * invStd[c] * (dy[i] - sumDy[c] / rows - (xhat[i] * sumDyX[c]) / rows) : gamma.value[c] * invStd[c] * dy[i]
          dx[i] = acc[0] ? dx[i] + g : g
        }
      }
    },
  }
}
