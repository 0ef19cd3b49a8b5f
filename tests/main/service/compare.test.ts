// The architecture diff pairs nodes by structure (order and type along the graph), not by id: the
// templates' CNN and MLP both name a node `r1`, and that ReLU must not be called unchanged.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { diffModels, modelFigures } from '../../../src-main/services/compare.ts'

const template = (id: string) => parseModelFile(readFileSync(new URL(`../../../resources/templates/${id}.cnn.json`, import.meta.url), 'utf8'))

describe('diffModels', () => {
  it('a CNN against an MLP: r1 is paired by structure and changed, not "same"', () => {
    const cnn = template('cnn-32x32x3'), mlp = template('mlp-32x32x3')
    const d = diffModels(cnn, mlp)
    expect(d.same).toBe(false)
    const r1 = d.nodes.find((n) => n.a === 'r1')!
    expect(r1.status).not.toBe('same')
    expect(r1.changes.join(' ')).toMatch(/input/)
    expect(d.removed).toEqual(expect.arrayContaining(['c1', 'p1', 'c2', 'gap']))
    expect(d.added).toEqual(expect.arrayContaining(['flat']))
    // the deltas add up to the difference of the totals
    const dp = d.nodes.reduce((s, n) => s + n.params[1] - n.params[0], 0)
    expect(dp).toBe(d.totals.b.params - d.totals.a.params)
    expect(d.totals.a).toEqual(modelFigures(cnn))
    expect(d.totals.b).toEqual(modelFigures(mlp))
  })

  it('renamed nodes of the same graph are the same architecture; a widened layer is changed with its deltas', () => {
    const cnn = template('cnn-32x32x3')
    const rename = (id: string) => `x_${id}`
    const renamed: ModelFile = { ...cnn, nodes: cnn.nodes.map((n) => ({ ...n, id: rename(n.id) })), edges: cnn.edges.map(([a, b]) => [rename(a), rename(b)]), layout: undefined }
    expect(diffModels(cnn, renamed).same).toBe(true)
    const wider: ModelFile = { ...cnn, nodes: cnn.nodes.map((n) => (n.id === 'c1' ? { ...n, attrs: { ...n.attrs, filters: 2 * (n.attrs!.filters as number) } } : n)) }
    const d = diffModels(cnn, wider)
    const c1 = d.nodes.find((n) => n.a === 'c1')!
    expect(c1.status).toBe('changed')
    expect(c1.changes[0]).toMatch(/^filters \d+ -> \d+$/)
    expect(c1.params[1]).toBe(2 * c1.params[0])
    expect(d.summary.join('\n')).toMatch(/~ c1 \(conv2d\): filters/)
    expect(d.added).toEqual([])
    expect(d.removed).toEqual([])
  })

  it('an inserted layer is added, and the rest stays paired', () => {
    const cnn = template('cnn-32x32x3')
    const withDrop: ModelFile = {
      ...cnn,
      nodes: [...cnn.nodes.filter((n) => n.id !== 'out'), { id: 'drop', type: 'dropout', attrs: { rate: 0.5 } }, cnn.nodes.find((n) => n.id === 'out')!],
      edges: [...cnn.edges.filter(([a]) => a !== 'gap'), ['gap', 'drop'], ['drop', 'fc']],
    }
    const d = diffModels(cnn, withDrop)
    expect(d.added).toEqual(['drop'])
    expect(d.removed).toEqual([])
    expect(d.nodes.find((n) => n.a === 'fc')!.changes).toEqual(['inputs gap -> drop'])
  })

  it('a larger input pairs every block by structure: the input is changed, the rest reshaped, none added or removed', () => {
    const cnn = template('cnn-32x32x3')
    const big: ModelFile = { ...cnn, nodes: cnn.nodes.map((n) => (n.type === 'input' ? { ...n, attrs: { ...n.attrs, height: 64, width: 64 } } : n)) }
    const d = diffModels(cnn, big)
    expect(d.same).toBe(false)
    expect(d.added).toEqual([])
    expect(d.removed).toEqual([])
    const input = cnn.nodes.find((n) => n.type === 'input')!.id
    expect(d.changed.map((c) => c.id)).toEqual([input])
    const byStatus = (s: string) => d.nodes.filter((n) => n.status === s).map((n) => n.a)
    expect(byStatus('changed')).toEqual([input])
    // every block paired with itself; the convolutions see 64x64 maps, the dense head (after GAP) is as it was
    expect(d.nodes.every((n) => n.a === n.b)).toBe(true)
    expect(byStatus('reshaped')).toContain('c1')
    expect(d.nodes.find((n) => n.a === 'c1')!.changes[0]).toMatch(/^input \[32, 32, 3\] -> \[64, 64, 3\]$/)
    expect(d.nodes.find((n) => n.a === 'fc')!.status).toBe('same')
    expect(d.summary.find((l) => l.includes(' c1 '))).toMatch(/^= c1 \(conv2d\), shapes only: input/)
  })
})
