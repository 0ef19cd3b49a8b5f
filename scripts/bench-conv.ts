// Times each conv algorithm the fast kernels have on one thread, per layer shape: the measurements the
// per-layer choice (Kernels.chooseConv) rests on. `node scripts/bench-conv.ts [batch]`. Figures, not pass/fail.
import { windowGeometry } from '../src-engine/core/graph/index.ts'
import type { ConvAlgorithm, WindowDims } from '../src-engine/core/kernels/types.ts'
import { fastKernels } from '../src-engine/node/wasm-kernels.ts'

const k = await fastKernels()
const n = Number(process.argv[2] ?? 32)
// [size, cin, cout]: SmallCNN's and the VGG-style template's 3x3 layers (a worker's half of batch 64), the
// photo-sized net's (96x96 input: 48x48 32->64, 24x24 64->128, 12x12 128->256), and small channel counts.
const shapes: [number, number, number][] = [
  [32, 8, 16], [32, 16, 16], [16, 16, 32], [32, 32, 32], [16, 32, 64], [16, 64, 64], [8, 64, 128], [8, 128, 128], [7, 64, 128], [4, 128, 256],
  [48, 32, 64], [24, 64, 128], [12, 128, 256],
]
// CPU time of this (single) thread, not wall time: on a shared machine the wall clock also counts the
// time other processes held the core. Each figure is the median of 7 runs of 5 calls.
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const time = (f: () => void) => {
  f()
  const rs: number[] = []
  for (let r = 0; r < 7; r++) {
    const t = cpuMs()
    for (let i = 0; i < 5; i++) f()
    rs.push((cpuMs() - t) / 5)
  }
  return rs.sort((a, b) => a - b)[3]
}
console.log(`batch ${n}, one thread, median CPU ms: gemm | winograd2 (its ratio to gemm) | winograd4 (its ratio) | winograd6 (its ratio to winograd4) | winograd8 (its ratio to the best of the others)`)
for (const [h, cin, cout] of shapes) {
  const d: WindowDims = { ...windowGeometry(h, h, 3, 1, 'same'), n, inH: h, inW: h, cin, cout }
  const x = k.alloc(n * h * h * cin).fill(0.5), w = k.alloc(9 * cin * cout).fill(0.1), y = k.alloc(n * h * h * cout), dx = k.alloc(x.length)
  const dw = k.alloc(w.length)
  const ms = (algo: ConvAlgorithm) => [
    time(() => k.conv2dForward(d, x, w, null, y, true, algo)), time(() => k.conv2dBackwardInput(d, y, w, dx, algo)), time(() => k.conv2dBackwardFilter(d, x, y, dw, null, algo)),
  ]
  const g = ms('gemm'), w2 = ms('winograd2'), w4 = ms('winograd4'), w6 = ms('winograd6'), w8 = ms('winograd8')
  const best = (i: number) => Math.min(w2[i], w4[i], w6[i])
  const r = (i: number) => `${g[i].toFixed(2)} | ${w2[i].toFixed(2)} ${(w2[i] / g[i]).toFixed(2)}x | ${w4[i].toFixed(2)} ${(w4[i] / g[i]).toFixed(2)}x | ${w6[i].toFixed(2)} ${(w6[i] / w4[i]).toFixed(2)}x` +
    ` | ${w8[i].toFixed(2)} ${(w8[i] / best(i)).toFixed(2)}x`
  const sum = (a: number[]) => a[0] + a[1] + a[2]
  console.log(`${h}x${h} ${cin}->${cout} (picks ${k.chooseConv!(d)}): forward ${r(0)}; input gradient ${r(1)}; weight gradient ${r(2)}; all three: winograd4 ${sum(w4).toFixed(2)}, winograd6 ${sum(w6).toFixed(2)} ${(sum(w6) / sum(w4)).toFixed(2)}x, winograd8 ${sum(w8).toFixed(2)} ${(sum(w8) / Math.min(sum(w2), sum(w4), sum(w6))).toFixed(2)}x`)
}
