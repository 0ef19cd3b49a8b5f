// The stepper on a real network: one window of a conv or pool block, with the block's own input feature maps
// and weights as the Network holds them after a forward pass of one image, and the effective receptive field
// of a unit, |d unit / d input|, from the layers' own backward passes.
import type { NodeInfo } from '../../graph/types.ts'
import type { FloatArray } from '../../kernels/types.ts'
import type { Layer } from '../../nn/layer.ts'
import type { Network } from '../../nn/network.ts'
import { convStep, type ConvProblem, type ConvStep } from './conv.ts'
import { gapStep, poolStep, type GapStep, type PoolStep } from './pool.ts'
import { outsideOutput, type Cell } from './window.ts'

export const LEARN_NODE_TYPES = ['conv2d', 'maxpool2d', 'avgpool2d', 'globalavgpool'] as const

export type NodeStep =
  | { kind: 'conv'; step: ConvStep; relu: boolean; activated: number | null; output: number }
  | { kind: 'pool'; step: PoolStep; output: number }
  | { kind: 'gap'; step: GapStep; output: number }

/** Thrown for a node or position the stepper cannot explain; `field` names what was asked (node, at, filter). */
export class StepError extends Error {
  readonly field: string
  constructor(field: string, message: string) {
    super(message)
    this.field = field
  }
}

/** The layer that computes `id` (a fused ReLU is its conv's), or null for the network's input. */
export function layerOf(net: Network, id: string): Layer | null {
  const plan = net.plan.byId.get(id)
  if (!plan) throw new StepError('node', `node ${id} is not computed by this network (it does not lead to the output)`)
  if (plan.node.type === 'input') return null
  const owner = plan.fusedInto ?? id
  return net.layers.find((l) => l.info.id === owner)!
}

/** What node `id` holds for the first image: [H, W, C] numbers (the input image for the input node). */
export const outputOf = (net: Network, id: string): FloatArray => {
  const l = layerOf(net, id)
  return l ? l.out.subarray(0, l.outSize) : net.input.subarray(0, net.inputSize)
}

/** Which blocks the stepper explains, and why a node is not one. */
export function checkLearnNode(info: NodeInfo | undefined, id: string): NodeInfo {
  if (!info) throw new StepError('node', `there is no node '${id}' in this model`)
  if (!(LEARN_NODE_TYPES as readonly string[]).includes(info.type)) throw new StepError('node', `node ${id} is a ${info.type}, not a conv or pool; the stepper explains conv2d, maxpool2d, avgpool2d and globalavgpool blocks`)
  return info
}

/**
 * One window of block `id` at output `at` for `filter` (a pool's channel), on the image the network last ran
 * forward (its first image). A conv's value is the sum of its products plus the bias; `output` is what the
 * engine holds there (after the fused ReLU, where the training plan fuses one: then also `activated`).
 */
export function explainNodeStep(net: Network, id: string, at: Cell, filter: number): NodeStep {
  const info = checkLearnNode(net.plan.byId.get(id)?.node, id)
  const [h, w, c] = info.inputShapes[0] as [number, number, number]
  const x = outputOf(net, info.inputs[0])
  const layer = layerOf(net, id)!
  const outC = info.outputShape![info.outputShape!.length - 1]
  if (!Number.isInteger(filter) || filter < 0 || filter >= outC) throw new StepError('filter', `${info.type === 'conv2d' ? 'filter' : 'channel'} ${filter} is out of range: ${id} has ${outC} (0..${outC - 1})`)
  if (info.type === 'globalavgpool') return { kind: 'gap', step: gapStep(x, h, w, c, filter, net.kernels), output: layer.out[filter] }
  const g = info.window!
  const why = outsideOutput(g, at)
  if (why) throw new StepError('at', `${id}: ${why}`)
  const o = (at[0] * g.outW + at[1]) * outC + filter
  if (info.type !== 'conv2d') return { kind: 'pool', step: poolStep({ kind: info.type === 'maxpool2d' ? 'max' : 'avg', h, w, c, x, geometry: g }, filter, at, net.kernels), output: layer.out[o] }
  const weight = layer.params.find((p) => p.name === `${id}.weight`)!.value
  const bias = layer.params.find((p) => p.name === `${id}.bias`)?.value ?? null
  const problem: ConvProblem = { h, w, cin: c, cout: outC, x, weights: weight, bias, geometry: g }
  const relu = net.plan.byId.get(id)!.fusesRelu
  return { kind: 'conv', step: convStep(problem, filter, at), relu, activated: relu ? layer.out[o] : null, output: layer.out[o] }
}

/**
 * |d unit / d input| over the input image [H, W] (summed over its channels), for the unit at `at` of
 * `channel` of node `id`, on the image the network last ran forward. The layers' own backward passes carry
 * the gradient from that unit down to the image: every layer's gradient is cleared and each adds its share,
 * so branches sum as in training. A unit a fused ReLU set to 0 has no gradient, and that is what comes out.
 */
export function effectiveReceptiveField(net: Network, id: string, at: Cell, channel: number): { map: Float32Array; height: number; width: number; max: number } {
  const info = net.plan.byId.get(id)?.node
  if (!info?.outputShape) throw new StepError('node', `there is no node '${id}' in this network`)
  const [H, W, C] = net.plan.input!.outputShape as [number, number, number]
  const target = layerOf(net, id)
  const map = new Float32Array(H * W)
  if (!target) {
    map[at[0] * W + at[1]] = 1
    return { map, height: H, width: W, max: 1 }
  }
  const shape = info.outputShape
  const unit = shape.length === 3 ? (at[0] * shape[1] + at[1]) * shape[2] + channel : channel
  if (unit < 0 || unit >= target.outSize) throw new StepError('at', `unit ${at} of ${id} is outside its output`)
  const k = net.kernels
  const dInput = k.alloc(net.inputSize)
  for (const l of net.layers) l.dOut.fill(0, 0, l.outSize)
  const plan = net.plan.byId.get(target.info.id)!
  // The map holds the rectified value where the ReLU is fused; a max-pool that does that ReLU's backward
  // would not mask it here, so a unit at 0 is answered directly: no input moves it.
  if (plan.fusesRelu && target.out[unit] <= 0) return { map, height: H, width: W, max: 0 }
  target.dOut[unit] = 1
  const stop = net.layers.indexOf(target)
  const bufferOf = (nid: string) => layerOf(net, nid)
  for (let i = stop; i >= 0; i--) {
    const l = net.layers[i]
    const ins = l.info.inputs.map((nid) => bufferOf(nid)?.out ?? net.input)
    const dIns = l.info.inputs.map((nid) => bufferOf(nid)?.dOut ?? dInput)
    l.backward(ins, dIns, l.info.inputs.map(() => true), 1, false)
  }
  let max = 0
  for (let p = 0; p < H * W; p++) {
    let s = 0
    for (let c = 0; c < C; c++) s += Math.abs(dInput[p * C + c])
    map[p] = s
    if (s > max) max = s
  }
  return { map, height: H, width: W, max }
}
