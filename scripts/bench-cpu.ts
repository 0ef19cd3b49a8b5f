// SmallCNN (batch 64) on ONE thread, timed in this process's CPU time: images per CPU-second for a
// training step (forward, backward, SGD momentum 0.9) and for inference. On a shared machine CPU time
// leaves out the time other processes held the core, so it is the steadier figure to compare with
// scripts/pytorch_smallcnn_cpu.py (the shared reference's model, timed the same way). Figures, not pass/fail.
import { readFileSync } from 'node:fs'
import { analyzeGraph, parseModelFile } from '../src-engine/core/graph/index.ts'
import { Network } from '../src-engine/core/nn/network.ts'
import { fastKernels } from '../src-engine/node/wasm-kernels.ts'

const model = parseModelFile(readFileSync(new URL('../resources/templates/smallcnn.cnn.json', import.meta.url), 'utf8'))
const B = 64
const k = await fastKernels()
const net = new Network(analyzeGraph(model, { forTraining: true }), k, B, 1)
for (let i = 0; i < net.input.length; i++) net.input[i] = Math.random()
const labels = Int32Array.from({ length: B }, (_, i) => i % 10)
const optimizer = k.createOptimizer(net.paramBlock.length, new Uint8Array(net.paramBlock.length).fill(1), { optimizer: 'sgd', momentum: 0.9 })
const cpuSeconds = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
function imagesPerCpuSecond(step: () => void, steps: number): string {
  for (let i = 0; i < 5; i++) step()
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
}, 5)
const infer = imagesPerCpuSecond(() => net.forward(B, false, true), 10) // as inference runs: the probabilities alone
console.log(`cnn-studio 1 thread, CPU time: train img/CPU-s ${train} | infer ${infer}`)
