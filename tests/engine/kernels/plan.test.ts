// The kernels' plan in TypeScript (core/kernels/plan.ts: what wasm.ts reserves, what the training plan and
// memory estimate replay) against the AssemblyScript module's own sizes: the scratch of every pass, the
// GEMM's packing buffers and the memory cap. These are the only places the TypeScript side states them.
import { describe, expect, it } from 'vitest'
import {
  narrowScratchBytes, packedForwardScratchBytes, PACK_A_BYTES, PACK_B_BYTES, pooledForwardScratchBytes, WASM_MAX_PAGES, WASM_MEMORY_LIMIT, winogradFilterScratchBytes, winogradScratchBytes, keptWeightsBytes,
} from '../../../src-engine/core/kernels/plan.ts'
import { loadKernelModule } from '../../../src-engine/node/wasm-kernels.ts'
import { windowGeometry, type Padding } from '../../../src-engine/core/graph/index.ts'

type Bytes = (k: number, n: number, w?: number) => number

async function instance(maximum = WASM_MAX_PAGES) {
  const memory = new WebAssembly.Memory({ initial: 16, maximum, shared: true })
  return new WebAssembly.Instance(await loadKernelModule(), { env: { memory, abort: () => {} } }).exports
}

describe('the kernels plan = the module', () => {
  it('scratch bytes of Winograd F(2x2), F(4x4), F(6x6) and F(8x8), the packed im2col and the one-pass conv + pool, for channel counts on and off the tiles', async () => {
    const ex = (await instance()) as Record<string, Bytes>
    for (const [k, n] of [[3, 32], [4, 4], [8, 12], [32, 64], [64, 128], [27, 30], [130, 6]]) {
      expect(winogradScratchBytes('winograd2', k, n)).toBe(ex.winogradScratchBytes(k, n))
      expect(winogradScratchBytes('winograd4', k, n)).toBe(ex.winograd4ScratchBytes(k, n))
      expect(winogradScratchBytes('winograd6', k, n)).toBe(ex.winograd6ScratchBytes(k, n))
      expect(winogradScratchBytes('winograd8', k, n)).toBe(ex.winograd8ScratchBytes(k, n))
      expect(winogradFilterScratchBytes('winograd2', k, n)).toBe(ex.winogradFilterScratchBytes(k, n))
      expect(winogradFilterScratchBytes('winograd4', k, n)).toBe(ex.winograd4FilterScratchBytes(k, n))
      expect(winogradFilterScratchBytes('winograd6', k, n)).toBe(ex.winograd6FilterScratchBytes(k, n))
      expect(winogradFilterScratchBytes('winograd8', k, n)).toBe(ex.winograd8FilterScratchBytes(k, n))
      const d = { ...windowGeometry(16, 16, 3, 1, 'same'), n: 1, inH: 16, inW: 16, cin: k, cout: n }
      if (k % 4 === 0 && k >= 8 && n % 4 === 0) {
        expect(keptWeightsBytes(d, 'winograd2').u).toBe(ex.winogradKeptBytes(k, n))
        expect(keptWeightsBytes(d, 'winograd4').u).toBe(ex.winograd4KeptBytes(k, n))
        expect(keptWeightsBytes(d, 'winograd6').u).toBe(ex.winograd6KeptBytes(k, n))
        expect(keptWeightsBytes(d, 'winograd8').u).toBe(ex.winograd8KeptBytes(k, n))
      } else if (k === 3) { // an RGB first layer's forward: F(4x4) and up
        expect(keptWeightsBytes(d, 'winograd2').u).toBe(0)
        expect(keptWeightsBytes(d, 'winograd6').u).toBe(ex.winograd6KeptBytes(k, n))
        expect(keptWeightsBytes(d, 'winograd8').u).toBe(ex.winograd8KeptBytes(k, n))
      }
      expect(packedForwardScratchBytes(k, n)).toBe(ex.convPackedScratchBytes(k, n))
      for (const outW of [2, 3, 7, 16, 45, 96, 256]) expect(pooledForwardScratchBytes(k, n, outW), `${k} ${n} ${outW}`).toBe(ex.convPoolScratchBytes(k, n, outW))
    }
  })

  it('scratch bytes of the direct conv for few input channels (padded image and tiles), over windows, strides and paddings', async () => {
    const ex = (await instance()) as Record<string, (...a: number[]) => number>
    const cases: [number, number, number, number, number, number, Padding][] = [[32, 32, 3, 32, 3, 1, 'same'], [96, 96, 3, 32, 3, 1, 'same'], [28, 28, 1, 6, 5, 1, 'valid'], [15, 14, 4, 12, 3, 2, 'same'], [9, 7, 2, 5, 7, 3, 'same']]
    for (const [h, w, cin, cout, kernel, stride, padding] of cases) {
      const d = { ...windowGeometry(h, w, kernel, stride, padding), n: 2, inH: h, inW: w, cin, cout }
      expect(narrowScratchBytes(d), `${h}x${w}x${cin} k${kernel} s${stride}`).toBe(ex.narrowScratchBytes(h, w, cin, d.kh, d.kw, d.sh, d.sw, d.padTop, d.padLeft, d.outH, d.outW, cout))
    }
  })

  it("the GEMM's packing buffers", async () => {
    const ex = (await instance()) as Record<string, WebAssembly.Global>
    expect(PACK_A_BYTES).toBe(ex.PACK_A_BYTES.value)
    expect(PACK_B_BYTES).toBe(ex.PACK_B_BYTES.value)
  })

  it("the memory cap is the module's declared maximum (2 GiB)", async () => {
    expect(WASM_MEMORY_LIMIT).toBe(2 ** 31)
    await expect(instance(WASM_MAX_PAGES)).resolves.toBeTruthy()
    // A memory allowed one page more is refused: the module itself cannot grow past the cap.
    await expect(instance(WASM_MAX_PAGES + 1)).rejects.toThrow(/maximum/)
  })
})
