// The architecture diff on large models: the common prefix and suffix are paired without the n*m table, and a
// middle too large for one table is split (Hirschberg) into alignments just as good. (How long it takes and
// how much memory it uses: scripts/bench/45-arch-diff.ts.)
import { describe, expect, it } from 'vitest'
import type { ModelFile, NodeInfo } from '../../../src-engine/core/graph/index.ts'
import { align, diffModels } from '../../../src-main/services/compare.ts'

/** A chain of `count` nodes: input, flatten, then dense and relu in turn, the last a softmax. */
function chain(count: number, widen?: string): ModelFile {
  const nodes: ModelFile['nodes'] = [{ id: 'in', type: 'input', attrs: { height: 4, width: 4, channels: 1 } }, { id: 'flat', type: 'flatten' }]
  for (let k = 2; k < count - 1; k++) {
    const id = `n${k}`
    nodes.push(k % 2 === 0 ? { id, type: 'dense', attrs: { units: id === widen ? 16 : 8 } } : { id, type: 'relu' })
  }
  nodes.push({ id: 'out', type: 'softmax' })
  return { format: 'cnn-studio.graph', version: 1, nodes, edges: nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string]) }
}

// The alignment's score, as align weighs a pair: 4 for the type, 2 for the input shapes, 1 for the id.
const scoreOf = (a: NodeInfo[], b: NodeInfo[], pairs: [number, number][]) => pairs.reduce((s, [i, j]) => {
  expect(a[i].type).toBe(b[j].type)
  return s + 4 + (JSON.stringify(a[i].inputShapes) === JSON.stringify(b[j].inputShapes) ? 2 : 0) + (a[i].id === b[j].id ? 1 : 0)
}, 0)
const increasing = (pairs: [number, number][]) => pairs.every(([i, j], k) => k === 0 || (i > pairs[k - 1][0] && j > pairs[k - 1][1]))

describe('the architecture diff of large models', () => {
  it('two 10,000-node models, one dense widened in the middle: that node is the one changed, nothing added or removed', () => {
    const a = chain(10_000), b = chain(10_000, 'n5000')
    const d = diffModels(a, b)
    expect(d.nodes).toHaveLength(10_000)
    expect(d.changed.map((c) => c.id)).toEqual(['n5000'])
    expect(d.added).toEqual([])
    expect(d.removed).toEqual([])
    expect(d.nodes.find((n) => n.a === 'n5000')!.changes[0]).toBe('units 8 -> 16')
    // its ReLU and the next dense see the wider tensor; everything else is as it was
    expect(d.nodes.filter((n) => n.status === 'reshaped').map((n) => n.a)).toEqual(['n5001', 'n5002'])
    expect(d.nodes.every((n) => n.a === n.b)).toBe(true)
  })

  it('a middle split in halves (Hirschberg) aligns as well as the one table, pairs in order', () => {
    // sequences of types with shapes and ids that agree only now and then, so many alignments tie or nearly do
    let seed = 7
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % k)
    const seq = (len: number, tag: string): NodeInfo[] => Array.from({ length: len }, (_, i) => ({ id: `${rand(3) ? tag : ''}${i}`, type: ['dense', 'relu', 'conv2d'][rand(3)], inputShapes: [[rand(2) + 1]] }) as unknown as NodeInfo)
    for (const [n, m] of [[40, 37], [25, 60], [1, 30], [57, 1], [80, 80]]) {
      const a = seq(n, 'a'), b = seq(m, 'b')
      const whole = align(a, b), split = align(a, b, 16)
      expect(increasing(split)).toBe(true)
      expect(scoreOf(a, b, split)).toBe(scoreOf(a, b, whole))
    }
  })

  it('the common prefix and suffix change nothing: an inserted block among equal ones pairs as the one table does', () => {
    const a = chain(60), b = chain(60)
    b.nodes.splice(30, 0, { id: 'extra', type: 'relu' })
    const info = (m: ModelFile) => m.nodes.map((n, i) => ({ id: n.id, type: n.type, inputShapes: [[i < 2 ? 16 : 8]] }) as unknown as NodeInfo)
    const pairs = align(info(a), info(b))
    expect(pairs).toHaveLength(60)
    expect(pairs.filter(([i, j]) => i !== j).length).toBeGreaterThan(0)
    expect(pairs.find(([, j]) => j === 30)).toBeUndefined() // the inserted relu is unpaired (the type after n29 is relu too)
  })
})
