// Every layer's forward and backward on the GPU equal the float64 reference network's (which
// tests/engine/nn/gradients.test.ts holds to finite differences) on the same weights and batch, on the
// shapes of those gradient checks: each layer's output and output gradient, every parameter gradient, the
// batchnorm running statistics and the loss. Float32 on the GPU: errors are relative to each tensor's largest.
import { afterAll, describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { GpuNetwork } from '../../../src-engine/core/gpu/network.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'
import { branches, deadEnd, gradientCases } from '../nn/models.ts'
import { releaseGpu } from '../../../src-engine/node/gpu/load.ts'
import { gpu, noGpu, worst } from './device.ts'

afterAll(releaseGpu)

// The floor: a gradient that is zero in exact arithmetic (a bias before batchnorm) comes out ~1e-7 in float32.
const TOL = 1e-4
const FLOOR = 1e-2

async function compare(model: ModelFile, n = 3): Promise<string[]> {
  const g = new GpuNetwork(gpu!, analyzed(model), n, 7)
  const ref = new Network(analyzed(model), referenceKernels('float64'), n, 7)
  ref.paramBlock.set(await g.readParams())
  const rng = new Rng(8)
  const input = Float32Array.from({ length: n * g.inputSize }, () => rng.normal())
  const labels = Int32Array.from({ length: n }, () => rng.int(g.classes))
  ref.input.set(input)
  ref.forward(n, true)
  const want = ref.backward(labels, n, 1 / n)
  const got = await g.trainStep(input, labels, n)
  expect(Math.abs(got.lossSum - want.lossSum), 'loss').toBeLessThan(TOL * Math.max(1, want.lossSum))
  expect(got.correct).toBe(want.correct)
  const checked: string[] = []
  const check = (what: string, a: ArrayLike<number>, b: ArrayLike<number>, len?: number) => {
    const { err, scale } = worst(a, b, len)
    expect(err, what).toBeLessThan(TOL * Math.max(scale, FLOOR))
    checked.push(what)
  }
  for (const layer of ref.layers) {
    const id = layer.info.id
    const bufs = g.buffersOf(id)!
    const len = n * layer.outSize
    check(`${id} out`, await gpu!.read(bufs.out, len), layer.out, len)
    if (ref.plan.byId.get(id)!.leadsToParams && id !== ref.plan.output!.id) check(`${id} dOut`, await gpu!.read(bufs.dOut, len), layer.dOut, len)
  }
  const grads = await g.readGrads()
  for (const { name, offset, size } of g.layout) check(`${name} gradient`, grads.subarray(offset, offset + size), ref.gradBlock.subarray(offset, offset + size))
  if (g.stateCount) check('running statistics', await g.readState(), ref.stateBlock)
  g.destroy()
  return checked
}

describe.skipIf(!gpu)(`GPU layers = float64 reference, forward and backward ${noGpu}`, () => {
  it.each(gradientCases)('%s', async (_name, input, layers) => {
    const checked = await compare(chainModel(input, layers))
    expect(checked.some((c) => c.endsWith('dOut'))).toBe(true)
  })

  it('branches: a residual add and a concat, fan-out gradients summed', async () => {
    const checked = await compare(branches())
    expect(checked).toEqual(expect.arrayContaining(['sum dOut', 'cat dOut', 'a dOut', 'side dOut']))
  })

  it('a conv feeding a ReLU and a dead-end branch (the ReLU fused, the branch never computed)', async () => {
    await compare(deadEnd(), 2)
  })

  it('a softmax inside the network (its own backward), and a batch smaller than planned', async () => {
    const model = chainModel([4, 4, 2], [['f', 'flatten'], ['d', 'dense', { units: 6 }], ['sm', 'softmax'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']])
    await compare(model, 4)
  })
})
