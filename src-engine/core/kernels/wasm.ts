// The fast kernels: the WebAssembly SIMD module (src-engine/wasm) behind the Kernels interface. Each
// instance owns one shared WebAssembly.Memory; `alloc` hands out views of it (a bump allocator), so the
// module works on tensors in place and a worker pool can read them from other threads. Memory is planned
// once per (model, batch size); the im2col scratch grows only when a larger problem first appears.
import type { ConvAlgorithm, Kernels, KeptWeights, WindowDims } from './types.ts'
import { adamState, loadAdamState, type Optimizer, type OptimizerSettings } from '../train/optimizer.ts'
import { firstNonFiniteIndex } from '../train/weights.ts'
import { chooseConv, convScratchBytes, filterGradFromPool, filterGroup, fusesGap, fusesPool, isNarrow, isPlain1x1, keptWeightsBytes, narrowFilterFits, PACK_A_BYTES, PACK_B_BYTES, PACKED_IM2COL_MAX_K, reservedBytes, WASM_MAX_PAGES, WASM_PAGE, winogradFits, winogradForwardFits } from './plan.ts'

interface Exports {
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, c: number, acc: number, pa: number, pb: number, bias: number, relu: number): void
  im2col(x: number, n: number, inH: number, inW: number, cin: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, cols: number): void
  col2im(dcols: number, n: number, inH: number, inW: number, cin: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, dx: number): void
  columnSums(y: number, rows: number, cols: number, out: number): void
  maxPoolForward(x: number, n: number, inH: number, inW: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, y: number, argmax: number): void
  maxPoolBackward(dy: number, argmax: number, y: number, n: number, inH: number, inW: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, dx: number): void
  avgPool(x: number, n: number, inH: number, inW: number, c: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, y: number, backward: number): void
  reluBackward(y: number, dy: number, count: number): void
  sgdStep(p: number, g: number, buf: number, decay: number, n: number, lr: number, mu: number, wd: number, nesterov: number): void
  adamStep(p: number, g: number, m: number, v: number, decay: number, n: number, lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: number, c1: number, c2: number): void
  globalAvgPool(x: number, n: number, pixels: number, c: number, y: number, backward: number): void
  convForwardPacked(x: number, n: number, inH: number, inW: number, cin: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, cout: number, w: number, bias: number, relu: number, y: number, scratch: number): void
  convPoolForwardPacked(x: number, n: number, inH: number, inW: number, cin: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, cout: number, w: number, bias: number, y: number, argmax: number, scratch: number): void
  narrowConv: Exports['convForwardPacked']
  narrowConvPool: Exports['convPoolForwardPacked']
  narrowFilterGradPooled(x: number, dyp: number, argmax: number, yp: number, n: number, inH: number, inW: number, cin: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, cout: number, dw: number, db: number, scratch: number): void
  narrowFilterGrad(x: number, dy: number, n: number, inH: number, inW: number, cin: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number, oh: number, ow: number, cout: number, dw: number, scratch: number): void
  winogradConv(x: number, n: number, inH: number, inW: number, k: number, pt: number, pl: number, oh: number, ow: number, nOut: number, w: number, flip: number, y: number, bias: number, relu: number, scratch: number, kept: number): void
  winogradFilterGrad(x: number, dy: number, n: number, inH: number, inW: number, k: number, pt: number, pl: number, oh: number, ow: number, nOut: number, dw: number, scratch: number): void
  winograd4Conv: Exports['winogradConv']
  winograd4FilterGrad: Exports['winogradFilterGrad']
  winograd6Conv: Exports['winogradConv']
  winograd6FilterGrad: Exports['winogradFilterGrad']
  winogradConvPool(x: number, n: number, inH: number, inW: number, k: number, pt: number, pl: number, oh: number, ow: number, nOut: number, w: number, y: number, bias: number, argmax: number, scratch: number, kept: number): void
  winograd4ConvPool: Exports['winogradConvPool']
  winograd6ConvPool: Exports['winogradConvPool']
  winograd8Conv: Exports['winogradConv']
  winograd8ConvPool: Exports['winogradConvPool']
  winograd4ConvGap(x: number, n: number, inH: number, inW: number, k: number, pt: number, pl: number, oh: number, ow: number, nOut: number, w: number, y: number, bias: number, scratch: number, kept: number): void
  winograd6ConvGap: Exports['winograd4ConvGap']
  winograd8ConvGap: Exports['winograd4ConvGap']
  winograd8FilterGrad: Exports['winogradFilterGrad']
  winogradKeep(w: number, k: number, nOut: number, kept: number, copy: number): void
  winograd4Keep: Exports['winogradKeep']
  winograd6Keep: Exports['winogradKeep']
  winograd8Keep: Exports['winogradKeep']
  addInto(dst: number, src: number, n: number): void
  allFinite(a: number, n: number): number
  heapBase(): number
  relaxed(): number
  PACK_A_BYTES: WebAssembly.Global
  PACK_B_BYTES: WebAssembly.Global
}

export interface WasmKernels extends Kernels<Float32Array> {
  /** True when the module uses relaxed-SIMD fused multiply-add. */
  readonly relaxed: boolean
  readonly memory: WebAssembly.Memory
  /**
   * The optimizers of core/train/optimizer.ts in SIMD, with the same state layout (checkpoints move
   * between the two). `step`'s params and grads must be tensors of these kernels (`alloc`).
   */
  createOptimizer(size: number, decayMask: Uint8Array, s: OptimizerSettings): Optimizer
  /** dst += src in SIMD; both tensors of these kernels (the trainer's gradient sum across workers). */
  addInto(dst: Float32Array, src: Float32Array): void
  /** The index of the first NaN or infinity in a tensor of these kernels, or -1: one SIMD pass when all are finite. */
  firstNonFinite(a: Float32Array): number
}

export function createWasmKernels(module: WebAssembly.Module): WasmKernels {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: WASM_MAX_PAGES, shared: true })
  const instance = new WebAssembly.Instance(module, {
    env: {
      memory,
      abort: () => { throw new Error('fast kernels: abort') },
    },
  })
  const ex = instance.exports as unknown as Exports
  // The sizes below are the plan's (core/kernels/plan.ts), a copy of the module's constants: a module
  // built from other ones would write past the buffers reserved for it.
  if (ex.PACK_A_BYTES.value !== PACK_A_BYTES || ex.PACK_B_BYTES.value !== PACK_B_BYTES) throw new Error('fast kernels: the module in build/wasm does not match core/kernels/plan.ts (its GEMM packing sizes differ); rebuild it with: npm run build:wasm')
  let top = reservedBytes(ex.heapBase())

  function reserve(bytes: number): number {
    const at = top
    top += reservedBytes(bytes)
    const need = Math.ceil(top / WASM_PAGE) - memory.buffer.byteLength / WASM_PAGE
    if (need > 0) {
      if (memory.buffer.byteLength / WASM_PAGE + need > WASM_MAX_PAGES) throw new Error(`fast kernels: out of memory (${(top / 2 ** 30).toFixed(1)} GiB needed); use a smaller batch size or model`)
      memory.grow(need)
    }
    return at
  }
  const packA = reserve(PACK_A_BYTES)
  const packB = reserve(PACK_B_BYTES)
  let scratch = 0, scratchBytes = 0
  function cols(bytes: number): number {
    if (bytes > scratchBytes) {
      scratch = reserve(bytes)
      scratchBytes = bytes
    }
    return scratch
  }
  // Views made before a grow keep working: a shared memory's buffer never detaches.
  const p = (a: Float32Array | Int32Array) => a.byteOffset
  const direct = isPlain1x1
  const geo = (d: WindowDims) => [d.n, d.inH, d.inW, d.cin, d.kh, d.kw, d.sh, d.sw, d.padTop, d.padLeft, d.outH, d.outW] as const
  const variants = {
    winograd2: { conv: ex.winogradConv, pool: ex.winogradConvPool, filter: ex.winogradFilterGrad, keep: ex.winogradKeep, gap: null },
    winograd4: { conv: ex.winograd4Conv, pool: ex.winograd4ConvPool, filter: ex.winograd4FilterGrad, keep: ex.winograd4Keep, gap: ex.winograd4ConvGap },
    winograd6: { conv: ex.winograd6Conv, pool: ex.winograd6ConvPool, filter: ex.winograd6FilterGrad, keep: ex.winograd6Keep, gap: ex.winograd6ConvGap },
    winograd8: { conv: ex.winograd8Conv, pool: ex.winograd8ConvPool, filter: ex.winograd8FilterGrad, keep: ex.winograd8Keep, gap: ex.winograd8ConvGap },
  }
  /** U made where the weights changed since `kept` last took them (KeptWeights): its address for the forward, or 0 (none kept). */
  function keptU(wg: (typeof variants)[keyof typeof variants], d: WindowDims, w: Float32Array, kept: KeptWeights<Float32Array> | null | undefined): number {
    if (!kept) return 0
    wg.keep(p(w), d.cin, d.cout, p(kept.u), p(kept.weights))
    return p(kept.u)
  }
  /**
   * The Winograd variant to run, or null for im2col + GEMM or the direct conv (also when the dims do not fit
   * it); `forward`: a forward pass, which an RGB first layer runs by Winograd too (rgbWinogradFits).
   */
  const winograd = (d: WindowDims, algo: ConvAlgorithm | undefined, forward = false) =>
    (algo && algo !== 'gemm' && (forward ? winogradForwardFits(d, algo) : winogradFits(d)) ? variants[algo] : null)
  /** One window over the whole map (global average pooling), channels in whole vectors: the SIMD path. */
  const global = (d: WindowDims) => d.kh === d.inH && d.kw === d.inW && d.padTop === 0 && d.padLeft === 0 && d.outH === 1 && d.outW === 1 && d.cin % 4 === 0
  /** The forward GEMM's A operand for a conv: the input itself for a plain 1x1, else its im2col in the scratch. */
  function colsOf(d: WindowDims, x: Float32Array): number {
    if (direct(d)) return p(x)
    const at = cols(convScratchBytes(d, 'gemm', 'forward'))
    ex.im2col(p(x), ...geo(d), at)
    return at
  }

  // Reserve first: growing replaces memory.buffer, and the view must be made on the grown one.
  function allocF32(n: number): Float32Array {
    const at = reserve(n * 4)
    return new Float32Array(memory.buffer, at, n)
  }

  function createOptimizer(size: number, decayMask: Uint8Array, s: OptimizerSettings): Optimizer {
    const wd = s.weightDecay ?? 0
    const decay = allocF32(size)
    for (let i = 0; i < size; i++) decay[i] = decayMask[i] ? 1 : 0
    if (s.optimizer === 'sgd') {
      const buf = allocF32(size)
      return {
        step: (params, grads, lr) => ex.sgdStep(p(params as Float32Array), p(grads as Float32Array), p(buf), p(decay), size, lr, s.momentum, wd, +!!s.nesterov),
        state: () => Float32Array.from(buf),
        loadState: (st) => buf.set(st.subarray(0, size)),
        buffers: () => [buf],
        setStep: () => {},
      }
    }
    const b1 = s.beta1 ?? 0.9, b2 = s.beta2 ?? 0.999, eps = s.epsilon ?? 1e-8
    const m = allocF32(size)
    const v = allocF32(size)
    let t = 0
    return {
      step(params, grads, lr) {
        t++
        ex.adamStep(p(params as Float32Array), p(grads as Float32Array), p(m), p(v), p(decay), size, lr, b1, b2, eps, wd, +(s.optimizer === 'adamw'), 1 - Math.pow(b1, t), 1 - Math.pow(b2, t))
      },
      state: () => adamState(m, v, t),
      loadState(st) {
        t = loadAdamState(st, m, v)
      },
      buffers: () => [m, v],
      setStep(n) {
        t = n
      },
    }
  }

  return {
    name: ex.relaxed() ? 'wasm-simd-relaxed' : 'wasm-simd',
    createOptimizer,
    addInto: (dst, src) => ex.addInto(p(dst), p(src), Math.min(dst.length, src.length)),
    firstNonFinite: (a) => (ex.allFinite(p(a), a.length) ? -1 : firstNonFiniteIndex(a)),
    relaxed: !!ex.relaxed(),
    memory,
    alloc: allocF32,
    allocIndex: (n) => {
      const at = reserve(n * 4)
      return new Int32Array(memory.buffer, at, n)
    },

    gemm(transA, transB, m, n, k, a, b, c, accumulate, bias, relu) {
      ex.gemm(+transA, +transB, m, n, k, p(a), p(b), p(c), +accumulate, packA, packB, bias ? p(bias) : 0, +!!relu)
    },

    chooseConv,

    keepWeights(d, algo) {
      const bytes = keptWeightsBytes(d, algo)
      return bytes.u ? { u: allocF32(bytes.u / 4), weights: allocF32(bytes.weights / 4) } : null
    },

    // y [M = N*Ho*Wo, Cout] = im2col(x) [M, kh*kw*Cin] . w [kh*kw*Cin, Cout], then bias and ReLU.
    conv2dForward(d, x, w, bias, y, relu, algo, kept) {
      const wg = winograd(d, algo, true)
      if (wg) {
        wg.conv(p(x), d.n, d.inH, d.inW, d.cin, d.padTop, d.padLeft, d.outH, d.outW, d.cout, p(w), 0, p(y), bias ? p(bias) : 0, +relu, cols(convScratchBytes(d, algo!, 'forward')), keptU(wg, d, w, kept))
        return
      }
      if (isNarrow(d)) {
        ex.narrowConv(p(x), ...geo(d), d.cout, p(w), bias ? p(bias) : 0, +relu, p(y), cols(convScratchBytes(d, 'gemm', 'forward')))
        return
      }
      const M = d.n * d.outH * d.outW, K = d.kh * d.kw * d.cin
      if (!direct(d) && K <= PACKED_IM2COL_MAX_K) {
        ex.convForwardPacked(p(x), ...geo(d), d.cout, p(w), bias ? p(bias) : 0, +relu, p(y), cols(convScratchBytes(d, 'gemm', 'forward')))
        return
      }
      // Bias and ReLU are applied in registers as the GEMM writes its last K block.
      ex.gemm(0, 0, M, d.cout, K, colsOf(d, x), p(w), p(y), 0, packA, packB, bias ? p(bias) : 0, +relu)
    },

    fusesPool,

    conv2dForwardPooled(d, x, w, bias, y, argmax, algo, kept) {
      const wg = winograd(d, algo, true)
      if (wg) {
        wg.pool(p(x), d.n, d.inH, d.inW, d.cin, d.padTop, d.padLeft, d.outH, d.outW, d.cout, p(w), p(y), bias ? p(bias) : 0, argmax ? p(argmax) : 0, cols(convScratchBytes(d, algo!, 'pooled')), keptU(wg, d, w, kept))
        return
      }
      const run = isNarrow(d) ? ex.narrowConvPool : ex.convPoolForwardPacked
      run(p(x), ...geo(d), d.cout, p(w), bias ? p(bias) : 0, p(y), argmax ? p(argmax) : 0, cols(convScratchBytes(d, 'gemm', 'pooled')))
    },

    fusesGap,

    conv2dForwardGap(d, x, w, bias, y, algo, kept) {
      const wg = winograd(d, algo, true)
      if (!wg?.gap || !fusesGap(d, algo!)) throw new Error(`internal: no one-pass conv + global average pooling for ${algo} on ${d.outH}x${d.outW}x${d.cin}`)
      wg.gap(p(x), d.n, d.inH, d.inW, d.cin, d.padTop, d.padLeft, d.outH, d.outW, d.cout, p(w), p(y), bias ? p(bias) : 0, cols(convScratchBytes(d, algo!, 'gap')), keptU(wg, d, w, kept))
    },

    // dcols [M, K] = dy [M, Cout] . w^T, then col2im scatters it back onto the input pixels.
    conv2dBackwardInput(d, dy, w, dx, algo) {
      const wg = winograd(d, algo)
      if (wg) {
        // A stride-1 conv of dy with the kernel turned by 180 degrees, channels swapped, padded by 2 - pad.
        wg.conv(p(dy), d.n, d.outH, d.outW, d.cout, 2 - d.padTop, 2 - d.padLeft, d.inH, d.inW, d.cin, p(w), 1, p(dx), 0, 0, cols(convScratchBytes(d, algo!, 'data')), 0)
        return
      }
      const M = d.n * d.outH * d.outW, K = d.kh * d.kw * d.cin
      if (direct(d)) {
        ex.gemm(0, 1, M, K, d.cout, p(dy), p(w), p(dx), 0, packA, packB, 0, 0)
        return
      }
      const dcols = cols(convScratchBytes(d, 'gemm', 'data'))
      ex.gemm(0, 1, M, K, d.cout, p(dy), p(w), dcols, 0, packA, packB, 0, 0)
      ex.col2im(dcols, ...geo(d), p(dx))
    },

    // dw [K, Cout] = im2col(x)^T . dy: every weight's gradient summed over all positions it was used at.
    conv2dBackwardFilter(d, x, dy, dw, db, algo) {
      const M = d.n * d.outH * d.outW, K = d.kh * d.kw * d.cin
      const wg = winograd(d, algo)
      if (wg) {
        wg.filter(p(x), p(dy), d.n, d.inH, d.inW, d.cin, d.padTop, d.padLeft, d.outH, d.outW, d.cout, p(dw), cols(convScratchBytes(d, algo!, 'weights')))
      } else if (direct(d)) {
        ex.gemm(1, 0, K, d.cout, M, p(x), p(dy), p(dw), 0, packA, packB, 0, 0)
      } else if (narrowFilterFits(d)) {
        ex.narrowFilterGrad(p(x), p(dy), ...geo(d), d.cout, p(dw), cols(convScratchBytes(d, 'gemm', 'weights')))
      } else {
        // A few images at a time: their columns stay in the cache between im2col and the GEMM.
        const per = d.outH * d.outW, group = filterGroup(d)
        const at = cols(convScratchBytes(d, 'gemm', 'weights'))
        for (let b0 = 0; b0 < d.n; b0 += group) {
          const nb = Math.min(group, d.n - b0)
          ex.im2col(p(x) + b0 * d.inH * d.inW * d.cin * 4, nb, d.inH, d.inW, d.cin, d.kh, d.kw, d.sh, d.sw, d.padTop, d.padLeft, d.outH, d.outW, at)
          ex.gemm(1, 0, K, d.cout, nb * per, at, p(dy) + b0 * per * d.cout * 4, p(dw), +(b0 > 0), packA, packB, 0, 0)
        }
      }
      if (db) ex.columnSums(p(dy), M, d.cout, p(db))
    },

    filterGradFromPool,

    conv2dBackwardFilterPooled(d, x, dyPooled, argmax, reluOf, dw, db) {
      ex.narrowFilterGradPooled(p(x), p(dyPooled), p(argmax), reluOf ? p(reluOf) : 0, ...geo(d), d.cout, p(dw), db ? p(db) : 0, cols(convScratchBytes(d, 'gemm', 'weights')))
    },

    reluBackward(y, dy, length) {
      ex.reluBackward(p(y), p(dy), length)
    },
    maxPoolForward(d, x, y, argmax) {
      ex.maxPoolForward(p(x), ...geo(d), p(y), p(argmax))
    },
    maxPoolBackward(d, dy, argmax, dx, reluOf) {
      ex.maxPoolBackward(p(dy), p(argmax), reluOf ? p(reluOf) : 0, ...geo(d), p(dx))
    },
    avgPoolForward(d, x, y) {
      if (global(d)) ex.globalAvgPool(p(x), d.n, d.inH * d.inW, d.cin, p(y), 0)
      else ex.avgPool(p(x), ...geo(d), p(y), 0)
    },
    avgPoolBackward(d, dy, dx) {
      if (global(d)) ex.globalAvgPool(p(dx), d.n, d.inH * d.inW, d.cin, p(dy), 1)
      else ex.avgPool(p(dx), ...geo(d), p(dy), 1)
    },
  }
}
