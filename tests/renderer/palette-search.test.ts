// Palette search ranks a layer's names and aliases above its help text: "dense" + Enter must add Dense, not
// Flatten (whose help mentions dense layers), and the names people use (fc, linear, bn, gap, 1x1) find the layer.
import { describe, expect, it } from 'vitest'
import { allLayers, analyzeGraph } from '../../src-engine/core/graph/index.ts'
import { searchLayers } from '../../src-renderer/src/components/palette/search.ts'

analyzeGraph({ format: 'cnn-studio.graph', version: 1, nodes: [], edges: [] }) // registers the built-in layers
const top = (q: string) => searchLayers(allLayers(), q)[0]?.type
const all = (q: string) => searchLayers(allLayers(), q).map((d) => d.type)

describe('palette search', () => {
  it('puts the layer named by the query first, above layers whose help mentions it', () => {
    expect(top('dense')).toBe('dense')
    expect(all('dense')).toContain('flatten') // still found, by its help text, but after
    expect(top('Dense ')).toBe('dense')
  })

  it.each([
    ['fc', 'dense'], ['linear', 'dense'], ['fully connected', 'dense'], ['FULLY  connected', 'dense'],
    ['bn', 'batchnorm'], ['gap', 'globalavgpool'], ['1x1', 'conv2d'], ['conv', 'conv2d'], ['relu', 'relu'], ['softmax', 'softmax'],
  ])('%s -> %s', (q, type) => expect(top(q)).toBe(type))

  it('"act" finds the activations first, in the palette order', () => {
    expect(all('act').slice(0, 4)).toEqual(['relu', 'leakyrelu', 'sigmoid', 'tanh'])
  })

  it('"pool" finds every pooling layer before anything else', () => {
    const pools = allLayers().filter((d) => d.category === 'pooling').map((d) => d.type)
    expect(all('pool').slice(0, pools.length).sort()).toEqual([...pools].sort())
  })

  it('an empty query keeps every layer in order; nonsense finds nothing', () => {
    expect(all('')).toEqual(allLayers().map((d) => d.type))
    expect(all('zzqx')).toEqual([])
  })
})
