// Every fast (WebAssembly SIMD) kernel against its reference on random shapes, including sizes that are
// not multiples of the 6x8 tile, odd spatial sizes, strides 2 and 3, asymmetric "same" padding.
import { beforeAll, describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { windowGeometry, type Padding } from '../../../src-engine/core/graph/index.ts'
import type { Kernels, WindowDims } from '../../../src-engine/core/kernels/types.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'

let fast: Kernels<Float32Array> & { relaxed: boolean }
const ref = referenceKernels('float64')
beforeAll(async () => {
  fast = await fastKernels()
})

const rng = new Rng(42)
function pair(len: number): [Float32Array, Float64Array] {
  const f = fast.alloc(len)
  for (let i = 0; i < len; i++) f[i] = rng.next() * 2 - 1
  return [f, Float64Array.from(f)]
}
function expectClose(actual: Float32Array, expected: Float64Array, scale: number) {
  let worst = 0
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]))
  expect(worst).toBeLessThan(2e-5 * Math.max(1, scale))
}

describe('fast gemm = reference gemm', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [6, 8, 1], [7, 9, 5], [13, 17, 300], [97, 33, 517], [64, 10, 128], [300, 70, 27], [5, 600, 9]]
  for (const [m, n, k] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${m}x${n}x${k} transA=${ta} transB=${tb}, plain and accumulating`, () => {
        const [a, a64] = pair(m * k), [b, b64] = pair(k * n), [c, c64] = pair(m * n)
        fast.gemm(ta, tb, m, n, k, a, b, c, true)
        ref.gemm(ta, tb, m, n, k, a64, b64, c64, true)
        expectClose(c, c64, Math.sqrt(k))
        fast.gemm(ta, tb, m, n, k, a, b, c, false)
        ref.gemm(ta, tb, m, n, k, a64, b64, c64, false)
        expectClose(c, c64, Math.sqrt(k))
      })
    }
  }
})

describe('fast convolution and pooling = reference', () => {
  const cases: [string, number, number, number, number, number, number | [number, number], number | [number, number], Padding][] = [
    // name, n, h, w, cin, cout, kernel, stride, padding
    ['3x3 same, RGB', 2, 9, 7, 3, 8, 3, 1, 'same'],
    ['3x3 stride 2 asymmetric same', 3, 8, 7, 4, 13, 3, 2, 'same'],
    ['5x5 stride 3 valid, odd sizes', 1, 11, 13, 5, 7, 5, 3, 'valid'],
    ['1x1 stride 1 (no im2col)', 2, 5, 5, 16, 9, 1, 1, 'valid'],
    ['1x1 stride 2 projection', 2, 6, 6, 8, 16, 1, 2, 'valid'],
    ['[3, 2] kernel, [1, 2] stride, [1, 0] padding', 2, 6, 9, 3, 5, [3, 2], [1, 2], [1, 0]],
    ['batch 1, 32 channels', 1, 6, 6, 32, 64, 3, 1, 1],
    // Up to 4 input channels the conv runs direct (windows read in place; conv-narrow.ts); its weight
    // gradient wants output channels in whole vectors: 8 + 4 here, 4 alone, and rows in two chunks.
    ['direct: 3x3 same RGB, 12 filters', 2, 9, 7, 3, 12, 3, 1, 'same'],
    ['direct: 5x5 stride 2 grey, 4 filters', 2, 13, 12, 1, 4, 5, 2, 'same'],
    ['direct: RGB 60x40, 16 filters (the weight gradient over two chunks of rows)', 1, 60, 40, 3, 16, 3, 1, 'same'],
    ['direct: 2 channels, [3, 2] kernel, stride [2, 1], valid', 3, 10, 9, 2, 8, [3, 2], [2, 1], 'valid'],
    // A row's last pixels go in tiles of 4 where a tile of 6 would waste (conv-narrow.ts rowOf): rows of 32
    // (6+6+6+6+4+4), 9 (6+3) and 11 (6+5) pixels.
    ['direct: RGB rows of 32 pixels', 2, 5, 32, 3, 16, 3, 1, 'same'],
    ['direct: RGB rows of 9 pixels', 1, 4, 9, 3, 8, 3, 1, 'same'],
    ['direct: RGB rows of 11 pixels, 12 filters', 1, 4, 11, 3, 12, 3, 1, 'same'],
  ]
  for (const [name, n, h, w, cin, cout, kernel, stride, padding] of cases) {
    it(name, () => {
      const d: WindowDims = { ...windowGeometry(h, w, kernel, stride, padding), n, inH: h, inW: w, cin, cout }
      const [kh, kw] = [d.kh, d.kw]
      const inLen = n * h * w * cin, outLen = n * d.outH * d.outW * cout
      const [x, x64] = pair(inLen), [wt, wt64] = pair(kh * kw * cin * cout), [bias, bias64] = pair(cout)
      const y = fast.alloc(outLen), y64 = new Float64Array(outLen)
      for (const relu of [false, true]) {
        fast.conv2dForward(d, x, wt, bias, y, relu)
        ref.conv2dForward(d, x64, wt64, bias64, y64, relu)
        expectClose(y, y64, Math.sqrt(kh * kw * cin))
      }
      const [dy, dy64] = pair(outLen)
      const dx = fast.alloc(inLen), dx64 = new Float64Array(inLen)
      fast.conv2dBackwardInput(d, dy, wt, dx)
      ref.conv2dBackwardInput(d, dy64, wt64, dx64)
      expectClose(dx, dx64, Math.sqrt(kh * kw * cout))
      const dw = fast.alloc(wt.length), dw64 = new Float64Array(wt.length), db = fast.alloc(cout), db64 = new Float64Array(cout)
      fast.conv2dBackwardFilter(d, x, dy, dw, db)
      ref.conv2dBackwardFilter(d, x64, dy64, dw64, db64)
      expectClose(dw, dw64, Math.sqrt(n * d.outH * d.outW))
      expectClose(db, db64, Math.sqrt(n * d.outH * d.outW))

      // Pools over the same window (channels = cin).
      const pd: WindowDims = { ...d, cout: cin }
      const pLen = n * d.outH * d.outW * cin
      const py = fast.alloc(pLen), py64 = new Float64Array(pLen), at = fast.allocIndex(pLen), at64 = new Int32Array(pLen)
      fast.maxPoolForward(pd, x, py, at)
      ref.maxPoolForward(pd, x64, py64, at64)
      expectClose(py, py64, 1)
      expect(Array.from(at)).toEqual(Array.from(at64))
      const [pdy, pdy64] = pair(pLen)
      fast.maxPoolBackward(pd, pdy, at, dx)
      ref.maxPoolBackward(pd, pdy64, at64, dx64)
      expectClose(dx, dx64, 1)
      fast.avgPoolForward(pd, x, py)
      ref.avgPoolForward(pd, x64, py64)
      expectClose(py, py64, 1)
      fast.avgPoolBackward(pd, pdy, dx)
      ref.avgPoolBackward(pd, pdy64, dx64)
      expectClose(dx, dx64, 1)
    })
  }

  // The conv + ReLU + 2x2/2 max-pool in one pass: the very values of the conv then the pool, with the fast
  // kernels (the same sums), and within tolerance of the float64 reference; for training, the very argmax.
  const pooled: [string, number, number, number, number, number, number, number, Padding][] = [
    // name, n, h, w, cin, cout, kernel, stride, padding
    ['a first layer: 3x3 same over RGB, 16 filters', 3, 12, 12, 3, 16, 3, 1, 'same'],
    ['grey input, 5x5 valid, odd output (its last row and column left out)', 2, 13, 11, 1, 8, 5, 1, 'valid'],
    ['channels not a multiple of 4, stride 2', 2, 15, 14, 3, 6, 3, 2, 'same'],
    ['8 input channels (the packed im2col, not the direct conv)', 2, 10, 9, 8, 12, 3, 1, 'same'],
    ['RGB, 12 filters, odd width (the weight gradient from the pool: 8 + 4 channels)', 2, 10, 9, 3, 12, 3, 1, 'same'],
  ]
  for (const [name, n, h, w, cin, cout, kernel, stride, padding] of pooled) {
    it(`conv + ReLU + max-pool in one pass: ${name}`, () => {
      const d: WindowDims = { ...windowGeometry(h, w, kernel, stride, padding), n, inH: h, inW: w, cin, cout }
      expect(fast.fusesPool!(d, 'gemm')).toBe(true)
      const pd: WindowDims = { ...windowGeometry(d.outH, d.outW, 2, 2, 'valid'), n, inH: d.outH, inW: d.outW, cin: cout, cout }
      const [x, x64] = pair(n * h * w * cin), [wt, wt64] = pair(d.kh * d.kw * cin * cout), [bias, bias64] = pair(cout)
      const conv = fast.alloc(n * d.outH * d.outW * cout), conv64 = new Float64Array(conv.length)
      const len = n * pd.outH * pd.outW * cout
      const y = fast.alloc(len), want = fast.alloc(len), want64 = new Float64Array(len)
      fast.conv2dForwardPooled!(d, x, wt, bias, y)
      fast.conv2dForward(d, x, wt, bias, conv, true)
      const wantAt = fast.allocIndex(len)
      fast.maxPoolForward(pd, conv, want, wantAt)
      expect(Array.from(y).every((v, i) => v === want[i])).toBe(true)
      const at = fast.allocIndex(len).fill(-1)
      y.fill(NaN)
      fast.conv2dForwardPooled!(d, x, wt, bias, y, at)
      expect(Array.from(y).every((v, i) => v === want[i])).toBe(true)
      expect(Array.from(at)).toEqual(Array.from(wantAt))
      // The weight gradient straight from the pool's (the direct convs with whole vectors of channels): as
      // the pool's backward (with the ReLU's mask) then the conv's weight gradient, within rounding.
      if (!fast.filterGradFromPool!(d, 'gemm')) return
      const [pdy] = pair(len)
      const dconv = fast.alloc(conv.length), dw = fast.alloc(wt.length), db = fast.alloc(cout), dwWant = fast.alloc(wt.length), dbWant = fast.alloc(cout)
      fast.maxPoolBackward(pd, pdy, wantAt, dconv, want)
      fast.conv2dBackwardFilter(d, x, dconv, dwWant, dbWant)
      dw.fill(NaN)
      fast.conv2dBackwardFilterPooled!(d, x, pdy, at, want, dw, db)
      expectClose(dw, Float64Array.from(dwWant), Math.sqrt(n * d.outH * d.outW))
      expectClose(db, Float64Array.from(dbWant), Math.sqrt(n * d.outH * d.outW))
      ref.conv2dForward(d, x64, wt64, bias64, conv64, true)
      ref.maxPoolForward(pd, conv64, want64, new Int32Array(len))
      expectClose(y, want64, Math.sqrt(d.kh * d.kw * cin))
    })
  }
  it('conv + pool in one pass is offered where the packed, direct or Winograd forward runs', () => {
    const d = (cin: number, kernel: number, w = 16): WindowDims => ({ ...windowGeometry(w, w, kernel, 1, 'same'), n: 1, inH: w, inW: w, cin, cout: 8 })
    expect(fast.fusesPool!(d(3, 3), 'gemm')).toBe(true)
    // Winograd pools its own output tiles: its sums (not the GEMM's), the very values of its unfused forward.
    for (const algo of ['winograd2', 'winograd4', 'winograd6', 'winograd8'] as const) {
      expect(fast.fusesPool!(d(8, 3), algo)).toBe(true)
      expect(fast.filterGradFromPool!(d(8, 3), algo)).toBe(false) // the weight gradient from the pool is the direct convs'
    }
    // An RGB first layer: F(4x4), F(6x6) and F(8x8) take its 3 channels as 4; its weight gradient stays the direct conv's.
    expect(fast.fusesPool!(d(3, 3), 'winograd2')).toBe(false)
    for (const algo of ['winograd4', 'winograd6', 'winograd8'] as const) {
      expect(fast.fusesPool!(d(3, 3), algo)).toBe(true)
      expect(fast.filterGradFromPool!(d(3, 3), algo)).toBe(true)
    }
    expect(fast.fusesPool!(d(16, 1), 'gemm')).toBe(false) // a plain 1x1 is the GEMM on the input itself
    expect(fast.fusesPool!(d(128, 3), 'gemm')).toBe(false) // a window deeper than the packed panels take
    expect(fast.fusesPool!(d(3, 3, 300), 'gemm')).toBe(false) // rows too wide for the tile to stay cached
  })

  // Winograd's forward with the 2x2/2 max-pool in its output transform: every value the very one of its own
  // unfused forward (the same sums) then the pool, every argmax the pool's; edge tiles that hold a single row
  // or column (odd outputs), blocks of tiles that cross images and end short, ReLU zeros tying in a window.
  const wpooled: [string, number, number, number, number, number, Padding][] = [
    // name, n, h, w, cin, cout, padding
    ['same, odd output 13x11, 8 -> 12', 2, 13, 11, 8, 12, 'same'],
    ['valid, odd output 13x10, 16 -> 8', 3, 15, 12, 16, 8, 'valid'],
    ['same, 26x26 (more tiles than a block), 32 -> 64', 2, 26, 26, 32, 64, 'same'],
    ['valid, 64 -> 16, odd width', 2, 14, 11, 64, 16, 'valid'],
  ]
  for (const algo of ['winograd2', 'winograd4', 'winograd6', 'winograd8'] as const) {
    for (const [name, n, h, w, cin, cout, padding] of wpooled) {
      it(`Winograd ${algo} + ReLU + max-pool in one pass: ${name}`, () => {
        const d: WindowDims = { ...windowGeometry(h, w, 3, 1, padding), n, inH: h, inW: w, cin, cout }
        expect(fast.fusesPool!(d, algo)).toBe(true)
        const pd: WindowDims = { ...windowGeometry(d.outH, d.outW, 2, 2, 'valid'), n, inH: d.outH, inW: d.outW, cin: cout, cout }
        const [x] = pair(n * h * w * cin), [wt] = pair(9 * cin * cout), [bias] = pair(cout)
        const conv = fast.alloc(n * d.outH * d.outW * cout)
        const len = n * pd.outH * pd.outW * cout
        const want = fast.alloc(len), wantAt = fast.allocIndex(len)
        fast.conv2dForward(d, x, wt, bias, conv, true, algo)
        fast.maxPoolForward(pd, conv, want, wantAt)
        const y = fast.alloc(len).fill(NaN), at = fast.allocIndex(len).fill(-1)
        fast.conv2dForwardPooled!(d, x, wt, bias, y, at, algo)
        expect(Array.from(y).every((v, i) => v === want[i])).toBe(true)
        expect(Array.from(at)).toEqual(Array.from(wantAt))
        y.fill(NaN) // inference: no argmax, the same values
        fast.conv2dForwardPooled!(d, x, wt, bias, y, null, algo)
        expect(Array.from(y).every((v, i) => v === want[i])).toBe(true)
      })
    }
  }

  // An RGB first layer by F(4x4), F(6x6) and F(8x8): each pixel's 3 channels transformed as 4 (the 4th zero, never read
  // from memory: a NaN right after the last pixel must change nothing), against a zero 4th row of U.
  const rgb: [string, number, number, number, Padding][] = [
    ['32x32, batch 2 (SmallCNN\'s first layer)', 2, 32, 32, 'same'],
    ['13x11, odd output (edge tiles, a last tile alone)', 1, 13, 11, 'same'],
    ['valid, 14x17', 2, 14, 17, 'valid'],
  ]
  for (const [algo, slack] of [['winograd4', 20], ['winograd6', 2], ['winograd8', 20]] as const) {
    for (const [name, n, h, w, padding] of rgb) {
      it(`an RGB first layer by ${algo}: forward and pooled forward = reference, ${name}`, () => {
        const d: WindowDims = { ...windowGeometry(h, w, 3, 1, padding), n, inH: h, inW: w, cin: 3, cout: 12 }
        expect(fast.fusesPool!(d, algo)).toBe(true)
        const inLen = n * h * w * 3, outLen = n * d.outH * d.outW * d.cout
        const [padded] = pair(inLen + 4)
        padded.fill(NaN, inLen)
        const x = padded.subarray(0, inLen), x64 = Float64Array.from(x)
        const [wt, wt64] = pair(27 * d.cout), [bias, bias64] = pair(d.cout)
        const y = fast.alloc(outLen), y64 = new Float64Array(outLen)
        for (const relu of [false, true]) {
          y.fill(NaN)
          fast.conv2dForward(d, x, wt, bias, y, relu, algo)
          ref.conv2dForward(d, x64, wt64, bias64, y64, relu)
          expectClose(y, y64, slack * Math.sqrt(27))
        }
        // Pooled: the very values of the unfused forward (y, with ReLU) then the pool, and the pool's argmax.
        const pd: WindowDims = { ...windowGeometry(d.outH, d.outW, 2, 2, 'valid'), n, inH: d.outH, inW: d.outW, cin: d.cout, cout: d.cout }
        const len = n * pd.outH * pd.outW * d.cout
        const want = fast.alloc(len), wantAt = fast.allocIndex(len)
        fast.maxPoolForward(pd, y, want, wantAt)
        const yp = fast.alloc(len).fill(NaN), at = fast.allocIndex(len).fill(-1)
        fast.conv2dForwardPooled!(d, x, wt, bias, yp, at, algo)
        expect(Array.from(yp).every((v, i) => v === want[i])).toBe(true)
        expect(Array.from(at)).toEqual(Array.from(wantAt))
      })
    }
  }

  // The transformed weights kept between forwards (Kernels.keepWeights): each forward given them returns the
  // very values of one that makes U itself, whether U was kept or made again: first call, the same weights
  // again, one weight changed (a training step between two validations), a weight set to NaN and back, and
  // a layer whose U another layer's forward would have overwritten in the shared scratch.
  const keptCases: [string, number, number, number, number, number][] = [
    // name, n, h, w, cin, cout
    ['8x8, 64 -> 128 (SmallCNN c3)', 2, 8, 8, 64, 128],
    ['13x11, 8 -> 12 (edge tiles)', 2, 13, 11, 8, 12],
    ['RGB 16x16, 3 -> 8 (a first layer)', 2, 16, 16, 3, 8],
  ]
  for (const algo of ['winograd2', 'winograd4', 'winograd6', 'winograd8'] as const) {
    for (const [name, n, h, w, cin, cout] of keptCases) {
      if (cin === 3 && algo === 'winograd2') continue // an RGB input never runs F(2x2)
      it(`${algo} with its transformed weights kept = made each time, as the weights change: ${name}`, () => {
        const d: WindowDims = { ...windowGeometry(h, w, 3, 1, 'same'), n, inH: h, inW: w, cin, cout }
        const kept = fast.keepWeights!(d, algo)!
        expect(kept.u.length).toBeGreaterThan(0)
        const [x] = pair(n * h * w * cin), [wt] = pair(9 * cin * cout), [bias] = pair(cout)
        const outLen = n * d.outH * d.outW * cout
        const pd: WindowDims = { ...windowGeometry(d.outH, d.outW, 2, 2, 'valid'), n, inH: d.outH, inW: d.outW, cin: cout, cout }
        const poolLen = n * pd.outH * pd.outW * cout
        const want = fast.alloc(outLen), got = fast.alloc(outLen), wantPool = fast.alloc(poolLen), gotPool = fast.alloc(poolLen)
        // another conv's forward in between: it writes its own U where this one's would be made
        const od: WindowDims = { ...windowGeometry(8, 8, 3, 1, 'same'), n: 1, inH: 8, inW: 8, cin: 16, cout: 16 }
        const [ox] = pair(64 * 16), [ow] = pair(9 * 256), oy = fast.alloc(64 * 16)
        const same = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]))
        const check = (step: string) => {
          fast.conv2dForward(d, x, wt, bias, want, true, algo)
          fast.conv2dForwardPooled!(d, x, wt, bias, wantPool, null, algo)
          fast.conv2dForward(od, ox, ow, null, oy, false, algo)
          got.fill(NaN)
          fast.conv2dForward(d, x, wt, bias, got, true, algo, kept)
          expect(same(got, want), step).toBe(true)
          fast.conv2dForward(od, ox, ow, null, oy, false, algo)
          gotPool.fill(NaN)
          fast.conv2dForwardPooled!(d, x, wt, bias, gotPool, null, algo, kept)
          expect(same(gotPool, wantPool), `${step}, pooled`).toBe(true)
        }
        check('first forward')
        check('the same weights again')
        wt[wt.length - 1] += 0.5 // the last weight alone: the comparison must reach the end
        check('the last weight changed')
        for (let i = 0; i < wt.length; i++) wt[i] *= -1
        check('every weight changed')
        const old = wt[5]
        wt[5] = NaN
        check('a weight NaN')
        wt[5] = old
        check('and back')
      })
    }
  }
  // Inference's conv + ReLU + global average pooling in one pass: each tile's outputs added to its image's
  // sums in the output transform. Where one tile covers the map the sums run in the pooling's own order and
  // the means are the very ones of the forward then the pooling; where several do, within float32 rounding.
  const gapCases: [string, number, number, number, number, number][] = [
    // name, n, h, w, cin, cout
    ['8x8, 64 -> 128 (SmallCNN c3)', 3, 8, 8, 64, 128],
    ['6x6, 16 -> 8', 2, 6, 6, 16, 8],
    ['13x11, 8 -> 12 (edge tiles)', 3, 13, 11, 8, 12],
    ['12x12, 32 -> 16, 7 images (blocks across images)', 7, 12, 12, 32, 16],
    ['16x16, RGB 3 -> 12 (an RGB input runs tile by tile)', 2, 16, 16, 3, 12],
  ]
  for (const [algo, m] of [['winograd4', 4], ['winograd6', 6], ['winograd8', 8]] as const) {
    for (const [name, n, h, w, cin, cout] of gapCases) {
      it(`${algo} + ReLU + global average pooling in one pass: ${name}`, () => {
        const d: WindowDims = { ...windowGeometry(h, w, 3, 1, 'same'), n, inH: h, inW: w, cin, cout }
        expect(fast.fusesGap!(d, algo)).toBe(true)
        const gd: WindowDims = { ...windowGeometry(h, w, [h, w], 1, 'valid'), n, inH: h, inW: w, cin: cout, cout }
        const [x] = pair(n * h * w * cin), [wt] = pair(9 * cin * cout), [bias] = pair(cout)
        const conv = fast.alloc(n * h * w * cout), want = fast.alloc(n * cout)
        fast.conv2dForward(d, x, wt, bias, conv, true, algo)
        fast.avgPoolForward(gd, conv, want)
        const kept = fast.keepWeights!(d, algo)
        for (const k of [null, kept, kept]) {
          const y = fast.alloc(n * cout).fill(NaN)
          fast.conv2dForwardGap!(d, x, wt, bias, y, algo, k)
          if (h <= m && w <= m) expect(Array.from(y)).toEqual(Array.from(want))
          else {
            const scale = Math.max(...Array.from(want, Math.abs))
            expect(Math.max(...Array.from(y, (v, i) => Math.abs(v - want[i])))).toBeLessThan(1e-6 * scale)
          }
        }
      })
    }
  }
  it('runs no conv + global average pooling in one pass for F(2x2) or the GEMM', () => {
    const d: WindowDims = { ...windowGeometry(8, 8, 3, 1, 'same'), n: 1, inH: 8, inW: 8, cin: 8, cout: 8 }
    expect(fast.fusesGap!(d, 'winograd2')).toBe(false)
    expect(fast.fusesGap!(d, 'gemm')).toBe(false)
  })

  it('keeps nothing where the forward is not Winograd', () => {
    const d: WindowDims = { ...windowGeometry(8, 8, 3, 2, 'same'), n: 1, inH: 8, inW: 8, cin: 8, cout: 8 }
    expect(fast.keepWeights!(d, 'gemm')).toBe(null)
  })

  // The transforms add, halve and scale before multiplying, so float32 rounding grows beyond the GEMM's.
  // Tolerances against the float64 reference, inputs and weights in [-1, 1]: F(2x2, 3x3) 1e-4 * sqrt(fan-in),
  // F(4x4, 3x3) (coefficients up to 8) 4e-4 * sqrt(fan-in), F(6x6, 3x3) (coefficients up to 32) 4e-5 *
  // sqrt(fan-in): its worst over these cases measured 1.4e-5 * sqrt(fan-in) with fused multiply-add, 1.5e-5
  // without (the input gradient of 64 -> 128; F(4x4)'s worst 8.8e-6, F(2x2)'s 6.0e-7). F(8x8, 3x3)
  // (coefficients up to 610) 4e-4 * sqrt(fan-in): its worst measured 1.4e-4 * sqrt(fan-in), ten times F(6x6)'s.
  const variants = [['winograd2', 'F(2x2, 3x3)', 5], ['winograd4', 'F(4x4, 3x3)', 20], ['winograd6', 'F(6x6, 3x3)', 2], ['winograd8', 'F(8x8, 3x3)', 20]] as const
  for (const [algo, title, slack] of variants) {
    describe(`Winograd ${title} = reference (3x3 stride 1)`, () => {
      const wcases: [string, number, number, number, number, number, Padding][] = [
        ['same, even size, 8 -> 8', 2, 8, 8, 8, 8, 'same'],
        ['same, odd size (edge tiles), 12 -> 20', 3, 7, 9, 12, 20, 'same'],
        ['valid (no padding), 16 -> 12', 2, 11, 10, 16, 12, 'valid'],
        ['padding 2 (input gradient pads 0), 8 -> 4', 1, 5, 5, 8, 4, 2],
        ['6x6, batch 1', 1, 6, 6, 8, 8, 'same'],
        ['12x12, batch 1: an odd number of tiles (9 of F(4x4)), the last transformed alone', 1, 12, 12, 16, 8, 'same'],
        ['SmallCNN c3 shape, 64 -> 128, more tiles than a block', 3, 8, 8, 64, 128, 'same'],
        ['13x13, 4 -> 8 channels, more tiles than a block', 2, 13, 13, 4, 8, 'same'],
        ['20x20, 8 -> 12, more tiles than a block, blocks across images and a short last one', 2, 20, 20, 8, 12, 'same'],
      ]
      for (const [name, n, h, w, cin, cout, padding] of wcases) {
        it(name, () => {
          const d: WindowDims = { ...windowGeometry(h, w, 3, 1, padding), n, inH: h, inW: w, cin, cout }
          const inLen = n * h * w * cin, outLen = n * d.outH * d.outW * cout
          const [x, x64] = pair(inLen), [wt, wt64] = pair(9 * cin * cout), [bias, bias64] = pair(cout)
          const y = fast.alloc(outLen), y64 = new Float64Array(outLen)
          for (const relu of [false, true]) {
            y.fill(NaN)
            fast.conv2dForward(d, x, wt, bias, y, relu, algo)
            ref.conv2dForward(d, x64, wt64, bias64, y64, relu)
            expectClose(y, y64, slack * Math.sqrt(9 * cin))
          }
          const [dy, dy64] = pair(outLen)
          const dx = fast.alloc(inLen), dx64 = new Float64Array(inLen)
          dx.fill(NaN)
          fast.conv2dBackwardInput(d, dy, wt, dx, algo)
          ref.conv2dBackwardInput(d, dy64, wt64, dx64)
          expectClose(dx, dx64, slack * Math.sqrt(9 * cout))
          const dw = fast.alloc(wt.length), dw64 = new Float64Array(wt.length), db = fast.alloc(cout), db64 = new Float64Array(cout)
          dw.fill(NaN)
          fast.conv2dBackwardFilter(d, x, dy, dw, db, algo)
          ref.conv2dBackwardFilter(d, x64, dy64, dw64, db64)
          expectClose(dw, dw64, slack * Math.sqrt(n * d.outH * d.outW))
          expectClose(db, db64, Math.sqrt(n * d.outH * d.outW))
        })
      }
    })
  }

  describe('the per-layer choice', () => {
    it('is not chosen where it does not apply', () => {
      const dims = (h: number, cin: number, cout: number, kernel: number, stride: number): WindowDims => ({ ...windowGeometry(h, h, kernel, stride, 'same'), n: 2, inH: h, inW: h, cin, cout })
      expect(fast.chooseConv!(dims(8, 3, 32, 3, 1))).toBe('gemm') // RGB input: too few channels
      expect(fast.chooseConv!(dims(32, 3, 32, 3, 1))).toBe('gemm') // ... unless pooled in one pass (below)
      expect(fast.chooseConv!(dims(32, 1, 32, 3, 1), true)).toBe('gemm') // grey: 1 channel as 4 would be 4x the work
      expect(fast.chooseConv!(dims(6, 3, 32, 3, 1), true)).toBe('gemm') // RGB, pooled, but a map under 8x8
      expect(fast.chooseConv!(dims(8, 32, 30, 3, 1))).toBe('gemm') // not whole vectors
      expect(fast.chooseConv!(dims(8, 32, 32, 3, 2))).toBe('gemm') // stride 2
      expect(fast.chooseConv!(dims(8, 32, 32, 5, 1))).toBe('gemm') // 5x5
      expect(fast.chooseConv!(dims(4, 32, 32, 3, 1))).toBe('gemm') // a 4x4 map: no gain
    })

    it('takes Winograd for the 3x3 stride-1 layers of SmallCNN and the VGG-style net', () => {
      const dims = (h: number, cin: number, cout: number): WindowDims => ({ ...windowGeometry(h, h, 3, 1, 'same'), n: 32, inH: h, inW: h, cin, cout })
      expect(fast.chooseConv!(dims(16, 32, 64))).toMatch(/^winograd/)
      expect(fast.chooseConv!(dims(8, 64, 128))).toMatch(/^winograd/)
      expect(fast.chooseConv!(dims(32, 32, 32))).toMatch(/^winograd/)
    })

    it('takes F(8x8) where its tiles cover the map whole (SmallCNN), F(6x6) or F(4x4) where they would waste', () => {
      const dims = (h: number, w: number, cin: number, cout: number): WindowDims => ({ ...windowGeometry(h, w, 3, 1, 'same'), n: 32, inH: h, inW: w, cin, cout })
      expect(fast.chooseConv!(dims(16, 16, 32, 64))).toBe('winograd8') // 2x2 tiles of 8: 0.69 of F(4x4)'s multiplies
      expect(fast.chooseConv!(dims(8, 8, 64, 128))).toBe('winograd8') // one tile of 8 against 2x2 of 4
      expect(fast.chooseConv!(dims(32, 32, 32, 32))).toBe('winograd8')
      expect(fast.chooseConv!(dims(48, 48, 32, 64))).toBe('winograd8') // 6x6 tiles of 8: 0.88 of F(6x6)'s 8x8 tiles of 6
      expect(fast.chooseConv!(dims(24, 24, 64, 128))).toBe('winograd8')
      expect(fast.chooseConv!(dims(12, 12, 128, 256))).toBe('winograd6') // 2x2 tiles of 8 cover 16x16
      expect(fast.chooseConv!(dims(6, 6, 64, 64))).toBe('winograd6') // one whole tile against four of F(4x4), nine of F(2x2)
      expect(fast.chooseConv!(dims(7, 7, 64, 128))).toBe('winograd8') // one tile of 8 against 16 of F(2x2) (F(4x4) takes 8x8 up)
      expect(fast.chooseConv!(dims(20, 20, 32, 32))).toBe('winograd4') // 3x3 tiles of 8 and 4x4 of 6 cover 24x24: as many multiplies as 5x5 of 4
      expect(fast.chooseConv!(dims(24, 8, 32, 32))).toBe('winograd8') // 3x1 tiles of 8 against 6x2 of 4
      // An RGB first layer pooled in one pass (SmallCNN's, the photo net's): never F(8x8); F(6x6) where its tiles waste little.
      expect(fast.chooseConv!(dims(32, 32, 3, 32), true)).toBe('winograd4')
      expect(fast.chooseConv!(dims(64, 64, 3, 32), true)).toBe('winograd6')
      expect(fast.chooseConv!(dims(96, 96, 3, 32), true)).toBe('winograd6')
    })
  })

  describe('max pooling whose windows tile the input (the SIMD path, and the ReLU mask folded in)', () => {
    const cases: [string, number, number, number, number, number, Padding?][] = [
      ['2x2 on 8x6, 8 channels', 2, 8, 6, 8, 2],
      ['2x2 on 7x9 (a row and a column left over)', 1, 7, 9, 4, 2],
      ['3x3 on 9x9, 12 channels', 2, 9, 9, 12, 3],
      ['2x2 "same" on 5x7 (the last windows hang over: not the tiled path)', 2, 5, 7, 8, 2, 'same'],
    ]
    for (const [name, n, h, w, c, size, padding] of cases) {
      it(name, () => {
        const d: WindowDims = { ...windowGeometry(h, w, size, size, padding ?? 'valid'), n, inH: h, inW: w, cin: c, cout: c }
        const inLen = n * h * w * c, outLen = n * d.outH * d.outW * c
        const [x, x64] = pair(inLen)
        x.set(x.map((v, i) => (i % 7 === 0 ? 0.25 : v))) // ties: the first of equal values wins
        x64.set(x)
        const y = fast.alloc(outLen), y64 = new Float64Array(outLen), at = fast.allocIndex(outLen), at64 = new Int32Array(outLen)
        fast.maxPoolForward(d, x, y, at)
        ref.maxPoolForward(d, x64, y64, at64)
        expect(Array.from(at)).toEqual(Array.from(at64))
        expectClose(y, y64, 1)
        const [dy, dy64] = pair(outLen)
        for (const relu of [false, true]) {
          const dx = fast.alloc(inLen).fill(NaN), dx64 = new Float64Array(inLen)
          fast.maxPoolBackward(d, dy, at, dx, relu ? y : null)
          ref.maxPoolBackward(d, dy64, at64, dx64, relu ? y64 : null)
          expectClose(dx, dx64, 1)
        }
      })
    }
  })

  it('global average pooling (one window over the whole map: the SIMD path)', () => {
    const d: WindowDims = { ...windowGeometry(5, 7, [5, 7], 1, 'valid'), n: 3, inH: 5, inW: 7, cin: 12, cout: 12 }
    const [x, x64] = pair(3 * 5 * 7 * 12), y = fast.alloc(36), y64 = new Float64Array(36)
    fast.avgPoolForward(d, x, y)
    ref.avgPoolForward(d, x64, y64)
    expectClose(y, y64, 1)
    const dx = fast.alloc(x.length).fill(NaN), dx64 = new Float64Array(x.length)
    fast.avgPoolBackward(d, y, dx)
    ref.avgPoolBackward(d, y64, dx64)
    expectClose(dx, dx64, 1)
  })

  it('relu backward masks by the output', () => {
    const y = fast.alloc(11), dy = fast.alloc(11)
    y.set([1, -1, 0, 2, -3, 4, 0.5, -0.5, 7, 0, 1])
    dy.fill(3)
    fast.reluBackward(y, dy, 11)
    expect(Array.from(dy)).toEqual([3, 0, 0, 3, 0, 3, 3, 0, 3, 0, 3])
  })

  it('runs the relaxed-SIMD build where this runtime validates it', () => {
    expect(fast.name).toMatch(/^wasm-simd/)
    expect(typeof fast.relaxed).toBe('boolean')
  })
})
