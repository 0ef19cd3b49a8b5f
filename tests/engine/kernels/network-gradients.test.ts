// The fast kernels inside a whole network, with the algorithms chooseConv picks (Winograd for the 3x3
// stride-1 layers here): the parameter gradients of one training step equal those of the float64
// reference network on the same weights and batch. The reference network itself is held to finite
// differences in tests/engine/nn/gradients.test.ts, so this carries that check over to the fast path.
import { describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'
import { deadEnd } from '../nn/models.ts'

describe('fast network gradients = float64 reference gradients', () => {
  it('a conv stack whose 3x3 stride-1 layers run as Winograd', async () => {
    const model = chainModel([12, 10, 3], [
      ['c1', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r1', 'relu'],
      ['c2', 'conv2d', { filters: 12, kernel: 3, padding: 'same' }], ['r2', 'relu'], ['p', 'maxpool2d', { size: 2 }],
      ['c3', 'conv2d', { filters: 16, kernel: 3, padding: 'valid', bias: false }],
      ['c4', 'conv2d', { filters: 8, kernel: 1 }], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 5 }], ['out', 'softmax'],
    ])
    const n = 4
    const fast = new Network(analyzed(model), await fastKernels(), n, 3)
    const chosen = fast.layers.map((l) => (l.info.type === 'conv2d' ? (fast.kernels.chooseConv!({ ...l.info.window!, n, inH: l.info.inputShapes[0]![0], inW: l.info.inputShapes[0]![1], cin: l.info.inputShapes[0]![2], cout: l.info.outputShape![2] })) : null)).filter(Boolean)
    expect(chosen).toEqual(['gemm', 'winograd6', 'gemm', 'gemm']) // c2's 12x10: 2x2 tiles of 6 (3x3 of 4); c3's output is 4x3: below the rule's size
    expect(fast.layers.find((l) => l.info.id === 'c2')!.forwardPooled).toBeTruthy() // F(6x6) with its ReLU and pool in one pass
    await compare(model, n, fast)
  })

  it('Winograd F(8x8) convs run with their ReLU and max-pool in one pass in training (odd sizes: windows dropped)', async () => {
    // c1's 14x13 output: its last column has no pool window; c2's 7x6: its last row has none.
    const model = chainModel([14, 13, 8], [
      ['c1', 'conv2d', { filters: 16, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
      ['c2', 'conv2d', { filters: 12, kernel: 3, padding: 'same' }], ['r2', 'relu'], ['p2', 'maxpool2d', { size: 2 }],
      ['gap', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'],
    ])
    const n = 3
    const fast = new Network(analyzed(model), await fastKernels(), n, 3)
    // c2's 7x6: one tile of 8 against 12 of F(2x2) (F(4x4) takes maps of 8 and up).
    expect(fast.plan.steps.flatMap((s) => (s.scratch ? [s.scratch.algo] : []))).toEqual(['winograd8', 'winograd8'])
    for (const id of ['c1', 'c2']) {
      const conv = fast.layers.find((l) => l.info.id === id)!
      expect(conv.forwardPooled, id).toBeTruthy()
      expect(conv.backwardPooled, id).toBeFalsy() // the weight gradient from the pool is only the direct convs'
      conv.out.fill(NaN)
    }
    await compare(model, n, fast, F8_TOLERANCE)
    // The convs' outputs were never written: the gradients came through the pooled pass and its argmax.
    for (const id of ['c1', 'c2']) expect(Number.isNaN(fast.layers.find((l) => l.info.id === id)!.out[0]), id).toBe(true)
  })

  it('a conv stack on 8x8 maps, where the rule picks F(8x8, 3x3)', async () => {
    const model = chainModel([8, 8, 8], [
      ['c1', 'conv2d', { filters: 16, kernel: 3, padding: 'same' }], ['r1', 'relu'],
      ['c2', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r2', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'],
    ])
    const n = 3
    const fast = new Network(analyzed(model), await fastKernels(), n, 3)
    expect(fast.plan.steps.flatMap((s) => (s.scratch ? [s.scratch.algo] : []))).toEqual(['winograd8', 'winograd8'])
    await compare(model, n, fast, F8_TOLERANCE)
  })

  it('a conv stack on 20x20 maps, where the rule picks F(4x4, 3x3)', async () => {
    const model = chainModel([20, 20, 8], [
      ['c1', 'conv2d', { filters: 16, kernel: 3, padding: 'same' }], ['r1', 'relu'],
      ['c2', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r2', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'],
    ])
    const n = 2
    const fast = new Network(analyzed(model), await fastKernels(), n, 3)
    expect(fast.plan.steps.flatMap((s) => (s.scratch ? [s.scratch.algo] : []))).toEqual(['winograd4', 'winograd4'])
    await compare(model, n, fast)
  })

  it('a first conv over RGB (direct) run with its ReLU and max-pool in one pass, forward and backward', async () => {
    // 11 columns: the conv's last one has no pool window, so it gets no gradient.
    const model = chainModel([12, 11, 3], [
      ['c1', 'conv2d', { filters: 12, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
      ['c2', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r2', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'],
    ])
    const n = 3
    const fast = new Network(analyzed(model), await fastKernels(), n, 3)
    const c1 = fast.layers.find((l) => l.info.id === 'c1')!
    expect(c1.forwardPooled && c1.backwardPooled).toBeTruthy()
    await compare(model, n, fast)
    // Without gradientsOnly (Learn reads the gradient at c1's output) the pool's backward writes c1's dOut;
    // with it, c1's dOut is left alone. The parameters' gradients agree.
    const labels = Int32Array.from({ length: n }, (_, i) => i % 4)
    fast.forward(n, true, true)
    c1.dOut.fill(0)
    fast.backward(labels, n, 1 / n)
    expect(c1.dOut.subarray(0, n * c1.outSize).some((v) => v !== 0)).toBe(true)
    const full = Float32Array.from(fast.gradBlock)
    c1.dOut.fill(0)
    fast.backward(labels, n, 1 / n, true)
    expect(c1.dOut.subarray(0, n * c1.outSize).every((v) => v === 0)).toBe(true)
    let worst = 0, scale = 0
    for (let i = 0; i < full.length; i++) {
      worst = Math.max(worst, Math.abs(fast.gradBlock[i] - full[i]))
      scale = Math.max(scale, Math.abs(full[i]))
    }
    expect(worst).toBeLessThan(1e-5 * scale)
  })

  it('a conv feeding a ReLU and a dead-end branch (the ReLU fused, the branch never computed)', async () => {
    await compare(deadEnd(), 3)
  })
})

/**
 * Float32 through a few layers against float64, relative to the largest gradient of each tensor: 1e-4 (the worst
 * measured 1.2e-5), or 1e-3 where a layer runs Winograd F(8x8), whose rounding is ten times the others' (worst
 * measured 1.2e-4 without fused multiply-add, 3.7e-5 with it).
 */
const TOLERANCE = 1e-4
const F8_TOLERANCE = 1e-3

async function compare(model: ReturnType<typeof chainModel>, n: number, made?: Network, tolerance = TOLERANCE): Promise<void> {
  const fast = made ?? new Network(analyzed(model), await fastKernels(), n, 3)
  const ref = new Network(analyzed(model), referenceKernels('float64'), n, 3)
  ref.paramBlock.set(fast.paramBlock)
  const rng = new Rng(5)
  for (let i = 0; i < n * fast.inputSize; i++) ref.input[i] = fast.input[i] = rng.normal()
  const labels = Int32Array.from({ length: n }, () => rng.int(fast.classes))
  fast.forward(n, true, true) // as the trainer runs it: a conv and its pool may go in one pass
  ref.forward(n, true)
  fast.backward(labels, n, 1 / n, true)
  ref.backward(labels, n, 1 / n)
  for (const { name, offset, size } of fast.layout()) {
    let worst = 0, scale = 0
    for (let i = offset; i < offset + size; i++) {
      worst = Math.max(worst, Math.abs(fast.gradBlock[i] - ref.gradBlock[i]))
      scale = Math.max(scale, Math.abs(ref.gradBlock[i]))
    }
    expect(worst, name).toBeLessThan(tolerance * Math.max(scale, 1e-3))
  }
}
