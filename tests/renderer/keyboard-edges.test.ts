// Edges by keyboard (issue 18, scope 6): C opens the connect picker on the selected block, and picking a block
// there draws the edge as one undo step; a refused edge (a loop, a second input into a layer that takes one)
// gives its reason and commits nothing; E / Shift+E select edges in the order data flows, and Delete removes
// the selected one as one undo step. The actions are run from the registry, as the key listener runs them.
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ModelFile } from '../../src-engine/core/graph/index.ts'
import { buildActions } from '../../src-renderer/src/actions/index.ts'
import { edgesInOrder, stepEdge } from '../../src-renderer/src/actions/edit.ts'
import { canonical } from '../../src-renderer/src/actions/registry.ts'
import { connectChoices, connectPicked, filterChoices } from '../../src-renderer/src/components/canvas/connect-choices.ts'
import { useDesign } from '../../src-renderer/src/stores/design.ts'
import { useUi } from '../../src-renderer/src/stores/ui.ts'
import { chainModel } from '../helpers/graphs.ts'

// in -> c1 -> r1 -> a1 (add, one input so far) -> gap -> fc -> out
const skip = (): ModelFile => ({
  ...chainModel([8, 8, 1], [['c1', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['a1', 'add'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']]),
  name: 'skip',
  layout: { in: { x: 0, y: 0 }, c1: { x: 0, y: 100 }, r1: { x: 0, y: 200 }, a1: { x: 0, y: 300 }, gap: { x: 0, y: 400 }, fc: { x: 0, y: 500 }, out: { x: 0, y: 600 } },
})

beforeEach(() => setActivePinia(createPinia()))

function setup() {
  const design = useDesign()
  const ui = useUi()
  design.load(skip())
  ui.navigate('design')
  return { design, ui, actions: buildActions() }
}

describe('connecting from the keyboard', () => {
  it('C on the selected block asks for the target; the pick is one undoable edit', () => {
    const { design, ui, actions } = setup()
    expect(actions.byCombo.get(canonical('C'))?.id).toBe('connect')
    expect(actions.run('connect')).toBe(false) // nothing selected: nothing to connect from
    ui.select(['c1'])
    expect(actions.run('connect')).toBe(true)
    expect(ui.connecting).toEqual({ id: 'c1', end: 'from' })

    // the picker offers a1 (an add takes a second input) before the refused ones, and names why r1 is refused
    const choices = connectChoices(design.doc, ui.connecting!)
    expect(choices[0].reason).toBeUndefined()
    expect(choices.find((c) => c.id === 'a1')?.reason).toBeUndefined()
    expect(choices.find((c) => c.id === 'r1')?.reason).toMatch(/already connected/)
    expect(choices.find((c) => c.id === 'in')?.reason).toMatch(/takes no incoming edges/)
    expect(filterChoices(choices, 'ADD').map((c) => c.id)).toEqual(['a1'])

    const before = design.doc
    const steps = design.past.length
    expect(connectPicked(design, ui.connecting!, 'a1')).toBeNull()
    expect(design.doc.edges).toContainEqual(['c1', 'a1'])
    expect(design.past.length).toBe(steps + 1)
    expect(design.analysis.issues.filter((i) => i.severity === 'error')).toEqual([])
    expect(design.notice?.text).toBe('Connected c1 -> a1')
    design.undo()
    expect(design.doc).toBe(before)
  })

  it('Shift+C connects a picked block into the selected one (closing a skip into an add)', () => {
    const { design, ui, actions } = setup()
    ui.select(['a1'])
    expect(actions.byCombo.get(canonical('Shift+C'))?.id).toBe('connect-into')
    actions.run('connect-into')
    expect(ui.connecting).toEqual({ id: 'a1', end: 'to' })
    // nearest blocks before a1 first: r1 is refused (already connected), so c1 leads the list
    expect(connectChoices(design.doc, ui.connecting!)[0].id).toBe('c1')
    expect(connectPicked(design, ui.connecting!, 'c1')).toBeNull()
    expect(design.doc.edges).toContainEqual(['c1', 'a1'])
  })

  it.each([
    ['a loop', 'gap', 'from', 'c1', /would make a loop/],
    ['a second input into a layer that takes one', 'c1', 'from', 'gap', /already has its input; to join two branches, feed both into an add or concat/],
  ] as const)('refuses %s with its reason and commits nothing', (_what, id, end, picked, reason) => {
    const { design, ui } = setup()
    ui.select([id])
    ui.connecting = { id, end }
    const before = design.doc
    const steps = design.past.length
    expect(connectChoices(design.doc, ui.connecting).find((c) => c.id === picked)?.reason).toMatch(reason)
    expect(connectPicked(design, ui.connecting, picked)).toMatch(reason)
    expect(design.notice).toBeNull() // said in the picker, not again in a toast behind it
    expect(design.doc).toBe(before)
    expect(design.past.length).toBe(steps)
  })

  it('Escape closes the picker', () => {
    const { ui, actions } = setup()
    ui.select(['c1'])
    actions.run('connect')
    actions.run('deselect')
    expect(ui.connecting).toBeNull()
    expect(ui.selection.size).toBe(1) // the first Escape only closes the picker
  })
})

describe('selecting and deleting an edge from the keyboard', () => {
  it('walks the edges in the order data flows, from a selected block or the model', () => {
    const d = skip()
    const order = ['in', 'c1', 'r1', 'a1', 'gap', 'fc', 'out']
    const edges = edgesInOrder([...d.edges].reverse(), order)
    expect(edges.map((e) => e.join('->'))).toEqual(d.edges.map((e) => e.join('->')))
    expect(stepEdge(edges, null, null, 1)).toEqual(['in', 'c1'])
    expect(stepEdge(edges, null, null, -1)).toEqual(['fc', 'out'])
    expect(stepEdge(edges, null, 'r1', 1)).toEqual(['r1', 'a1'])
    expect(stepEdge(edges, null, 'r1', -1)).toEqual(['c1', 'r1'])
    expect(stepEdge(edges, 'fc->out', null, 1)).toEqual(['in', 'c1'])
    expect(stepEdge(edges, 'c1->r1', null, -1)).toEqual(['in', 'c1'])
  })

  it('E selects the next edge (clearing the blocks), Delete removes it as one undo step', () => {
    const { design, ui, actions } = setup()
    ui.select(['r1'])
    expect(actions.byCombo.get(canonical('E'))?.id).toBe('next-edge')
    actions.run('next-edge')
    expect([...ui.edgeSelection]).toEqual(['r1->a1'])
    expect(ui.selection.size).toBe(0) // Delete must not take the block with it
    actions.run('next-edge')
    expect([...ui.edgeSelection]).toEqual(['a1->gap'])
    actions.run('previous-edge')
    expect([...ui.edgeSelection]).toEqual(['r1->a1'])

    const before = design.doc
    const steps = design.past.length
    expect(actions.run('delete')).toBe(true)
    expect(design.doc.edges).not.toContainEqual(['r1', 'a1'])
    expect(design.doc.nodes).toEqual(before.nodes)
    expect(design.past.length).toBe(steps + 1)
    expect(ui.edgeSelection.size).toBe(0) // the deleted edge is no longer selected
    expect(actions.run('delete')).toBe(false)
    design.undo()
    expect(design.doc).toBe(before)
  })
})
