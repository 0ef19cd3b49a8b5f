/// <reference types="@webgpu/types" />
// Each planned node's dispatches on the GPU: its forward in training and in evaluation, and its backward,
// as the CPU layers (core/nn/layers) compute them, from the same plan (core/nn/plan.ts): the gradient goes
// only where `gradInto` wants one and is written or added as `accumulate` says; a ReLU fused into its conv
// or dense runs in that layer's epilogue and its backward masks that layer's dOut. (The plan's masking
// pool, which saves the CPU that mask pass, is an optimisation the GPU does not need: the mask is the same.)
import { windowGeometry } from '../graph/window.ts'
import type { NodeInfo } from '../graph/types.ts'
import type { WindowDims } from '../kernels/types.ts'
import { windowDims, type NodePlan } from '../nn/plan.ts'
import { f32bits, type GpuContext, type Op } from './ops.ts'
import { NONE } from './wgsl.ts'

/** A node's output and output gradient on the GPU, `size` numbers per image. */
export interface NodeBuffers {
  out: GPUBuffer
  dOut: GPUBuffer
  size: number
}

/** What a layer's ops are made from. */
export interface LayerEnv {
  ctx: GpuContext
  maxBatch: number
  params: GPUBuffer
  grads: GPUBuffer
  state: GPUBuffer
  /** A node's buffers (the input's too). */
  of(id: string): NodeBuffers
  /** Offset of a named parameter ("c1.weight") in the parameter block; undefined where the layer has none. */
  param(name: string): number | undefined
  stateAt(name: string): number
  /** The seed of this step's dropout masks. */
  seed(): number
}

export interface LayerOps {
  train: Op[]
  eval: Op[]
  backward: Op[]
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)
const flag = (b: boolean) => (b ? 1 : 0)

/** The ops of one planned node that runs a pass (not the input, not a fused ReLU). */
export function layerOps(step: NodePlan, env: LayerEnv, isOutput: boolean): LayerOps {
  const n = step.node
  const me = env.of(n.id)
  const ins = n.inputs.map((id) => env.of(id))
  // Where a gradient goes into input k, and whether it adds to what another consumer wrote.
  const dIn = (k: number) => (step.gradInto[k] ? ins[k].dOut : null)
  const acc = (k: number) => flag(step.accumulate[k])
  const same = (ops: Op[]): LayerOps => ({ train: ops, eval: ops, backward: [] })
  switch (n.type) {
    case 'conv2d': return conv(step, env, me, ins[0], dIn(0), acc(0))
    case 'maxpool2d':
    case 'avgpool2d': return pool(n, env, me, ins[0], dIn(0), acc(0), windowDims(n, 1))
    case 'globalavgpool':
    case 'globalmaxpool': {
      const [H, W, C] = n.inputShapes[0]!
      return pool(n, env, me, ins[0], dIn(0), acc(0), { ...windowGeometry(H, W, [H, W], 1, 'valid'), n: 1, inH: H, inW: W, cin: C, cout: C })
    }
    case 'dense': return dense(step, env, me, ins[0], dIn(0), acc(0))
    case 'flatten': {
      const ops = same([point(env, 'copy', [ins[0].out, me.out], me.size, () => [0, 0, 0, 0, 0, 0, 1])])
      const dx = dIn(0)
      if (dx) ops.backward.push(point(env, 'copy', [me.dOut, dx], me.size, () => [0, acc(0), 0, 0, 0, 0, 0]))
      return ops
    }
    case 'relu':
    case 'leakyrelu':
    case 'sigmoid':
    case 'tanh': {
      const kind = ['relu', 'leakyrelu', 'sigmoid', 'tanh'].indexOf(n.type)
      const a = f32bits(n.type === 'leakyrelu' ? (n.attrs.alpha as number) : 0)
      const ops = same([point(env, 'activationForward', [ins[0].out, me.out], me.size, () => [kind, 0, a, 0, 0, 0, 0])])
      const dx = dIn(0)
      if (dx) ops.backward.push(point(env, 'activationBackward', [ins[0].out, me.out, me.dOut, dx], me.size, () => [kind, acc(0), a, 0, 0, 0, 0]))
      return ops
    }
    case 'dropout': {
      const rate = n.attrs.rate as number
      const mask = env.ctx.buffer(env.maxBatch * me.size, `${n.id} mask`)
      const fwd = point(env, 'dropoutForward', [ins[0].out, mask, me.out], me.size, () => [0, 0, 0, env.seed(), f32bits(rate), f32bits(1 / (1 - rate)), 1])
      const ops: LayerOps = { train: [fwd], eval: [point(env, 'copy', [ins[0].out, me.out], me.size, () => [0, 0, 0, 0, 0, 0, 0])], backward: [] }
      const dx = dIn(0)
      if (dx) ops.backward.push(point(env, 'dropoutBackward', [mask, me.dOut, dx], me.size, () => [0, acc(0), 0, 0, 0, 0, 1]))
      return ops
    }
    case 'batchnorm': return batchnorm(n, env, me, ins[0], dIn(0), acc(0))
    case 'add': {
      const fwd = ins.map((x, k) => point(env, 'copy', [x.out, me.out], me.size, () => [0, flag(k > 0), 0, 0, 0, 0, 0]))
      const ops = same(fwd)
      ins.forEach((_x, k) => {
        const dx = dIn(k)
        if (dx) ops.backward.push(point(env, 'copy', [me.dOut, dx], me.size, () => [0, acc(k), 0, 0, 0, 0, 0]))
      })
      return ops
    }
    case 'concat': {
      const Cout = n.outputShape![2]
      const pixels = n.outputShape![0] * n.outputShape![1]
      const chans = n.inputShapes.map((s) => s![2])
      const offsets = chans.map((_, k) => chans.slice(0, k).reduce((a, c) => a + c, 0))
      const ops = same(ins.map((x, k) => env.ctx.op('concatForward', [x.out, me.out], (b) => [b * pixels * chans[k], chans[k], Cout, offsets[k], 0], (b) => b * pixels * chans[k])))
      ins.forEach((_x, k) => {
        const dx = dIn(k)
        if (dx) ops.backward.push(env.ctx.op('concatBackward', [me.dOut, dx], (b) => [b * pixels * chans[k], chans[k], Cout, offsets[k], acc(k)], (b) => b * pixels * chans[k]))
      })
      return ops
    }
    case 'softmax': {
      const C = n.outputShape![n.outputShape!.length - 1]
      const rows = me.size / C
      const ops = same([env.ctx.op('softmaxForward', [ins[0].out, me.out], (b) => [b * rows, C, 0, 0, 0], (b) => b * rows)])
      // As the output, its backward is the cross-entropy's (the network's loss ops write the logits' gradient).
      const dx = dIn(0)
      if (dx && !isOutput) ops.backward.push(env.ctx.op('softmaxBackward', [me.out, me.dOut, dx], (b) => [b * rows, C, acc(0), 0, 0], (b) => b * rows))
      return ops
    }
    default:
      throw new Error(`the GPU backend has no layer '${n.type}' (node ${n.id}): train this model on the CPU (--device cpu)`)
  }
}

/** A number-by-number op over n images of `per` numbers; `rest` are the fields after `total`. */
function point(env: LayerEnv, kernel: 'copy' | 'activationForward' | 'activationBackward' | 'reluMask' | 'dropoutForward' | 'dropoutBackward', buffers: GPUBuffer[], per: number, rest: () => number[]): Op {
  return env.ctx.op(kernel, buffers, (b) => [b * per, ...rest()], (b) => b * per)
}

/** The window uniform (wgsl.ts WINDOW) of `d` for b images. */
function windowFields(d: WindowDims, b: number, total: number, off0: number, off1: number, flag0: number, flag1: number): number[] {
  return [total, b, d.inH, d.inW, d.cin, d.cout, d.kh, d.kw, d.sh, d.sw, d.padTop, d.padLeft, d.outH, d.outW, off0, off1, flag0, flag1]
}

function conv(step: NodePlan, env: LayerEnv, me: NodeBuffers, x: NodeBuffers, dx: GPUBuffer | null, acc: number): LayerOps {
  const n = step.node
  const d = windowDims(n, 1)
  const w = env.param(`${n.id}.weight`)!
  const bias = env.param(`${n.id}.bias`)
  const inPer = d.inH * d.inW * d.cin
  const weights = d.kh * d.kw * d.cin * d.cout
  const relu = flag(step.fusesRelu)
  const fwd = env.ctx.op('conv2dForward', [x.out, env.params, me.out], (b) => windowFields(d, b, b * me.size, w, bias ?? NONE, relu, 0), (b) => b * me.size)
  const backward: Op[] = []
  if (step.fusesRelu) backward.push(point(env, 'reluMask', [me.out, me.dOut], me.size, () => [0, 0, 0, 0, 0, 0, 0]))
  backward.push(env.ctx.op('conv2dBackwardFilter', [x.out, me.dOut, env.grads], (b) => windowFields(d, b, weights, w, 0, 0, 0), () => weights))
  if (bias !== undefined) backward.push(columnSum(env, me.dOut, d.cout, bias, (b) => b * d.outH * d.outW))
  if (dx) backward.push(env.ctx.op('conv2dBackwardInput', [me.dOut, env.params, dx], (b) => windowFields(d, b, b * inPer, w, 0, 0, acc), (b) => b * inPer))
  return { train: [fwd], eval: [fwd], backward }
}

function pool(n: NodeInfo, env: LayerEnv, me: NodeBuffers, x: NodeBuffers, dx: GPUBuffer | null, acc: number, d: WindowDims): LayerOps {
  const inPer = d.inH * d.inW * d.cin
  const isMax = n.type === 'maxpool2d' || n.type === 'globalmaxpool'
  const fields = (b: number, total: number, a: number) => windowFields(d, b, total, 0, 0, 0, a)
  const backward: Op[] = []
  if (isMax) {
    const argmax = env.ctx.buffer(env.maxBatch * me.size, `${n.id} argmax`)
    const fwd = env.ctx.op('maxPoolForward', [x.out, me.out, argmax], (b) => fields(b, b * me.size, 0), (b) => b * me.size)
    if (dx) backward.push(env.ctx.op('maxPoolBackward', [me.dOut, argmax, dx], (b) => fields(b, b * inPer, acc), (b) => b * inPer))
    return { train: [fwd], eval: [fwd], backward }
  }
  const fwd = env.ctx.op('avgPoolForward', [x.out, me.out], (b) => fields(b, b * me.size, 0), (b) => b * me.size)
  if (dx) backward.push(env.ctx.op('avgPoolBackward', [me.dOut, dx], (b) => fields(b, b * inPer, acc), (b) => b * inPer))
  return { train: [fwd], eval: [fwd], backward }
}

function columnSum(env: LayerEnv, dy: GPUBuffer, cols: number, off: number, rows: (b: number) => number): Op {
  return env.ctx.op('columnSum', [dy, env.grads], (b) => [cols, rows(b), off], () => cols)
}

function dense(step: NodePlan, env: LayerEnv, me: NodeBuffers, x: NodeBuffers, dx: GPUBuffer | null, acc: number): LayerOps {
  const n = step.node
  const inN = n.inputShapes[0]![0]
  const units = n.attrs.units as number
  const w = env.param(`${n.id}.weight`)!
  const bias = env.param(`${n.id}.bias`)
  const relu = flag(step.fusesRelu)
  const fields = (b: number, total: number, a: number) => [total, b, inN, units, w, bias ?? NONE, relu, a]
  const fwd = env.ctx.op('denseForward', [x.out, env.params, me.out], (b) => fields(b, b * units, 0), (b) => b * units)
  const backward: Op[] = []
  if (step.fusesRelu) backward.push(point(env, 'reluMask', [me.out, me.dOut], me.size, () => [0, 0, 0, 0, 0, 0, 0]))
  backward.push(env.ctx.op('denseBackwardWeights', [x.out, me.dOut, env.grads], (b) => fields(b, inN * units, 0), () => inN * units))
  if (bias !== undefined) backward.push(columnSum(env, me.dOut, units, bias, (b) => b))
  if (dx) backward.push(env.ctx.op('denseBackwardInput', [me.dOut, env.params, dx], (b) => fields(b, b * inN, acc), (b) => b * inN))
  return { train: [fwd], eval: [fwd], backward }
}

function batchnorm(n: NodeInfo, env: LayerEnv, me: NodeBuffers, x: NodeBuffers, dx: GPUBuffer | null, acc: number): LayerOps {
  const shape = n.outputShape!
  const C = shape[shape.length - 1]
  const per = size(shape) / C
  const g = env.param(`${n.id}.gamma`)!
  const s = env.stateAt(`${n.id}.running_mean`)
  const momentum = f32bits(n.attrs.momentum as number), eps = f32bits(n.attrs.epsilon as number)
  const xhat = env.ctx.buffer(env.maxBatch * me.size, `${n.id} xhat`)
  const stats = env.ctx.buffer(4 * C, `${n.id} statistics`)
  const fields = (b: number, total: number, train: number, a: number) => [total, b * per, C, g, s, momentum, eps, train, a]
  const forward = (train: number) => [
    env.ctx.op('batchnormStatistics', [x.out, env.state, stats], (b) => fields(b, C, train, 0), () => C, true),
    env.ctx.op('batchnormForward', [x.out, env.params, stats, xhat, me.out], (b) => fields(b, b * me.size, train, 0), (b) => b * me.size),
  ]
  const backward = [env.ctx.op('batchnormBackwardSums', [me.dOut, xhat, env.grads, stats], (b) => fields(b, C, 1, 0), () => C, true)]
  if (dx) backward.push(env.ctx.op('batchnormBackwardInput', [me.dOut, xhat, env.params, stats, dx], (b) => fields(b, b * me.size, 1, acc), (b) => b * me.size))
  return { train: forward(1), eval: forward(0), backward }
}
