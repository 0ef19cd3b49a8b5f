// Layers that work number by number: activations, dropout, softmax, and the merges add and concat.
import type { NodeInfo } from '../../graph/types.ts'
import type { FloatArray } from '../../kernels/types.ts'
import type { BuildContext, Layer } from '../layer.ts'
import { buffers } from './base.ts'

type Fwd = (x: number) => number
/** dLoss/dx from the output y (and x) and dLoss/dy. */
type Bwd = (x: number, y: number, dy: number) => number

function pointwise(info: NodeInfo, ctx: BuildContext, f: Fwd, df: Bwd): Layer {
  const b = buffers(info, ctx)
  return {
    info, ...b, params: [], state: [],
    forward(ins, n) {
      const x = ins[0], y = b.out
      for (let i = 0, len = n * b.outSize; i < len; i++) y[i] = f(x[i])
    },
    backward(ins, dIns, acc, n) {
      const dx = dIns[0]
      if (!dx) return
      const x = ins[0], y = b.out, dy = b.dOut
      const len = n * b.outSize
      if (acc[0]) for (let i = 0; i < len; i++) dx[i] += df(x[i], y[i], dy[i])
      else for (let i = 0; i < len; i++) dx[i] = df(x[i], y[i], dy[i])
    },
  }
}

/** A ReLU already applied by the layer before it (conv/dense epilogue): shares that layer's buffers, does nothing. */
export function fusedRelu(info: NodeInfo, producer: Layer): Layer {
  return { info, outSize: producer.outSize, out: producer.out, dOut: producer.dOut, params: [], state: [], forward() {}, backward() {} }
}

function relu(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  return {
    info, ...b, params: [], state: [],
    forward(ins, n) {
      const x = ins[0], y = b.out
      for (let i = 0, len = n * b.outSize; i < len; i++) y[i] = x[i] > 0 ? x[i] : 0
    },
    backward(_ins, dIns, acc, n) {
      const dx = dIns[0]
      if (!dx) return
      const y = b.out, dy = b.dOut, len = n * b.outSize
      if (acc[0]) for (let i = 0; i < len; i++) dx[i] += y[i] > 0 ? dy[i] : 0
      else for (let i = 0; i < len; i++) dx[i] = y[i] > 0 ? dy[i] : 0
    },
  }
}

export function activation(info: NodeInfo, ctx: BuildContext): Layer {
  switch (info.type) {
    case 'relu':
      return relu(info, ctx)
    case 'leakyrelu': {
      const a = info.attrs.alpha as number
      return pointwise(info, ctx, (x) => (x > 0 ? x : a * x), (x, _y, dy) => (x > 0 ? dy : a * dy))
    }
    case 'sigmoid':
      return pointwise(info, ctx, (x) => 1 / (1 + Math.exp(-x)), (_x, y, dy) => dy * y * (1 - y))
    case 'tanh':
      return pointwise(info, ctx, Math.tanh, (_x, y, dy) => dy * (1 - y * y))
    default:
      throw new Error(`no activation '${info.type}'`)
  }
}

/** Inverted dropout: training zeroes a share `rate` and scales the rest by 1 / (1 - rate); eval is the identity. */
export function dropout(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  const rate = info.attrs.rate as number
  const mask = ctx.kernels.alloc(ctx.maxBatch * b.outSize)
  const keep = 1 / (1 - rate)
  let trained = false
  return {
    info, ...b, params: [], state: [],
    forward(ins, n, train) {
      const x = ins[0], len = n * b.outSize
      trained = train
      if (!train) {
        b.out.set(x.subarray(0, len))
        return
      }
      for (let i = 0; i < len; i++) {
        mask[i] = ctx.rng.next() < rate ? 0 : keep
        b.out[i] = x[i] * mask[i]
      }
    },
    backward(_ins, dIns, acc, n) {
      const dx = dIns[0]
      if (!dx) return
      const len = n * b.outSize
      for (let i = 0; i < len; i++) {
        const g = trained ? b.dOut[i] * mask[i] : b.dOut[i]
        dx[i] = acc[0] ? dx[i] + g : g
      }
    },
  }
}

/**
 * Softmax over the last axis, computed stably (x - max). As the network's output it is fused with
 * cross-entropy: the network writes dLoss/dlogits = (p - onehot) / batch straight into `fusedGrad`.
 */
export interface SoftmaxLayer extends Layer {
  /** When set (output + cross-entropy), backward passes this on as the input gradient. */
  fusedGrad: FloatArray | null
}

export function softmax(info: NodeInfo, ctx: BuildContext): SoftmaxLayer {
  const b = buffers(info, ctx)
  const shape = info.outputShape!
  const C = shape[shape.length - 1]
  const layer: SoftmaxLayer = {
    info, ...b, params: [], state: [], fusedGrad: null,
    forward(ins, n) {
      const x = ins[0], y = b.out
      for (let r = 0, rows = (n * b.outSize) / C; r < rows; r++) {
        const o = r * C
        let max = -Infinity
        for (let c = 0; c < C; c++) if (x[o + c] > max) max = x[o + c]
        let sum = 0
        for (let c = 0; c < C; c++) sum += y[o + c] = Math.exp(x[o + c] - max)
        for (let c = 0; c < C; c++) y[o + c] /= sum
      }
    },
    backward(_ins, dIns, acc, n) {
      const dx = dIns[0]
      if (!dx) return
      const len = n * b.outSize
      if (layer.fusedGrad) {
        for (let i = 0; i < len; i++) dx[i] = acc[0] ? dx[i] + layer.fusedGrad[i] : layer.fusedGrad[i]
        return
      }
      // dx = y * (dy - sum(dy * y)) per row: the softmax Jacobian applied to dy.
      const y = b.out, dy = b.dOut
      for (let o = 0; o < len; o += C) {
        let dot = 0
        for (let c = 0; c < C; c++) dot += dy[o + c] * y[o + c]
        for (let c = 0; c < C; c++) {
          const g = y[o + c] * (dy[o + c] - dot)
          dx[o + c] = acc[0] ? dx[o + c] + g : g
        }
      }
    },
  }
  return layer
}

export function add(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  return {
    info, ...b, params: [], state: [],
    forward(ins, n) {
      const len = n * b.outSize
      b.out.set(ins[0].subarray(0, len))
      for (let k = 1; k < ins.length; k++) {
        const x = ins[k]
        for (let i = 0; i < len; i++) b.out[i] += x[i]
      }
    },
    backward(_ins, dIns, acc, n) {
      const len = n * b.outSize
      dIns.forEach((dx, k) => {
        if (!dx) return
        if (acc[k]) for (let i = 0; i < len; i++) dx[i] += b.dOut[i]
        else dx.set(b.dOut.subarray(0, len))
      })
    },
  }
}

/** Concatenation along channels (the last axis) of inputs with equal H and W. */
export function concat(info: NodeInfo, ctx: BuildContext): Layer {
  const b = buffers(info, ctx)
  const Cout = info.outputShape![2]
  const chans = info.inputShapes.map((s) => s![2])
  const offsets = chans.map((_, k) => chans.slice(0, k).reduce((a, c) => a + c, 0))
  const pixels = info.outputShape![0] * info.outputShape![1]
  return {
    info, ...b, params: [], state: [],
    forward(ins, n) {
      ins.forEach((x, k) => {
        const C = chans[k], off = offsets[k]
        for (let p = 0; p < n * pixels; p++) for (let c = 0; c < C; c++) b.out[p * Cout + off + c] = x[p * C + c]
      })
    },
    backward(_ins, dIns, acc, n) {
      dIns.forEach((dx, k) => {
        if (!dx) return
        const C = chans[k], off = offsets[k]
        for (let p = 0; p < n * pixels; p++) {
          for (let c = 0; c < C; c++) {
            const g = b.dOut[p * Cout + off + c]
            dx[p * C + c] = acc[k] ? dx[p * C + c] + g : g
          }
        }
      })
    },
  }
}
