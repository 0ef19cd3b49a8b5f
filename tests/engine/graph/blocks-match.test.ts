// "Use the block there too": after making a block of one VGG stage, the other stages of the same structure are
// found with their widths as the block's parameter values, and replacing them keeps the analysis unchanged.
import { describe, expect, it } from 'vitest'
import { analyzeGraph, makeBlock, matchBlock, replaceMatches, BlockError, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { chainModel, type L } from '../../helpers/graphs.ts'

const stage = (k: number, width: number, extraRelu = false): L[] => [
  [`c${k}a`, 'conv2d', { filters: width, kernel: 3, padding: 'same' }],
  [`r${k}a`, 'relu'],
  ...(extraRelu ? [[`x${k}`, 'relu'] as L] : []),
  [`c${k}b`, 'conv2d', { filters: width, kernel: [3, 3], padding: 'same', stride: 1 }],
  [`r${k}b`, 'relu'],
  [`p${k}`, 'maxpool2d', { size: 2 }],
]
const head: L[] = [['f', 'flatten'], ['d', 'dense', { units: 10 }], ['sm', 'softmax']]
const vgg = (extraRelu = false) => chainModel([32, 32, 3], [...stage(1, 16), ...stage(2, 32), ...stage(3, 64, extraRelu), ...head])
const sel = stage(1, 16).map(([id]) => id)
const width = { width: { binds: [['c1a', 'filters'], ['c1b', 'filters']] as [string, string][] } }
const view = (m: ModelFile) => { const a = analyzeGraph(m); return { totals: a.totals, out: a.nodes.map((n) => n.outputShape), rf: a.nodes.map((n) => n.receptiveField) } }

describe('matchBlock / replaceMatches', () => {
  it('find the second and third VGG stage with their widths, and replace them without changing the analysis', () => {
    const m = vgg()
    const { model: made, name } = makeBlock(m, sel, 'stage', width)
    const matches = matchBlock(made, name)
    expect(matches).toEqual([
      { ids: ['c2a', 'r2a', 'c2b', 'r2b', 'p2'], values: { width: 32 } },
      { ids: ['c3a', 'r3a', 'c3b', 'r3b', 'p3'], values: { width: 64 } },
    ])
    const all = replaceMatches(made, name, matches)
    expect(all.nodes.map((n) => n.type)).toEqual(['input', 'block', 'block', 'block', 'flatten', 'dense', 'softmax'])
    expect(all.nodes.filter((n) => n.type === 'block').map((n) => n.attrs)).toEqual([{ block: 'stage' }, { block: 'stage', width: 32 }, { block: 'stage', width: 64 }])
    expect(analyzeGraph(all).hasErrors).toBe(false)
    expect(view(all)).toEqual(view(m))
    expect(matchBlock(all, name)).toEqual([])
  })

  it('never overlap the selection the block came from, nor each other', () => {
    const m = vgg()
    const def = makeBlock(m, sel, 'stage', width).model.blocks!
    const withDef: ModelFile = { ...m, blocks: def }
    expect(matchBlock(withDef, 'stage').map((x) => x.ids[0])).toEqual(['c1a', 'c2a', 'c3a'])
    const rest = matchBlock(withDef, 'stage', { exclude: sel })
    expect(rest.map((x) => x.values.width)).toEqual([32, 64])
    const ids = rest.flatMap((x) => x.ids)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.filter((id) => sel.includes(id))).toEqual([])
  })

  it('leave out a near miss: a stage with an extra relu, or one whose convs differ in width', () => {
    const { model: made, name } = makeBlock(vgg(true), sel, 'stage', width)
    expect(matchBlock(made, name).map((x) => x.ids[0])).toEqual(['c2a'])
    const uneven = chainModel([32, 32, 3], [...stage(1, 16), ...stage(2, 32).map(([id, t, a]): L => [id, t, id === 'c2b' ? { ...a, filters: 48 } : a]), ...head])
    const made2 = makeBlock(uneven, sel, 'stage', width)
    expect(matchBlock(made2.model, 'stage')).toEqual([])
    // An unbound attribute that differs (the kernel) is a different structure too.
    const kernel = chainModel([32, 32, 3], [...stage(1, 16), ...stage(2, 16).map(([id, t, a]): L => [id, t, id === 'c2a' ? { ...a, kernel: 5 } : a]), ...head])
    expect(matchBlock(makeBlock(kernel, sel, 'stage', width).model, 'stage')).toEqual([])
  })

  it('match a residual block only where the skip comes from the same place, keeping the add\'s input order', () => {
    const res = (k: number): L[] => [[`a${k}`, 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], [`b${k}`, 'relu'], [`s${k}`, 'add']]
    const edges = (k: number, src: string): [string, string][] => [[src, `a${k}`], [`a${k}`, `b${k}`], [`b${k}`, `s${k}`], [src, `s${k}`]]
    const m = chainModel([8, 8, 8], [...res(1), ...res(2), ['f', 'flatten']], [], [...edges(1, 'in'), ...edges(2, 's1'), ['s2', 'f']])
    const { model: made, name } = makeBlock(m, ['a1', 'b1', 's1'], 'res')
    expect(matchBlock(made, name)).toEqual([{ ids: ['a2', 'b2', 's2'], values: {} }])
    expect(view(replaceMatches(made, name, matchBlock(made, name)))).toEqual(view(m))
    // The add's inputs the other way round: a different model (the order of an add's inputs is kept).
    const swapped = chainModel([8, 8, 8], [...res(1), ...res(2), ['f', 'flatten']], [], [...edges(1, 'in'), ['s1', 'a2'], ['a2', 'b2'], ['s1', 's2'], ['b2', 's2'], ['s2', 'f']])
    expect(matchBlock(makeBlock(swapped, ['a1', 'b1', 's1'], 'res').model, 'res')).toEqual([])
  })

  it('refuse an unknown block and a stale match, saying what to do', () => {
    const { model: made, name } = makeBlock(vgg(), sel, 'stage', width)
    expect(() => matchBlock(made, 'nope')).toThrow(BlockError)
    const matches = matchBlock(made, name)
    const once = replaceMatches(made, name, matches)
    expect(() => replaceMatches(once, name, matches)).toThrow(/look for the places again/)
  })
})
