// Graph analysis speed: the canvas runs it on every edit, so a 500-node chain must stay well under 2 ms.
import { analyzeGraph, parseModelFile, type NodeSpec } from '../../src-engine/core/graph/index.ts'

const N = 500
const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: 64, width: 64, channels: 3 } }]
const kinds = [
  { type: 'conv2d', attrs: { filters: 16, kernel: 3, padding: 'same' } },
  { type: 'batchnorm' },
  { type: 'relu' },
]
for (let i = 1; i < N; i++) nodes.push({ id: `n${i}`, ...kinds[i % kinds.length] })
const edges = nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string])
const model = parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges })

for (let i = 0; i < 200; i++) analyzeGraph(model) // warm-up: let the JIT settle
const runs: number[] = []
for (let r = 0; r < 7; r++) {
  const calls = 200
  const t = performance.now()
  for (let i = 0; i < calls; i++) analyzeGraph(model)
  runs.push((performance.now() - t) / calls)
}
runs.sort((a, b) => a - b)
console.log(`graph analysis, ${N}-node chain: median ${runs[3].toFixed(3)} ms per call (min ${runs[0].toFixed(3)}, max ${runs[6].toFixed(3)}; target < 2 ms)`)
