// The SIMD optimizers (WasmKernels.createOptimizer, run by each training worker on its slice) against the plain
// ones of core/train/optimizer.ts, which are checked by hand in tests/engine/train: same updates over
// several steps (float32 arithmetic against JavaScript's float64, so relative 1e-5), same state layout.
import { beforeAll, describe, expect, it } from 'vitest'
import { createOptimizer, type OptimizerSettings } from '../../../src-engine/core/train/optimizer.ts'
import type { WasmKernels } from '../../../src-engine/core/kernels/wasm.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'

let fast: WasmKernels
beforeAll(async () => {
  fast = await fastKernels()
})

const settings: [string, OptimizerSettings][] = [
  ['sgd, momentum', { optimizer: 'sgd', momentum: 0.9 }],
  ['sgd, nesterov, weight decay', { optimizer: 'sgd', momentum: 0.8, nesterov: true, weightDecay: 0.01 }],
  ['adam', { optimizer: 'adam', momentum: 0.9 }],
  ['adam, L2 weight decay', { optimizer: 'adam', momentum: 0.9, weightDecay: 0.05 }],
  ['adamw', { optimizer: 'adamw', momentum: 0.9, weightDecay: 0.1, beta1: 0.8, beta2: 0.99 }],
]

describe('SIMD optimizers = the plain ones', () => {
  it.each(settings)('%s, 5 steps over 1,003 parameters (a tail past the vectors), then a checkpoint', (_name, s) => {
    const size = 1003
    const rng = new Rng(3)
    const mask = Uint8Array.from({ length: size }, (_, i) => (i % 3 === 0 ? 0 : 1))
    const p = fast.alloc(size), g = fast.alloc(size)
    for (let i = 0; i < size; i++) p[i] = rng.normal()
    const q = Float32Array.from(p)
    const a = fast.createOptimizer(size, mask, s), b = createOptimizer(size, mask, s)
    for (let step = 0; step < 5; step++) {
      for (let i = 0; i < size; i++) g[i] = rng.normal() * (i % 2 ? 1e-3 : 1)
      a.step(p, g, 0.01)
      b.step(q, g, 0.01)
    }
    for (let i = 0; i < size; i++) expect(Math.abs(p[i] - q[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(q[i])))
    // The state moves between the two: a checkpoint of one resumes in the other.
    const c = fast.createOptimizer(size, mask, s)
    c.loadState(b.state())
    expect(c.state().length).toBe(b.state().length)
    g.fill(0.5)
    const p2 = fast.alloc(size)
    p2.set(q)
    c.step(p2, g, 0.01)
    b.step(q, g, 0.01)
    for (let i = 0; i < size; i++) expect(Math.abs(p2[i] - q[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(q[i])))
  })
})

describe('the shared part of a step, in SIMD', () => {
  it('addInto adds element by element, the float32 sums of a plain loop, over a tail past the vectors', () => {
    const size = 1003, rng = new Rng(5)
    const a = fast.alloc(size), b = fast.alloc(size)
    for (let i = 0; i < size; i++) {
      a[i] = rng.next() * 1e3 - 500
      b[i] = rng.next() - 0.5
    }
    const want = a.map((x, i) => Math.fround(x + b[i]))
    fast.addInto(a, b)
    expect(a).toEqual(want)
  })

  it('firstNonFinite finds the first NaN or infinity wherever it is (vectors or tail), and -1 when none', () => {
    const a = fast.alloc(1003)
    a.fill(1.5)
    expect(fast.firstNonFinite(a)).toBe(-1)
    for (const [at, v] of [[0, NaN], [517, Infinity], [1001, -Infinity], [1002, NaN]] as const) {
      a.fill(1.5)
      a[at] = v
      if (at !== 1002) a[1002] = 1.5
      expect(fast.firstNonFinite(a)).toBe(at)
    }
    a.fill(3e38) // large but finite: x - x is still 0
    expect(fast.firstNonFinite(a)).toBe(-1)
  })
})
