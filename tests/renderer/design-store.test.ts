// The design store and its pure edits: every edit is one undo step, undo and redo restore the exact model
// file (the same object), copy/paste renames ids, insertion on an edge rewires it in place, and edits that
// would break the graph (a loop, a second input into a layer) are refused with a message and change nothing.
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { analyzeGraph, parseModelFile, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { useDesign } from '../../src-renderer/src/stores/design.ts'
import { useUi } from '../../src-renderer/src/stores/ui.ts'
import * as edits from '../../src-renderer/src/stores/model-edits.ts'
import { NODE_HEIGHT, NODE_WIDTH, ROW_STEP } from '../../src-renderer/src/stores/auto-layout.ts'

const fixture = (id: string): ModelFile => parseModelFile(readFileSync(new URL(`../fixtures/graphs/${id}.cnn.json`, import.meta.url), 'utf8'))
const chain = (): ModelFile => ({
  format: 'cnn-studio.graph', version: 1, name: 'chain',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } },
    { id: 'c1', type: 'conv2d', attrs: { filters: 4, kernel: 3, padding: 'same' } },
    { id: 'r1', type: 'relu' },
    { id: 'gap', type: 'globalavgpool' },
    { id: 'fc', type: 'dense', attrs: { units: 2 } },
    { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'c1'], ['c1', 'r1'], ['r1', 'gap'], ['gap', 'fc'], ['fc', 'out']],
  layout: { in: { x: 0, y: 0 }, c1: { x: 0, y: 100 }, r1: { x: 0, y: 200 }, gap: { x: 0, y: 300 }, fc: { x: 0, y: 400 }, out: { x: 0, y: 500 } },
})

beforeEach(() => setActivePinia(createPinia()))

describe('design store history', () => {
  it('every edit is one step; undo and redo restore the exact files, in order', () => {
    const d = useDesign()
    d.load(chain())
    const states: ModelFile[] = [d.doc]
    const steps: (() => void)[] = [
      () => d.addLayer('dropout', { x: 200, y: 0 }),
      () => d.connect('fc', 'drop1'),
      () => d.setAttr('c1', 'stride', 2),
      () => d.insertOnEdge('batchnorm', ['c1', 'r1']),
      () => d.move({ c1: { x: 50, y: 120 } }),
      () => d.layout(),
      () => d.remove(['drop1']),
      () => d.rename('c1', 'conv_a'),
      () => d.setName('renamed'),
    ]
    for (const step of steps) {
      step()
      expect(d.doc).not.toBe(states.at(-1))
      states.push(d.doc)
    }
    expect(d.past.length).toBe(steps.length)
    for (let i = states.length - 2; i >= 0; i--) {
      d.undo()
      expect(d.doc).toBe(states[i])
    }
    expect(d.canUndo).toBe(false)
    for (let i = 1; i < states.length; i++) {
      d.redo()
      expect(d.doc).toBe(states[i])
    }
    expect(d.canRedo).toBe(false)
  })

  it('loading adds no step and is clean; undo back to the saved file is clean again', () => {
    const d = useDesign()
    d.load(chain())
    expect(d.canUndo).toBe(false)
    expect(d.dirty).toBe(false)
    d.setAttr('fc', 'units', 3)
    expect(d.dirty).toBe(true)
    d.undo()
    expect(d.dirty).toBe(false)
  })

  it('an edit clears redo; changing the selection keeps it', () => {
    const d = useDesign()
    const ui = useUi()
    d.load(chain())
    d.setAttr('fc', 'units', 3)
    d.undo()
    ui.select(['c1'])
    expect(d.canRedo).toBe(true)
    d.setAttr('fc', 'units', 4)
    expect(d.canRedo).toBe(false)
  })

  it('repeated edits of one field fold into one step (typing), a different field is a new step', () => {
    const d = useDesign()
    d.load(chain())
    const before = d.doc
    d.setAttr('c1', 'filters', 1)
    d.setAttr('c1', 'filters', 16)
    d.setAttr('c1', 'filters', 164)
    expect(d.past.length).toBe(1)
    d.setAttr('c1', 'kernel', 5)
    expect(d.past.length).toBe(2)
    d.undo()
    d.undo()
    expect(d.doc).toBe(before)
  })

  it('a move that changes nothing is no step; a drag of several nodes is one step', () => {
    const d = useDesign()
    d.load(chain())
    d.move({ c1: { x: 0, y: 100 } })
    expect(d.canUndo).toBe(false)
    d.move({ c1: { x: 10, y: 100 }, r1: { x: 10, y: 200 } })
    expect(d.past.length).toBe(1)
  })

  it('committed files are frozen: a stray mutation throws instead of rewriting history', () => {
    const d = useDesign()
    d.load(chain())
    expect(() => { (d.doc.nodes[1].attrs as Record<string, unknown>).filters = 99 }).toThrow()
    expect(() => { d.doc.nodes.push({ id: 'x', type: 'relu' }) }).toThrow()
  })

  it('a file without positions is laid out on load', () => {
    const d = useDesign()
    const m = chain()
    delete m.layout
    d.load(m)
    expect(Object.keys(d.doc.layout!).sort()).toEqual(m.nodes.map((n) => n.id).sort())
    const ys = m.nodes.map((n) => d.doc.layout![n.id].y)
    expect(ys).toEqual([...ys].sort((a, b) => a - b)) // top to bottom along the chain
  })
})

describe('model edits', () => {
  it('insert on an edge rewires from -> new -> to and keeps a merge input in its place', () => {
    // The hand-drawn ResNet (the template is drawn with blocks now): its merges are the model's own nodes.
    const m = fixture('templates-v1/resnet-small')
    const merge = m.nodes.find((n) => n.type === 'add')!.id
    const ins = m.edges.filter(([, b]) => b === merge)
    const second = ins[1]
    const next = edits.insertOnEdge(m, second, { id: 'bnx', type: 'batchnorm' })
    expect(next.edges.filter(([, b]) => b === merge).map(([a]) => a)).toEqual([ins[0][0], 'bnx'])
    expect(next.edges).toContainEqual([second[0], 'bnx'])
    expect(next.edges).not.toContainEqual(second)
    expect(analyzeGraph(next).hasErrors).toBe(false)
  })

  it('copy and paste give fresh ids, keep the internal edges, never paste an input, and share nothing', () => {
    const d = useDesign()
    d.load(chain())
    useUi().select(['in', 'c1', 'r1'])
    d.copy()
    const ids = d.paste()
    expect(ids).toEqual(['conv1', 'relu1'])
    expect(d.doc.edges).toContainEqual(['conv1', 'relu1'])
    expect(d.doc.edges.filter(([a, b]) => ids.includes(a) || ids.includes(b))).toHaveLength(1)
    // beside the originals (c1 at 0,100), not on them: one card width and a gap to the right, same rows
    expect(d.doc.layout!.conv1).toEqual({ x: NODE_WIDTH + 40, y: 100 })
    expect(d.doc.nodes.find((n) => n.id === 'conv1')!.attrs).not.toBe(d.doc.nodes.find((n) => n.id === 'c1')!.attrs)
    const again = d.paste()
    expect(again).toEqual(['conv2', 'relu2'])
    // a second paste goes beside the first; no two cards overlap
    expect(d.doc.layout!.conv2).toEqual({ x: 2 * (NODE_WIDTH + 40), y: 100 })
    const cards = Object.values(d.doc.layout!)
    for (const [i, p] of cards.entries()) for (const q of cards.slice(i + 1)) expect(Math.abs(p.x - q.x) >= NODE_WIDTH || Math.abs(p.y - q.y) >= NODE_HEIGHT).toBe(true)
    expect([...useUi().selection]).toEqual(again)
  })

  it('duplicate pastes beside and leaves the clipboard as it was', () => {
    const d = useDesign()
    d.load(chain())
    d.copy(['fc'])
    const ids = d.duplicate(['c1'])
    expect(ids).toEqual(['conv1'])
    expect(d.clipboard!.nodes.map((n) => n.id)).toEqual(['fc'])
  })

  it('refuses a loop, a self-loop, a second input into a layer and an edge into the input, with a message', () => {
    const d = useDesign()
    d.load(chain())
    const before = d.doc
    expect(d.connect('fc', 'c1')).toBe(false)
    expect(d.notice!.text).toMatch(/loop/)
    expect(d.connect('r1', 'r1')).toBe(false)
    expect(d.connect('c1', 'fc')).toBe(false)
    expect(d.notice!.text).toMatch(/already has its input.*add or concat/)
    expect(d.connect('out', 'in')).toBe(false)
    expect(d.notice!.text).toMatch(/takes no incoming edges/)
    expect(d.doc).toBe(before)
    expect(d.canUndo).toBe(false)
  })

  it('connect draws an allowed edge into a merge', () => {
    const d = useDesign()
    d.load(chain())
    d.addLayer('add')
    expect(d.connect('c1', 'add1')).toBe(true)
    expect(d.connect('r1', 'add1')).toBe(true)
    expect(d.doc.edges.slice(-2)).toEqual([['c1', 'add1'], ['r1', 'add1']])
  })

  it('deleting a layer inside a chain heals the chain; deleting a branch point does not invent edges', () => {
    const d = useDesign()
    d.load(chain())
    d.remove(['r1'])
    expect(d.doc.edges).toContainEqual(['c1', 'gap'])
    expect(analyzeGraph(d.doc).hasErrors).toBe(false)
    expect(d.doc.layout!.r1).toBeUndefined()
    d.remove(['in'])
    expect(d.doc.edges.some(([a]) => a === 'in')).toBe(false)
  })

  it('appending from the keyboard puts the layer after the selected node, inside the chain', () => {
    const d = useDesign()
    d.load(chain())
    useUi().select(['c1'])
    const id = d.appendLayer('batchnorm')
    expect(d.doc.edges).toContainEqual(['c1', id])
    expect(d.doc.edges).toContainEqual([id, 'r1'])
    expect([...useUi().selection]).toEqual([id])
  })

  it('a layer added into a chain takes the next row and pushes what is below it down, one undo step', () => {
    const d = useDesign()
    d.load(chain()) // rows 100 apart: less than a row step, so each insert must make room
    const before = d.doc
    const id = d.insertOnEdge('batchnorm', ['c1', 'r1'], { x: 300, y: 170 })
    expect(d.doc.layout![id]).toEqual({ x: 0, y: 100 + ROW_STEP }) // c1's column, a row below it
    const shift = 100 + 2 * ROW_STEP - 200
    for (const n of ['r1', 'gap', 'fc', 'out']) expect(d.doc.layout![n].y).toBe(before.layout![n].y + shift)
    for (const n of ['in', 'c1']) expect(d.doc.layout![n]).toBe(before.layout![n])
    const ys = Object.values(d.doc.layout!).map((p) => p.y).sort((a, b) => a - b)
    ys.slice(1).forEach((y, i) => expect(y - ys[i]).toBeGreaterThanOrEqual(100)) // no two cards on one row
    d.undo()
    expect(d.doc).toBe(before)
    // from the keyboard at the end of the chain: the next row, nothing to move
    useUi().select(['out'])
    const last = d.appendLayer('dropout')
    expect(d.doc.layout![last]).toEqual({ x: 0, y: 500 + ROW_STEP })
    expect(d.doc.layout!.out).toBe(before.layout!.out)
  })

  it('setAttr with undefined removes the attribute so the default applies', () => {
    const m = edits.setAttr(chain(), 'c1', 'padding', undefined)
    expect(m.nodes[1].attrs).toEqual({ filters: 4, kernel: 3 })
  })

  it('rename refuses a taken id and renames edges and layout', () => {
    const d = useDesign()
    d.load(chain())
    expect(d.rename('c1', 'r1')).toBe(false)
    expect(d.rename('c1', 'stem')).toBe(true)
    expect(d.doc.edges).toContainEqual(['in', 'stem'])
    expect(d.doc.layout!.stem).toEqual({ x: 0, y: 100 })
  })

  it('a new conv node gets the registry\'s suggestions and a valid shape', () => {
    const d = useDesign()
    d.load(chain())
    useUi().select(['r1'])
    const id = d.appendLayer('conv2d')
    const info = d.analysis.byId.get(id)!
    expect(info.outputShape).toEqual([8, 8, 32])
    expect(info.params).toBe(3 * 3 * 4 * 32 + 32)
  })
})
