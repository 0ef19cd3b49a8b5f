// Optimizer steps and learning-rate schedules against hand-computed values (PyTorch's definitions).
import { describe, expect, it } from 'vitest'
import { createOptimizer } from '../../../src-engine/core/train/optimizer.ts'
import { learningRate } from '../../../src-engine/core/train/schedule.ts'
import { decodeWeights, encodeWeights, WeightsError } from '../../../src-engine/core/train/weights.ts'

const f32 = (xs: number[]) => Float32Array.from(xs)

describe('optimizers', () => {
  it('SGD with momentum: v = mu v + g; p -= lr v', () => {
    const p = f32([1]), g = f32([0.5])
    const o = createOptimizer(1, Uint8Array.of(0), { optimizer: 'sgd', momentum: 0.9 })
    o.step(p, g, 0.1) // v = 0.5, p = 1 - 0.05
    expect(p[0]).toBeCloseTo(0.95, 6)
    o.step(p, g, 0.1) // v = 0.45 + 0.5 = 0.95, p = 0.95 - 0.095
    expect(p[0]).toBeCloseTo(0.855, 6)
  })

  it('Nesterov: p -= lr (g + mu v)', () => {
    const p = f32([1]), g = f32([0.5])
    const o = createOptimizer(1, Uint8Array.of(0), { optimizer: 'sgd', momentum: 0.9, nesterov: true })
    o.step(p, g, 0.1) // v = 0.5, update = 0.5 + 0.45 = 0.95
    expect(p[0]).toBeCloseTo(1 - 0.095, 6)
  })

  it('weight decay applies only where the mask says (weights, not biases)', () => {
    const p = f32([2, 2]), g = f32([0, 0])
    createOptimizer(2, Uint8Array.of(1, 0), { optimizer: 'sgd', momentum: 0, weightDecay: 0.1 }).step(p, g, 0.5)
    expect(p[0]).toBeCloseTo(2 - 0.5 * 0.1 * 2, 6)
    expect(p[1]).toBe(2)
  })

  it('Adam: the first step moves each parameter by about lr, whatever the gradient scale', () => {
    const p = f32([1, 1]), g = f32([1000, 0.001])
    createOptimizer(2, Uint8Array.of(0, 0), { optimizer: 'adam', momentum: 0.9 }).step(p, g, 0.01)
    // m_hat = g, v_hat = g^2 -> update lr * g / (|g| + eps)
    expect(p[0]).toBeCloseTo(0.99, 5)
    expect(p[1]).toBeCloseTo(1 - 0.01 * (0.001 / (0.001 + 1e-8)), 5)
  })

  it('AdamW decays the weights directly, Adam adds the decay to the gradient', () => {
    const pw = f32([1]), pa = f32([1]), g = f32([0])
    createOptimizer(1, Uint8Array.of(1), { optimizer: 'adamw', momentum: 0.9, weightDecay: 0.1 }).step(pw, g, 0.01)
    expect(pw[0]).toBeCloseTo(1 - 0.01 * 0.1, 6) // gradient 0: only the decoupled decay moves it
    createOptimizer(1, Uint8Array.of(1), { optimizer: 'adam', momentum: 0.9, weightDecay: 0.1 }).step(pa, g, 0.01)
    expect(pa[0]).toBeCloseTo(0.99, 5) // L2 gradient 0.1 normalised by Adam: a full lr step
  })

  it('state round-trips (momentum survives a checkpoint)', () => {
    const a = createOptimizer(1, Uint8Array.of(0), { optimizer: 'adam', momentum: 0.9 })
    const p = f32([1])
    a.step(p, f32([0.3]), 0.01)
    const b = createOptimizer(1, Uint8Array.of(0), { optimizer: 'adam', momentum: 0.9 })
    b.loadState(a.state())
    const p2 = f32([p[0]])
    a.step(p, f32([0.3]), 0.01)
    b.step(p2, f32([0.3]), 0.01)
    expect(p2[0]).toBe(p[0])
  })
})

describe('learning-rate schedules', () => {
  it('constant, step decay, cosine and linear warm-up', () => {
    expect(learningRate(0.1, undefined, 50, 10, 100)).toBe(0.1)
    const step = { type: 'step' as const, stepEpochs: 2, gamma: 0.5 }
    expect(learningRate(0.1, step, 19, 10, 100)).toBe(0.1)
    expect(learningRate(0.1, step, 20, 10, 100)).toBe(0.05)
    expect(learningRate(0.1, step, 45, 10, 100)).toBe(0.025)
    const cos = { type: 'cosine' as const }
    expect(learningRate(0.1, cos, 0, 10, 100)).toBeCloseTo(0.1)
    expect(learningRate(0.1, cos, 50, 10, 100)).toBeCloseTo(0.05)
    expect(learningRate(0.1, cos, 100, 10, 100)).toBeCloseTo(0)
    const warm = { type: 'constant' as const, warmupEpochs: 1 }
    expect(learningRate(0.1, warm, 0, 10, 100)).toBeCloseTo(0.01)
    expect(learningRate(0.1, warm, 9, 10, 100)).toBeCloseTo(0.1)
    expect(learningRate(0.1, warm, 30, 10, 100)).toBe(0.1)
  })
})

describe('weights blob', () => {
  it('round-trips named tensors, and refuses what is not one', () => {
    const blob = encodeWeights([{ name: 'c1.weight', data: f32([1, 2, 3]) }, { name: 'c1.bias', data: f32([4]) }], { model: 'x' })
    expect(String.fromCharCode(...blob.subarray(0, 4))).toBe('CNNW')
    // at an odd byte offset, as inside a database row
    const shifted = new Uint8Array(blob.length + 1)
    shifted.set(blob, 1)
    const { tensors, meta } = decodeWeights(shifted.subarray(1))
    expect(Array.from(tensors.get('c1.weight')!)).toEqual([1, 2, 3])
    expect(Array.from(tensors.get('c1.bias')!)).toEqual([4])
    expect(meta).toEqual({ model: 'x' })
    expect(() => decodeWeights(new TextEncoder().encode('hello world, not weights'))).toThrow(WeightsError)
    expect(() => decodeWeights(blob.subarray(0, blob.length - 4))).toThrow(/truncated/)
  })
})
