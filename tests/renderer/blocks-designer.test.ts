// The designer with blocks: make-block (with the other places of the same structure) is one undo step; the
// canvas's analysis collapses each instance to one row whose figures add up to the expansion's; an opened
// definition is edited like a model and every instance changes; undo and redo cross make-block and those edits.
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { analyzeGraph, expandBlocks, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { useDesign } from '../../src-renderer/src/stores/design.ts'
import { useUi } from '../../src-renderer/src/stores/ui.ts'
import { collapsedAnalysis, definitionDoc, withDefinition } from '../../src-renderer/src/stores/block-view.ts'
import { paramChoices, paramsOf } from '../../src-renderer/src/components/blocks/param-choices.ts'

/** Two VGG stages of the same width, then a head. */
const twoStages = (): ModelFile => {
  const stage = (k: number) => [
    { id: `b${k}c1`, type: 'conv2d', attrs: { filters: 32, kernel: 3, padding: 'same' } }, { id: `b${k}r1`, type: 'relu' },
    { id: `b${k}c2`, type: 'conv2d', attrs: { filters: 32, kernel: 3, padding: 'same' } }, { id: `b${k}r2`, type: 'relu' },
    { id: `b${k}p`, type: 'maxpool2d', attrs: { size: 2 } },
  ]
  const nodes = [{ id: 'in', type: 'input', attrs: { height: 32, width: 32, channels: 3 } }, ...stage(1), ...stage(2), { id: 'gap', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' }]
  const ids = nodes.map((n) => n.id)
  return {
    format: 'cnn-studio.graph', version: 1, name: 'two stages', nodes,
    edges: ids.slice(1).map((id, i) => [ids[i], id] as [string, string]),
    layout: Object.fromEntries(ids.map((id, i) => [id, { x: 0, y: i * 140 }])),
  }
}
const STAGE1 = ['b1c1', 'b1r1', 'b1c2', 'b1r2', 'b1p']

beforeEach(() => setActivePinia(createPinia()))

function makeStage(d: ReturnType<typeof useDesign>, elsewhere = true): string {
  const choice = paramChoices(d.doc, STAGE1).find((c) => c.attr === 'filters')!
  expect(choice.layers).toEqual(['b1c1', 'b1c2'])
  expect(choice.name).toBe('width')
  const { params } = paramsOf([{ choice, name: 'width' }])
  const r = d.makeBlock(STAGE1, { name: 'stage', params, elsewhere })
  expect(r.error).toBeUndefined()
  return r.id!
}

describe('blocks in the designer', () => {
  it('make block replaces the selection and the other stage in one undoable step; the rows add up to the expansion', () => {
    const d = useDesign()
    d.load(twoStages())
    const before = d.analysis.totals
    const s1 = makeStage(d)
    const instances = d.doc.nodes.filter((n) => n.type === 'block')
    expect(instances.map((n) => n.attrs)).toEqual([{ block: 'stage' }, { block: 'stage' }]) // the second's width is the default: left out
    expect(d.analysis.totals).toEqual(before)
    const rows = d.shown.nodes
    expect(rows.map((r) => r.type)).toEqual(['input', 'block', 'block', 'globalavgpool', 'dense', 'softmax'])
    expect(rows.reduce((s, r) => s + r.params, 0)).toBe(before.params)
    expect(rows.reduce((s, r) => s + r.macs, 0)).toBe(before.macs)
    expect(d.shown.byId.get(s1)!.outputShape).toEqual([16, 16, 32])
    expect(useUi().selection).toEqual(new Set([s1]))
    d.undo()
    expect(d.doc.blocks).toBeUndefined()
    expect(d.doc.nodes.map((n) => n.id)).toEqual(twoStages().nodes.map((n) => n.id))
    d.redo()
    expect(d.doc.nodes.filter((n) => n.type === 'block')).toHaveLength(2)
  })

  it('a refused selection says why and changes nothing', () => {
    const d = useDesign()
    d.load(twoStages())
    const r = d.makeBlock(['b1c1', 'b2c1'], { name: 'x' })
    expect(r.error).toMatch(/fed from 2 places|feed layers outside/)
    expect(d.canUndo).toBe(false)
    expect(d.notice?.text).toBe(r.error)
  })

  it('the width default changes every instance; an instance value only its own; undo and redo follow', () => {
    const d = useDesign()
    d.load(twoStages())
    makeStage(d)
    const [s1, s2] = d.doc.nodes.filter((n) => n.type === 'block').map((n) => n.id)
    d.setParamDefault('stage', 'width', 48)
    expect(d.shown.byId.get(s1)!.outputShape).toEqual([16, 16, 48])
    expect(d.shown.byId.get(s2)!.outputShape).toEqual([8, 8, 48])
    d.setAttr(s2, 'width', 16)
    expect(d.shown.byId.get(s1)!.outputShape).toEqual([16, 16, 48])
    expect(d.shown.byId.get(s2)!.outputShape).toEqual([8, 8, 16])
    d.undo()
    expect(d.shown.byId.get(s2)!.outputShape).toEqual([8, 8, 48])
    d.undo()
    expect(d.shown.byId.get(s2)!.outputShape).toEqual([8, 8, 32])
    d.redo()
    expect(d.shown.byId.get(s1)!.outputShape).toEqual([16, 16, 48])
  })

  it('an opened definition is edited like a model: a kernel change reaches both instances; a new layer too; Back closes it', () => {
    const d = useDesign()
    d.load(twoStages())
    makeStage(d)
    const [s1, s2] = d.doc.nodes.filter((n) => n.type === 'block').map((n) => n.id)
    const p1 = d.shown.byId.get(s1)!.params, p2 = d.shown.byId.get(s2)!.params
    d.openBlock(s2)
    expect(d.opened).toEqual({ block: 'stage', instance: s2 })
    expect(d.view.nodes.map((n) => n.id)).toEqual(['$input', 'b1c1', 'b1r1', 'b1c2', 'b1r2', 'b1p'])
    // shapes are the opened instance's: the second stage sees 16x16
    expect(d.shown.byId.get('$input')!.outputShape).toEqual([16, 16, 32])
    expect(d.shown.byId.get('b1p')!.outputShape).toEqual([8, 8, 32])
    d.setAttr('b1c1', 'kernel', 5)
    expect(d.doc.blocks!.stage.nodes[0].attrs!.kernel).toBe(5)
    d.closeBlock()
    expect(d.shown.byId.get(s1)!.params).toBe(p1 + 3 * 32 * (25 - 9)) // c1 of s1: 3 -> 32 channels, 5x5 instead of 3x3
    expect(d.shown.byId.get(s2)!.params).toBe(p2 + 32 * 32 * (25 - 9)) // c1 of s2: 32 -> 32 channels
    d.openBlock(s1)
    d.insertOnEdge('batchnorm', ['b1c1', 'b1r1'])
    expect(d.doc.blocks!.stage.nodes.some((n) => n.type === 'batchnorm')).toBe(true)
    expect(d.analysis.nodes.filter((n) => n.type === 'batchnorm')).toHaveLength(2)
    // the block's input cannot be deleted, and no input layer goes in
    d.remove(['$input'])
    expect(d.view.nodes[0].id).toBe('$input')
    expect(d.addLayer('input')).toBe('')
    d.undo()
    d.undo()
    expect(d.doc.blocks!.stage.nodes[0].attrs!.kernel).toBe(3)
  })

  it('undo past make-block leaves the opened definition for the model', () => {
    const d = useDesign()
    d.load(twoStages())
    const s1 = makeStage(d)
    d.openBlock(s1)
    d.undo()
    expect(d.opened).toBeNull()
    expect(d.view).toBe(d.doc)
  })

  it('unpack puts the layers back; a renamed layer keeps its parameter bind and output', () => {
    const d = useDesign()
    d.load(twoStages())
    const s1 = makeStage(d)
    d.openBlock(s1)
    expect(d.rename('b1p', 'pool')).toBe(true)
    expect(d.doc.blocks!.stage.output).toBe('pool')
    d.rename('b1c1', 'conv_a')
    expect(d.doc.blocks!.stage.params!.width.binds).toEqual([['conv_a', 'filters'], ['b1c2', 'filters']])
    d.closeBlock()
    const total = d.analysis.totals
    d.unpack(s1)
    expect(d.doc.nodes.filter((n) => n.type === 'block')).toHaveLength(1)
    expect(d.analysis.totals).toEqual(total)
  })

  it('a library block is copied in; a different one of the same name gets a new name', () => {
    const d = useDesign()
    d.load(twoStages())
    makeStage(d)
    const other = { nodes: [{ id: 'c', type: 'conv2d', attrs: { filters: 8, kernel: 1 } }], edges: [['$input', 'c']] as [string, string][], output: 'c' }
    const id = d.addBlock('stage', { def: other, at: { x: 400, y: 0 } })
    const node = d.doc.nodes.find((n) => n.id === id)!
    expect(node.attrs!.block).toBe('stage_2')
    expect(d.doc.blocks!.stage_2).toEqual(other)
    const same = d.addBlock('stage_2', { def: other })
    expect(d.doc.nodes.find((n) => n.id === same)!.attrs!.block).toBe('stage_2')
    expect(Object.keys(d.doc.blocks!)).toEqual(['stage', 'stage_2'])
  })

  it('a repeat count multiplies an instance\'s layers; a duplicated instance is linked to the same definition', () => {
    const d = useDesign()
    d.load(twoStages())
    const s1 = makeStage(d, false)
    const one = d.shown.byId.get(s1)!
    d.setRepeat(s1, 2)
    const two = d.shown.byId.get(s1)!
    // the second copy takes 16x16x32 in: its first conv has 32 input channels, not 3
    expect(two.params).toBe(one.params + (32 - 3) * 9 * 32 + one.params)
    expect(two.outputShape).toEqual([8, 8, 32])
    expect(d.doc.nodes.find((n) => n.id === s1)!.attrs).toEqual({ block: 'stage', repeat: 2 })
    d.setRepeat(s1, 1)
    expect(d.doc.nodes.find((n) => n.id === s1)!.attrs).toEqual({ block: 'stage' })
    const [copy] = d.duplicate([s1])
    expect(d.doc.nodes.find((n) => n.id === copy)).toMatchObject({ type: 'block', attrs: { block: 'stage' } })
    d.openBlock(copy)
    d.setAttr('b1c2', 'kernel', 1)
    d.closeBlock()
    expect(d.shown.byId.get(s1)!.params).toBe(one.params - 32 * 32 * 8)
  })
})

describe('block views (pure)', () => {
  it('a definition view edited and written back keeps its parameters; removing every layer is refused', () => {
    const d = useDesign()
    d.load(twoStages())
    makeStage(d)
    const view = definitionDoc(d.doc, 'stage')
    expect(view.edges).toEqual(d.doc.blocks!.stage.edges)
    const back = withDefinition(d.doc, 'stage', view)
    expect(back.model!.blocks!.stage).toEqual(d.doc.blocks!.stage)
    expect(withDefinition(d.doc, 'stage', { ...view, nodes: [view.nodes[0]] }).error).toMatch(/at least one layer/)
  })

  it('collapsed rows carry their inner layers\' issues under the instance id', () => {
    const d = useDesign()
    d.load(twoStages())
    const s1 = makeStage(d)
    d.setAttr(s1, 'width', -3)
    const a = collapsedAnalysis(d.doc, analyzeGraph(d.doc))
    expect(a.issues.some((i) => i.nodeId === s1 && i.severity === 'error')).toBe(true)
    expect(d.issuesById.get(s1)?.[0].severity).toBe('error')
    expect(expandBlocks(d.doc).nodes.some((n) => n.id === `${s1}/b1c1`)).toBe(true)
  })
})
