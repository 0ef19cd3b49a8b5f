// SmallCNN (batch 64) on ONE thread, timed in this process's CPU time: images per CPU-second for a
// training step (forward, backward, SGD momentum 0.9) and for inference. On a shared machine CPU time
// leaves out the time other processes held the core, so it is the steadier figure to compare with
// scripts/pytorch_smallcnn_cpu.py (the shared reference's model, timed the same way). Figures, not pass/fail.
// `--net photo`: the photo-sized net instead (against `scripts/pytorch_photo.py 1 nhwc cpu`); `--root DIR`:
// the engine of another checkout (DIR's src-engine and build/wasm) under this same script, for before/after.
// `--layers`: inference layer by layer instead, as one line of JSON: CPU ms per batch for each conv (its ReLU and
// pool included: they run in its pass, as a last conv's global average pooling may) and for the head (global
// pooling unless its conv ran it, dense, softmax), the median of 15
// batches; PyTorch's layers timed the same way: scripts/pytorch_layers.py.
const args = process.argv.slice(2)
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const net0 = opt('--net') ?? 'smallcnn'
if (!['smallcnn', 'photo'].includes(net0)) throw new Error(`--net is smallcnn or photo, not ${net0}`)
const root = opt('--root') ?? new URL('..', import.meta.url).pathname
const { analyzeGraph } = await import(`${root}/src-engine/core/graph/index.ts`)
const { Network } = await import(`${root}/src-engine/core/nn/network.ts`)
const { fastKernels } = await import(`${root}/src-engine/node/wasm-kernels.ts`)
const { BENCH_NETS } = await import(`${root}/src-engine/node/bench/index.ts`)
const model = BENCH_NETS[net0 as 'smallcnn' | 'photo']
const B = 64
// Steps per timed window: about the same time a window for either net.
const [trainSteps, inferSteps] = net0 === 'photo' ? [2, 4] : [5, 10]
const k = await fastKernels()
const net = new Network(analyzeGraph(model, { forTraining: true }), k, B, 1)
for (let i = 0; i < net.input.length; i++) net.input[i] = Math.random()
const labels = Int32Array.from({ length: B }, (_, i) => i % 10)
const optimizer = k.createOptimizer(net.paramBlock.length, new Uint8Array(net.paramBlock.length).fill(1), { optimizer: 'sgd', momentum: 0.9 })
const cpuSeconds = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
if (args.includes('--layers')) {
  console.log(JSON.stringify(layerTimes()))
  process.exit(0)
}
function imagesPerCpuSecond(step: () => void, steps: number): string {
  for (let i = 0; i < 2 * steps; i++) step() // warm: the kernels tiered up, the caches filled
  const r: number[] = []
  for (let w = 0; w < 7; w++) {
    const t = cpuSeconds()
    for (let i = 0; i < steps; i++) step()
    r.push((B * steps) / (cpuSeconds() - t))
  }
  r.sort((a, b) => a - b)
  return `med=${r[3].toFixed(0)} [${r[0].toFixed(0)}-${r[6].toFixed(0)}]`
}
const train = imagesPerCpuSecond(() => {
  net.forward(B, true, true) // as the trainer runs it: a conv and its pool may go in one pass
  net.backward(labels, B, 1 / B, true)
  optimizer.step(net.paramBlock, net.gradBlock, 0.01)
}, trainSteps)
const infer = imagesPerCpuSecond(() => net.forward(B, false, true), inferSteps) // as inference runs: the probabilities alone
console.log(`cnn-studio 1 thread, CPU time: train img/CPU-s ${train} | infer ${infer}`)

/** Inference's CPU ms per batch for each stage: a conv with what follows it up to the next conv, then the head. */
function layerTimes(): Record<string, number> {
  type Timed = { info: { id: string; type: string }; forward: (...a: unknown[]) => void; forwardPooled?: (...a: unknown[]) => void; forwardGap?: (...a: unknown[]) => void }
  const spent = new Map<string, number>()
  let stage = 'head'
  for (const l of net.layers as Timed[]) {
    if (l.info.type === 'conv2d') stage = l.info.id
    else if (l.info.type === 'globalavgpool' || l.info.type === 'flatten') stage = 'head'
    const own = stage
    for (const key of ['forward', 'forwardPooled', 'forwardGap'] as const) {
      const f = l[key]
      if (!f) continue
      l[key] = (...a: unknown[]) => {
        const t = cpuSeconds()
        f.apply(l, a)
        spent.set(own, (spent.get(own) ?? 0) + (cpuSeconds() - t) * 1000)
      }
    }
  }
  const runs: Map<string, number>[] = []
  for (let r = 0; r < 20; r++) {
    spent.clear()
    net.forward(B, false, true) // as inference runs
    if (r >= 5) runs.push(new Map(spent)) // the first batches warm the kernels up
  }
  const out: Record<string, number> = {}
  for (const key of runs[0].keys()) out[key] = Number(runs.map((m) => m.get(key)!).sort((a, b) => a - b)[runs.length >> 1].toFixed(3))
  return out
}
