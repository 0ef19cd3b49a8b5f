// The reported cross-entropy is exact however confidently wrong the network is: computed from the logits
// by log-sum-exp, not from a probability that underflows (it used to stop at -log(1e-30) = 69.08).
// Expected values are worked out by hand: for logits [0, 100] and target 0 the loss is
// log(e^0 + e^100) - 0 = 100 + log(1 + e^-100) = 100 in double precision; for [3.5, -76.25] and target 1
// it is 3.5 + 76.25 + log(1 + e^-79.75) = 79.75 (PyTorch 1.13's cross_entropy gives 100.0 and 79.75 too).
import { describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import type { FloatArray, Kernels } from '../../../src-engine/core/kernels/types.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'

/** input [1, 1, C] -> flatten -> dense C (identity weights, zero bias) -> softmax: the logits are the input. */
function identityNet(kernels: Kernels<FloatArray>, C: number, batch: number): Network {
  const net = new Network(analyzed(chainModel([1, 1, C], [['f', 'flatten'], ['fc', 'dense', { units: C }], ['out', 'softmax']])), kernels, batch, 1)
  for (const { name, offset, size } of net.layout()) {
    net.paramBlock.fill(0, offset, offset + size)
    if (name === 'fc.weight') for (let c = 0; c < C; c++) net.paramBlock[offset + c * C + c] = 1
  }
  return net
}

const kernelSets: [string, () => Promise<Kernels<FloatArray>>][] = [
  ['reference float32', async () => referenceKernels('float32')],
  ['reference float64', async () => referenceKernels('float64')],
  ['fast (WebAssembly SIMD)', fastKernels],
]

describe('cross-entropy from log-sum-exp', () => {
  it.each(kernelSets)('%s: exact far past where the probability underflows', async (_name, make) => {
    const net = identityNet(await make(), 2, 3)
    net.input.set([0, 100, 3.5, -76.25, 1, 1])
    net.forward(3, false)
    const predictions = new Int32Array(3)
    const r = net.evaluate(Int32Array.from([0, 1, 0]), 3, predictions)
    expect(r.correct).toBe(1)
    expect(r.lossSum).toBeCloseTo(100 + 79.75 + Math.LN2, 12)
    expect(Array.from(predictions)).toEqual([1, 0, 0]) // a tie goes to the first class
    // The first sample alone, against each target: exactly 100 (it used to be 69.08), and 0.
    expect(net.evaluate(Int32Array.from([0]), 1).lossSum).toBe(100)
    expect(net.evaluate(Int32Array.from([1]), 1).lossSum).toBe(0)
  })

  it('the same value PyTorch reports for a blown-up batch, and its gradient stays p - onehot', () => {
    const net = identityNet(referenceKernels('float64'), 3, 2)
    net.input.set([250, -40, 7, 0.5, 0.25, -3])
    net.forward(2, true)
    const labels = Int32Array.from([1, 2])
    // 250 - (-40) + log(1 + e^-290 + e^-243) = 290; log(e^0.5 + e^0.25 + e^-3) + 3 = 4.0928...
    const second = Math.log(Math.exp(0.5) + Math.exp(0.25) + Math.exp(-3)) + 3
    const r = net.backward(labels, 2, 1)
    expect(r.lossSum).toBeCloseTo(290 + second, 12)
    // dLoss/dlogits = softmax - onehot; with identity weights it is the dense bias gradient, summed over the batch.
    const bias = net.layout().find((p) => p.name === 'fc.bias')!
    const g = net.gradBlock.subarray(bias.offset, bias.offset + 3)
    const p2 = [0.5, 0.25, -3].map((z) => Math.exp(z - 0.5) / (1 + Math.exp(-0.25) + Math.exp(-3.5)))
    expect(g[0]).toBeCloseTo(1 + p2[0], 12)
    expect(g[1]).toBeCloseTo(-1 + p2[1], 12)
    expect(g[2]).toBeCloseTo(p2[2] - 1, 12)
  })

  it('logits that overflowed give a non-finite loss (the trainer reports divergence), not a clamped one', () => {
    const net = identityNet(referenceKernels('float32'), 2, 1)
    net.input.set([Infinity, 0])
    net.forward(1, false)
    expect(Number.isFinite(net.evaluate(Int32Array.from([1]), 1).lossSum)).toBe(false)
  })
})
