// The architecture diff of two 10,000-node models on the host's thread (issue 22: under 1 s and 100 MB; an n*m
// table took about 400 MB). Each case runs in a fresh process, so its peak memory (maxRSS) is its own: the
// figure printed is the peak above what the process held with both models parsed. Prints, never asserts.
import { spawnSync } from 'node:child_process'
import { parseModelFile, type ModelFile, type NodeSpec } from '../../src-engine/core/graph/index.ts'
import { diffModels } from '../../src-main/services/compare.ts'

const N = 10_000
/** input, flatten, then `pattern` repeated (dense of `units` where the pattern says dense), a softmax last. */
function chain(pattern: string[], widen?: string): ModelFile {
  const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: 4, width: 4, channels: 1 } }, { id: 'flat', type: 'flatten' }]
  for (let k = 2; k < N - 1; k++) {
    const type = pattern[k % pattern.length], id = `n${k}`
    nodes.push(type === 'dense' ? { id, type, attrs: { units: id === widen ? 16 : 8 } } : type === 'dropout' ? { id, type, attrs: { rate: 0.1 } } : { id, type })
  }
  nodes.push({ id: 'out', type: 'softmax' })
  return parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges: nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string]) })
}

const CASES: Record<string, { label: string; models: () => [ModelFile, ModelFile] }> = {
  one: { label: 'one dense widened in the middle', models: () => [chain(['dense', 'relu']), chain(['dense', 'relu'], 'n5000')] },
  same: { label: 'the same model', models: () => [chain(['dense', 'relu']), chain(['dense', 'relu'])] },
  // no common prefix or suffix past the first nodes: the whole middle is aligned, in halves (Hirschberg)
  other: { label: 'another pattern throughout (dense, relu vs dense, relu, dropout)', models: () => [chain(['dense', 'relu']), chain(['dense', 'relu', 'dropout'])] },
}

const which = process.argv[2]
if (which) {
  const [a, b] = CASES[which].models()
  const before = process.resourceUsage().maxRSS
  let t = performance.now()
  const d = diffModels(a, b)
  const ms = performance.now() - t
  t = performance.now()
  diffModels(a, b)
  const again = performance.now() - t
  console.log(JSON.stringify({ ms, again, peakMB: (process.resourceUsage().maxRSS - before) / 1024, changed: d.changed.length, added: d.added.length, removed: d.removed.length }))
} else {
  for (const [key, c] of Object.entries(CASES)) {
    const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, key], { encoding: 'utf8' })
    if (r.status !== 0) {
      console.log(`${c.label}: failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`)
      process.exitCode = 1
      continue
    }
    const f = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ms: number; again: number; peakMB: number; changed: number; added: number; removed: number }
    console.log(`architecture diff, two ${N.toLocaleString('en')}-node models, ${c.label}: ${f.ms.toFixed(0)} ms (a second time in the same process ${f.again.toFixed(0)} ms), peak +${f.peakMB.toFixed(0)} MB (${f.changed} changed, ${f.added} added, ${f.removed} removed; target < 1 s and < 100 MB)`)
  }
}
