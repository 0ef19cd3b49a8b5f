// Every layer's backward against central finite differences, in float64 with the reference kernels:
// dL/dtheta ~ (L(theta + e) - L(theta - e)) / 2e. Each layer type sits between a parameterised layer and
// the loss, so its input gradient is exercised through the parameter gradients upstream of it.
import { describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { branches, deadEnd, gradientCases } from './models.ts'

function check(model: ModelFile, n = 3, seed = 7): number {
  const net = new Network(analyzed(model), referenceKernels('float64'), n, seed)
  const rng = new Rng(seed + 1)
  for (let i = 0; i < n * net.inputSize; i++) net.input[i] = rng.normal()
  const labels = Int32Array.from({ length: n }, () => rng.int(net.classes))
  const loss = () => {
    net.forward(n, true)
    return net.evaluate(labels, n).lossSum
  }
  net.forward(n, true)
  net.backward(labels, n, 1)
  const analytic = Float64Array.from(net.gradBlock)
  let worst = 0
  const eps = 1e-5
  const P = net.paramBlock.length
  // Up to ~25 entries of every parameter tensor, so each layer's weights and biases are all checked.
  for (const { offset, size } of net.layout()) {
    const step = Math.max(1, Math.floor(size / 25))
    for (let i = offset; i < offset + size; i += step) {
      const keep = net.paramBlock[i]
      net.paramBlock[i] = keep + eps
      const up = loss()
      net.paramBlock[i] = keep - eps
      const down = loss()
      net.paramBlock[i] = keep
      const numeric = (up - down) / (2 * eps)
      const err = Math.abs(numeric - analytic[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i]))
      worst = Math.max(worst, err)
    }
  }
  expect(P).toBeGreaterThan(0)
  return worst
}

describe('finite-difference gradient checks (float64 reference)', () => {
  it.each(gradientCases)('%s', (_name, input, layers) => {
    expect(check(chainModel(input, layers))).toBeLessThan(1e-5)
  })

  it('branches: a residual add and a concat, with fan-out gradients summed', () => {
    const model = branches()
    expect(check(model)).toBeLessThan(1e-5)
  })

  it('a conv feeding a ReLU and a dead-end branch: the branch is not computed, the ReLU is fused, gradients check', () => {
    const net = new Network(analyzed(deadEnd()), referenceKernels('float64'), 2, 1)
    expect(net.layers.map((l) => l.info.id)).toEqual(['c1', 'p', 'c2', 'gap', 'fc', 'out'])
    expect(net.plan.byId.get('c1')).toMatchObject({ fusesRelu: true, maskingPool: 'p', consumers: [expect.objectContaining({ id: 'r1' })] })
    expect(net.plan.byId.get('r1')!.fusedInto).toBe('c1')
    expect(check(deadEnd(), 2)).toBeLessThan(1e-5)
  })
})

describe('dropout', () => {
  it('drops about `rate` in training, scales the rest by 1/(1-rate), routes gradients through the same mask, and is the identity in eval', () => {
    const model = chainModel([16, 16, 1], [['f', 'flatten'], ['drop', 'dropout', { rate: 0.25 }], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])
    const net = new Network(analyzed(model), referenceKernels('float64'), 4, 3)
    net.input.fill(1)
    net.forward(4, true)
    const drop = net.layers[1]
    const zeros = drop.out.filter((v) => v === 0).length / drop.out.length
    expect(zeros).toBeGreaterThan(0.18)
    expect(zeros).toBeLessThan(0.32)
    expect(new Set(Array.from(drop.out))).toEqual(new Set([0, 1 / 0.75]))
    net.backward(new Int32Array([0, 1, 0, 1]), 4, 1)
    // dense's weight gradient sees exactly the dropped-out activations: zero rows where dropped
    const fc = net.layers[2]
    const w = fc.params[0].grad
    for (let i = 0; i < 256; i++) {
      const droppedEverywhere = [0, 1, 2, 3].every((s) => drop.out[s * 256 + i] === 0)
      if (droppedEverywhere) expect([w[i * 2], w[i * 2 + 1]]).toEqual([0, 0])
    }
    net.forward(4, false)
    expect(Array.from(drop.out)).toEqual(Array.from(net.input))
  })
})
