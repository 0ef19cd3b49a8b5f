// Learn and `explain --node` on a model with blocks: a block's layer goes by its expanded id (b1/c1), and
// its own id (c1) is answered with the ids it has inside the blocks, not "no such node".
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { explainBlock } from '../../src-main/services/insight/learn.ts'

const vgg = parseModelFile(readFileSync(new URL('../../resources/templates/vgg-small.cnn.json', import.meta.url), 'utf8'))
const image = new URL('../../resources/sample-dataset/shapes/square/square-003.png', import.meta.url).pathname

describe('learn.explain on a model with blocks', () => {
  it('steps a block\'s conv by its expanded id, and names those ids for the layer\'s own id', async () => {
    const r = await explainBlock(null, { model: vgg, node: 'b2/c1', image, at: [5, 5], filter: 3, seed: 2 })
    expect(r.node).toEqual({ id: 'b2/c1', type: 'conv2d' })
    expect(r.receptiveField.size).toEqual([10, 10])
    await expect(explainBlock(null, { model: vgg, node: 'c1', image, seed: 2 })).rejects.toThrow("there is no node 'c1' in this model; inside its blocks that layer is b1/c1, b2/c1, b3/c1")
  })
})
