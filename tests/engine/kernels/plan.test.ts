// The kernels' plan in TypeScript (core/kernels/plan.ts: what wasm.ts reserves, what the memory estimate
// replays) against the AssemblyScript module's own scratch sizes.
import { describe, expect, it } from 'vitest'
import { packedForwardScratchBytes, winogradFilterScratchBytes, winogradScratchBytes } from '../../../src-engine/core/kernels/plan.ts'
import { loadKernelModule } from '../../../src-engine/node/wasm-kernels.ts'

type Bytes = (k: number, n: number) => number

describe('the kernels plan = the module', () => {
  it('scratch bytes of Winograd F(2x2) and F(4x4) and of the packed im2col, for channel counts on and off the tiles', async () => {
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 32768, shared: true })
    const ex = new WebAssembly.Instance(await loadKernelModule(), { env: { memory, abort: () => {} } }).exports as Record<string, Bytes>
    for (const [k, n] of [[4, 4], [8, 12], [32, 64], [64, 128], [27, 30], [130, 6]]) {
      expect(winogradScratchBytes('winograd2', k, n)).toBe(ex.winogradScratchBytes(k, n))
      expect(winogradScratchBytes('winograd4', k, n)).toBe(ex.winograd4ScratchBytes(k, n))
      expect(winogradFilterScratchBytes('winograd2', k, n)).toBe(ex.winogradFilterScratchBytes(k, n))
      expect(winogradFilterScratchBytes('winograd4', k, n)).toBe(ex.winograd4FilterScratchBytes(k, n))
      expect(packedForwardScratchBytes(k, n)).toBe(ex.convPackedScratchBytes(k, n))
    }
  })
})
