// The course's rewrites on a model with blocks: a layer inside a block is its definition's (shared by every
// instance), so a rewrite asked there says why not; on the model's own layers they work as on any model.
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, serializeModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { rewriteModel, suggestRewrites } from '../../../src-engine/core/graph/rewrites.ts'

const model = (): ModelFile => parseModelFile({
  format: 'cnn-studio.graph', version: 2,
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } },
    { id: 'big', type: 'conv2d', attrs: { filters: 8, kernel: 7, padding: 'same' } },
    { id: 's', type: 'block', attrs: { block: 'stage', width: 8 } },
    { id: 'f', type: 'flatten' }, { id: 'd', type: 'dense', attrs: { units: 4 } }, { id: 'sm', type: 'softmax' },
  ],
  edges: [['in', 'big'], ['big', 's'], ['s', 'f'], ['f', 'd'], ['d', 'sm']],
  blocks: {
    stage: {
      output: 'p', params: { width: { binds: [['c1', 'filters']] } },
      nodes: [{ id: 'c1', type: 'conv2d', attrs: { filters: 4, kernel: 5, padding: 'same' } }, { id: 'r1', type: 'relu' }, { id: 'p', type: 'maxpool2d', attrs: { size: 2 } }],
      edges: [['$input', 'c1'], ['c1', 'r1'], ['r1', 'p']],
    },
  },
})

describe('rewrites on a model with blocks', () => {
  it('say why not for a layer inside a block, by its own id or its expanded one', () => {
    for (const node of ['c1', 's/c1']) {
      const r = rewriteModel(model(), 'stack3x3', { node })
      expect(r.ok).toBe(false)
      expect(!r.ok && r.reason).toMatch(/^c1 is inside block s: open its definition \(stage\)/)
    }
    expect(rewriteModel(model(), 'bottleneck', { node: 's/c1', width: 2 }).ok).toBe(false)
  })

  it('work on the model\'s own layers and keep the blocks', () => {
    const r = rewriteModel(model(), 'stack3x3')
    if (!r.ok) throw new Error(r.reason)
    expect(r.changed).toContain('big') // not s/c1, the 5x5 inside the block, which comes later in the file anyway
    expect(r.model.blocks).toEqual(model().blocks)
    expect(r.model.nodes.find((n) => n.id === 's')).toEqual(model().nodes.find((n) => n.id === 's'))
    expect(analyzeGraph(r.model).hasErrors).toBe(false)
    expect(analyzeGraph(r.model).byId.get('s/p')!.outputShape).toEqual(analyzeGraph(model()).byId.get('s/p')!.outputShape)
    expect(serializeModelFile(parseModelFile(serializeModelFile(r.model)))).toBe(serializeModelFile(r.model))
    const gap = rewriteModel(model(), 'gap-head')
    expect(gap.ok && analyzeGraph(gap.model).totals.params).toBe(analyzeGraph(model()).totals.params - (8 * 8 * 8 * 4 - 8 * 4))
  })

  it('suggest only what applies to the model\'s own layers', () => {
    const m = model()
    m.nodes[1].attrs!.kernel = 3 // the only 5x5 left is inside the block
    expect(suggestRewrites(m).map((r) => r.rule)).not.toContain('stack3x3')
    expect(suggestRewrites(m, 's/c1')).toEqual([])
  })
})
