// Inference of a bench net (src-engine/node/bench BENCH_NETS) layer by layer on ONE thread, as inference runs
// it (`Network.forward(n, false, true)`: a conv with its ReLU and 2x2 max-pool in one pass): CPU ms per batch of
// 64 for each conv (its ReLU and pool included) and for the head (global pooling, dense, softmax), the median
// of 15 batches, as one line of JSON. `node scripts/bench-layers.ts [--net smallcnn|photo]`; PyTorch's
// layers timed the same way: scripts/pytorch_layers.py. Figures, not pass/fail.
import { analyzeGraph } from '../src-engine/core/graph/index.ts'
import { Network } from '../src-engine/core/nn/network.ts'
import { fastKernels } from '../src-engine/node/wasm-kernels.ts'
import { BENCH_NETS, type BenchNet } from '../src-engine/node/bench/index.ts'

const at = process.argv.indexOf('--net')
const name = (at >= 0 ? process.argv[at + 1] : 'smallcnn') as BenchNet
if (!(name in BENCH_NETS)) throw new Error(`--net is ${Object.keys(BENCH_NETS).join(' or ')}, not ${name}`)
const B = 64
const net = new Network(analyzeGraph(BENCH_NETS[name], { forTraining: true }), await fastKernels(), B, 1)
for (let i = 0; i < net.input.length; i++) net.input[i] = Math.random()
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
// Each conv is a stage of its own (what follows it up to the next conv counts with it); the rest is the head.
const stageOf = new Map<object, string>()
let stage = 'head'
for (const l of net.layers) {
  if (l.info.type === 'conv2d') stage = l.info.id
  else if (l.info.type === 'globalavgpool' || l.info.type === 'flatten') stage = 'head'
  stageOf.set(l, stage)
}
const spent = new Map<string, number>()
for (const l of net.layers) {
  for (const key of ['forward', 'forwardPooled'] as const) {
    const f = l[key] as ((...a: unknown[]) => void) | undefined
    if (!f) continue
    Object.assign(l, { [key]: (...a: unknown[]) => {
      const t = cpuMs()
      f.apply(l, a)
      spent.set(stageOf.get(l)!, (spent.get(stageOf.get(l)!) ?? 0) + cpuMs() - t)
    } })
  }
}
const runs: Map<string, number>[] = []
for (let r = 0; r < 20; r++) {
  spent.clear()
  net.forward(B, false, true)
  if (r >= 5) runs.push(new Map(spent)) // the first batches warm the kernels up
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]
const out: Record<string, number> = {}
for (const key of runs[0].keys()) out[key] = Number(median(runs.map((m) => m.get(key)!)).toFixed(3))
console.log(JSON.stringify(out))
