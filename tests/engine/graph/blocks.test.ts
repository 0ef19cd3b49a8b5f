// Reusable blocks: a model with blocks analyses exactly as its expansion written by hand; make-block and
// unpack are inverses; the file keeps blocks through a round trip and refuses broken definitions by field.
import { describe, expect, it } from 'vitest'
import {
  analyzeGraph, blockSummaries, expandBlocks, makeBlock, MODEL_FORMAT_VERSION, ModelFileError, parseBlockFile, parseModelFile,
  serializeBlockFile, serializeModelFile, unpackBlock, BlockError, type ModelFile,
} from '../../../src-engine/core/graph/index.ts'
import { chainModel } from '../../helpers/graphs.ts'

/** Two VGG stages (conv-relu-conv-relu-pool) as one block repeated twice, width bound to both convs. */
const withBlocks = (): ModelFile => parseModelFile({
  format: 'cnn-studio.graph', version: 2,
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 32, width: 32, channels: 3 } },
    { id: 's', type: 'block', attrs: { block: 'stage', repeat: 2, width: 16 } },
    { id: 'f', type: 'flatten' },
    { id: 'd', type: 'dense', attrs: { units: 10 } },
    { id: 'sm', type: 'softmax' },
  ],
  edges: [['in', 's'], ['s', 'f'], ['f', 'd'], ['d', 'sm']],
  blocks: {
    stage: {
      output: 'p',
      params: { width: { binds: [['c1', 'filters'], ['c2', 'filters']], default: 8 } },
      nodes: [
        { id: 'c1', type: 'conv2d', attrs: { filters: 8, kernel: 3, padding: 'same' } },
        { id: 'r1', type: 'relu' },
        { id: 'c2', type: 'conv2d', attrs: { filters: 8, kernel: 3, padding: 'same' } },
        { id: 'r2', type: 'relu' },
        { id: 'p', type: 'maxpool2d', attrs: { size: 2 } },
      ],
      edges: [['$input', 'c1'], ['c1', 'r1'], ['r1', 'c2'], ['c2', 'r2'], ['r2', 'p']],
    },
  },
})

const stage = (k: number) => [
  [`s/${k}/c1`, 'conv2d', { filters: 16, kernel: 3, padding: 'same' }],
  [`s/${k}/r1`, 'relu'],
  [`s/${k}/c2`, 'conv2d', { filters: 16, kernel: 3, padding: 'same' }],
  [`s/${k}/r2`, 'relu'],
  [`s/${k}/p`, 'maxpool2d', { size: 2 }],
] as [string, string, Record<string, unknown>?][]
const byHand = () => chainModel([32, 32, 3], [...stage(1), ...stage(2), ['f', 'flatten'], ['d', 'dense', { units: 10 }], ['sm', 'softmax']])

const view = (m: ModelFile) => analyzeGraph(m).nodes.map((n) => ({ id: n.id, type: n.type, out: n.outputShape, params: n.params, macs: n.macs, rf: n.receptiveField }))

describe('blocks', () => {
  it('analyse exactly as the expansion written by hand (shapes, params, MACs, receptive fields)', () => {
    const a = analyzeGraph(withBlocks())
    expect(a.hasErrors).toBe(false)
    expect(view(withBlocks())).toEqual(view(byHand()))
    expect(a.totals).toEqual(analyzeGraph(byHand()).totals)
    // 2 stages: (3*9*16+16) + (16*9*16+16) + 2 * 0 ... by hand: 448 + 2320, then 2320 + 2320; dense 8*8*16*10 + 10
    expect(a.totals.params).toBe(448 + 2320 + 2320 + 2320 + 8 * 8 * 16 * 10 + 10)
    const key = (m: ModelFile) => m.edges.map((e) => e.join('>')).sort()
    expect(key(expandBlocks(withBlocks()))).toEqual(key(byHand()))
    expect(expandBlocks(withBlocks()).nodes.map((n) => n.id)).toEqual(byHand().nodes.map((n) => n.id))
  })

  it('sum an instance up for the collapsed card', () => {
    const m = withBlocks()
    const s = blockSummaries(m, analyzeGraph(m)).get('s')!
    expect(s.outputShape).toEqual([8, 8, 16])
    expect(s.inputShape).toEqual([32, 32, 3])
    expect(s.params).toBe(448 + 2320 * 3)
    expect(s.inner).toHaveLength(10)
    expect(s.repeat).toBe(2)
  })

  it('link every instance to the definition: one edit changes all, an instance sets only its parameters', () => {
    const m = withBlocks()
    m.nodes.splice(2, 0, { id: 't', type: 'block', attrs: { block: 'stage' } })
    m.edges = [['in', 's'], ['s', 't'], ['t', 'f'], ['f', 'd'], ['d', 'sm']]
    const before = analyzeGraph(m).byId
    expect(before.get('t/c1')!.outputShape).toEqual([8, 8, 8]) // t has no width: the default, 8
    m.blocks!.stage.nodes[0].attrs!.kernel = 5
    const after = analyzeGraph(m).byId
    for (const id of ['s/1/c1', 's/2/c1', 't/c1']) expect(after.get(id)!.attrs.kernel).toEqual([5, 5])
  })

  it('keep the input order of a concat inside a block, and feed $input to several layers (residual)', () => {
    const m = parseModelFile({
      format: 'cnn-studio.graph', version: 2,
      nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 4 } }, { id: 'b', type: 'block', attrs: { block: 'res' } }],
      edges: [['in', 'b']],
      blocks: { res: { output: 'cat', nodes: [{ id: 'c', type: 'conv2d', attrs: { filters: 2, kernel: 1 } }, { id: 'cat', type: 'concat' }], edges: [['$input', 'c'], ['c', 'cat'], ['$input', 'cat']] } },
    })
    const a = analyzeGraph(m)
    expect(a.byId.get('b/cat')!.inputs).toEqual(['b/c', 'in'])
    expect(a.byId.get('b/cat')!.outputShape).toEqual([8, 8, 6])
  })

  it('round-trip through the file; a model without blocks is still written as version 1', () => {
    const text = serializeModelFile(withBlocks())
    expect(text).toContain('"version": 2')
    expect(parseModelFile(text)).toEqual(withBlocks())
    expect(serializeModelFile(byHand())).toContain('"version": 1')
    expect(MODEL_FORMAT_VERSION).toBe(2)
    const file = { name: 'stage', block: withBlocks().blocks!.stage }
    expect(parseBlockFile(serializeBlockFile(file))).toEqual(file)
  })

  it('refuse a broken definition or instance naming the field', () => {
    const doc = JSON.parse(serializeModelFile(withBlocks()))
    const bad = (patch: (d: typeof doc) => void) => {
      const d = structuredClone(doc)
      patch(d)
      try {
        parseModelFile(d)
      } catch (e) {
        expect(e).toBeInstanceOf(ModelFileError)
        return (e as ModelFileError).path
      }
      throw new Error('parsed')
    }
    expect(bad((d) => (d.nodes[1].attrs.block = 'nope'))).toBe('nodes[1].attrs.block')
    expect(bad((d) => (d.blocks.stage.params.width.binds[0][1] = 'units'))).toBe('blocks.stage.params.width.binds[0][1]')
    expect(bad((d) => (d.blocks.stage.edges = [['c1', 'r1']]))).toBe('blocks.stage.edges')
    expect(bad((d) => (d.blocks.stage.output = 'zz'))).toBe('blocks.stage.output')
    expect(bad((d) => d.blocks.stage.nodes.push({ id: 'i2', type: 'input' }))).toBe('blocks.stage.nodes[5].type')
    expect(bad((d) => {
      d.nodes[1].attrs.repeat = 64
      d.blocks.stage = { output: 'n0', nodes: [...Array(200)].map((_, i) => ({ id: `n${i}`, type: 'relu' })), edges: [['$input', 'n0']] }
    })).toBe('blocks')
  })

  it('say what is wrong with an instance on the instance', () => {
    const m = withBlocks()
    m.nodes[1].attrs!.repeat = 0
    m.edges.push(['in', 's'])
    const codes = analyzeGraph(m).issues.filter((i) => i.nodeId === 's').map((i) => i.code)
    expect(codes).toEqual(expect.arrayContaining(['BAD_ATTR', 'BLOCK_INPUTS']))
  })

  it('make a block of a selection and unpack it back to the same analysis', () => {
    const m = byHand()
    const ids = stage(1).map(([id]) => id)
    const { model: made, instanceId, name } = makeBlock(m, ids, 'stage', { width: { binds: [['s/1/c1', 'filters'], ['s/1/c2', 'filters']] } })
    expect(made.nodes.map((n) => n.id)).toEqual(['in', instanceId, ...stage(2).map(([id]) => id), 'f', 'd', 'sm'])
    expect(made.blocks![name].edges[0]).toEqual(['$input', 's/1/c1'])
    expect(analyzeGraph(made).totals).toEqual(analyzeGraph(m).totals)
    expect(analyzeGraph(made).hasErrors).toBe(false)
    const back = unpackBlock(made, instanceId)
    expect(back.blocks).toBeUndefined()
    expect(analyzeGraph(back).totals).toEqual(analyzeGraph(m).totals)
    expect(back.nodes).toHaveLength(m.nodes.length)
  })

  it('close the gap a block leaves on the canvas, and make room again when it is unpacked', () => {
    // A chain laid out top to bottom, 100 apart: in, a, b, c, d, f.
    const m = chainModel([8, 8, 1], [['a', 'conv2d', { filters: 2, kernel: 1 }], ['b', 'relu'], ['c', 'conv2d', { filters: 2, kernel: 1 }], ['d', 'relu'], ['f', 'flatten']])
    m.layout = Object.fromEntries(m.nodes.map((n, i) => [n.id, { x: 40, y: 100 * i }]))
    const { model: made, instanceId } = makeBlock(m, ['a', 'b', 'c'], 'blk')
    // The block's card sits where a was; d and f move up by the 200 the three layers spanned.
    expect(made.layout).toEqual({ in: { x: 40, y: 0 }, [instanceId]: { x: 40, y: 100 }, d: { x: 40, y: 200 }, f: { x: 40, y: 300 } })
    const back = unpackBlock(made, instanceId)
    expect(Object.values(back.layout!).map((p) => p.y).sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 400, 500])
    expect(back.layout!.d).toEqual(m.layout.d)
  })

  it('refuse a selection with two inputs, two outputs or the input, saying why', () => {
    const m = chainModel([8, 8, 1], [['a', 'conv2d', { filters: 2, kernel: 1 }], ['b', 'relu'], ['c', 'conv2d', { filters: 2, kernel: 1 }], ['add', 'add'], ['f', 'flatten']], [['a', 'add']],
      [['in', 'a'], ['a', 'b'], ['b', 'c'], ['c', 'add'], ['add', 'f']])
    expect(() => makeBlock(m, ['in', 'a'])).toThrow(/input cannot go in a block/)
    expect(() => makeBlock(m, ['b', 'c'])).not.toThrow()
    expect(() => makeBlock(m, ['a', 'b'])).toThrow(BlockError)
    expect(() => makeBlock(m, ['a', 'b'])).toThrow(/a and b both feed layers outside|one output/)
    expect(() => makeBlock(m, ['c', 'add'])).toThrow(/fed from 2 places/)
  })
})
