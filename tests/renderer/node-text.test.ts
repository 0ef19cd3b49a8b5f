// A card's short attributes: what the file holds as typed, with the analysis's defaults filling the rest, so a
// value the layer cannot take is what the card shows (beside its error badge), not the last valid one.
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, type NodeSpec } from '../../src-engine/core/graph/index.ts'
import { shortAttrs } from '../../src-renderer/src/components/canvas/node-text.ts'

const model = (conv: NodeSpec['attrs']) => parseModelFile({
  format: 'cnn-studio.graph', version: 1,
  nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } }, { id: 'c1', type: 'conv2d', attrs: conv }],
  edges: [['in', 'c1']],
})

describe('a card\'s attributes', () => {
  it('fills defaults from the analysis', () => {
    const m = model({ filters: 4, kernel: 3 })
    const a = analyzeGraph(m)
    expect(shortAttrs(m.nodes[1], a.byId.get('c1'))).toBe('3x3 s1 valid, 4')
  })

  it('shows an invalid value as it stands in its field', () => {
    const m = model({ filters: 4, kernel: 3, stride: 0 })
    const a = analyzeGraph(m)
    expect(a.issues.some((i) => i.nodeId === 'c1' && i.code === 'BAD_ATTR')).toBe(true)
    expect(shortAttrs(m.nodes[1], a.byId.get('c1'))).toBe('3x3 s0 valid, 4')
  })
})
