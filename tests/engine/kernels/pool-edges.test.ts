// Pools at the edge of what validation allows (padding up to half the window, any stride, 'same'): every
// window keeps a real pixel, so max pooling never yields -infinity, average pooling never divides 0/0,
// and the fast kernels (both their 4-channel SIMD path and the scalar path) agree with the reference.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, windowGeometry, type Padding } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import type { Kernels, WindowDims } from '../../../src-engine/core/kernels/types.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'

let fast: Kernels<Float32Array>
const ref = referenceKernels('float32')
beforeAll(async () => {
  fast = await fastKernels()
})

/** Whether analysis accepts this pool on an h x w x c input (an empty output is the one other refusal). */
function accepted(type: string, h: number, w: number, c: number, size: [number, number], stride: [number, number], padding: Padding): boolean | 'empty' {
  const a = analyzeGraph(parseModelFile({
    format: 'cnn-studio.graph', version: 1,
    nodes: [{ id: 'in', type: 'input', attrs: { height: h, width: w, channels: c } }, { id: 'p', type, attrs: { size, stride, padding } }],
    edges: [['in', 'p']],
  }))
  const errors = a.issues.filter((i) => i.severity === 'error')
  if (errors.some((e) => e.code === 'OUTPUT_TOO_SMALL')) return 'empty'
  return errors.length === 0
}

const geometry = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 7 }),
  c: fc.constantFrom(1, 3, 4, 8), // 4 and 8 take the fast max pool's SIMD path
  kh: fc.integer({ min: 1, max: 5 }),
  kw: fc.integer({ min: 1, max: 5 }),
  sh: fc.integer({ min: 1, max: 4 }),
  sw: fc.integer({ min: 1, max: 4 }),
  pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(3), fc.nat(3))),
  seed: fc.nat(),
})

describe('pools on every geometry validation allows', () => {
  it('refuses exactly the paddings above half the window', () => {
    fc.assert(fc.property(geometry, ({ h, w, c, kh, kw, sh, sw, pad }) => {
      const ok = accepted('maxpool2d', h, w, c, [kh, kw], [sh, sw], pad)
      if (ok === 'empty') return
      const over = Array.isArray(pad) && (pad[0] > Math.floor(kh / 2) || pad[1] > Math.floor(kw / 2))
      expect(ok).toBe(!over)
      expect(accepted('avgpool2d', h, w, c, [kh, kw], [sh, sw], pad)).toBe(!over)
    }), { numRuns: 400 })
  })

  it('fast = reference, forward and backward, and every output finite', () => {
    let checked = 0
    fc.assert(fc.property(geometry, ({ n, h, w, c, kh, kw, sh, sw, pad, seed }) => {
      if (accepted('maxpool2d', h, w, c, [kh, kw], [sh, sw], pad) !== true) return
      checked++
      const g = windowGeometry(h, w, [kh, kw], [sh, sw], pad)
      const d: WindowDims = { ...g, n, inH: h, inW: w, cin: c, cout: c }
      const rng = new Rng(seed)
      const inLen = n * h * w * c, outLen = n * g.outH * g.outW * c
      const x = fast.alloc(inLen), x32 = ref.alloc(inLen)
      for (let i = 0; i < inLen; i++) x[i] = x32[i] = rng.next() * 2 - 1
      const dy = fast.alloc(outLen), dy32 = ref.alloc(outLen)
      for (let i = 0; i < outLen; i++) dy[i] = dy32[i] = rng.next() * 2 - 1
      const y = fast.alloc(outLen), y32 = ref.alloc(outLen)
      const at = fast.allocIndex(outLen), at32 = ref.allocIndex(outLen)
      const dx = fast.alloc(inLen), dx32 = ref.alloc(inLen)

      fast.maxPoolForward(d, x, y, at)
      ref.maxPoolForward(d, x32, y32, at32)
      expect(Array.from(y)).toEqual(Array.from(y32))
      expect(Array.from(at)).toEqual(Array.from(at32))
      expect(y.every(Number.isFinite)).toBe(true)
      // Each maximum comes from inside its window: the argmax lies in the batch item and channel it serves.
      for (let o = 0; o < outLen; o++) {
        expect(at[o] % c).toBe(o % c)
        expect(Math.floor(at[o] / (h * w * c))).toBe(Math.floor(o / (g.outH * g.outW * c)))
      }
      fast.maxPoolBackward(d, dy, at, dx)
      ref.maxPoolBackward(d, dy32, at32, dx32)
      expect(Array.from(dx)).toEqual(Array.from(dx32))

      fast.avgPoolForward(d, x, y)
      ref.avgPoolForward(d, x32, y32)
      expect(y.every(Number.isFinite)).toBe(true)
      for (let i = 0; i < outLen; i++) expect(Math.abs(y[i] - y32[i])).toBeLessThan(1e-6)
      fast.avgPoolBackward(d, dy, dx)
      ref.avgPoolBackward(d, dy32, dx32)
      expect(dx.every(Number.isFinite)).toBe(true)
      for (let i = 0; i < inLen; i++) expect(Math.abs(dx[i] - dx32[i])).toBeLessThan(1e-6)
    }), { numRuns: 300 })
    expect(checked).toBeGreaterThan(50)
  })
})
