// The one action list: no id or key combo twice, every keyed action in the `?` sheet, every native menu item
// of the contract registered, one action per layer type, and key presses mapped to combos as Electron writes them.
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { allLayers } from '../../src-engine/core/graph/index.ts'
import { buildActions, MENU_ACTIONS } from '../../src-renderer/src/actions/edit.ts'
import { canonical, comboOf, createRegistry, keyLabel } from '../../src-renderer/src/actions/registry.ts'
import { useDesign } from '../../src-renderer/src/stores/design.ts'
import { useUi } from '../../src-renderer/src/stores/ui.ts'

beforeEach(() => setActivePinia(createPinia()))

describe('the action registry', () => {
  it('registers every native menu item and one add-layer action per layer type', () => {
    const r = buildActions()
    for (const id of MENU_ACTIONS) expect(r.byId.has(id), id).toBe(true)
    for (const d of allLayers()) expect(r.byId.has(`add-layer.${d.type}`), d.type).toBe(true)
  })

  it('gives no key combo to two actions, on a Mac or elsewhere', () => {
    for (const mac of [false, true]) {
      const r = buildActions()
      expect(() => createRegistry([...r.list], mac)).not.toThrow()
    }
  })

  it('throws on a second id or a second action on one combo', () => {
    const run = () => {}
    expect(() => createRegistry([{ id: 'a', label: 'A', group: 'Edit', run }, { id: 'a', label: 'B', group: 'Edit', run }])).toThrow(/declared twice/)
    expect(() => createRegistry([{ id: 'a', label: 'A', group: 'Edit', keys: ['CmdOrCtrl+Z'], run }, { id: 'b', label: 'B', group: 'Edit', keys: ['Ctrl+Z'], run }], false)).toThrow(/given to both/)
  })

  it('every action with keys is listed in the ? sheet (not hidden)', () => {
    const r = buildActions()
    expect(r.list.filter((a) => a.keys?.length && a.hidden)).toEqual([])
  })

  it('maps key presses to the combos it declares', () => {
    expect(comboOf({ key: 'z', ctrlKey: true, altKey: false, shiftKey: false, metaKey: false })).toBe(canonical('CmdOrCtrl+Z', false))
    expect(comboOf({ key: 'Z', ctrlKey: true, altKey: false, shiftKey: true, metaKey: false })).toBe(canonical('Shift+CmdOrCtrl+Z', false))
    expect(comboOf({ key: 'z', ctrlKey: false, altKey: false, shiftKey: false, metaKey: true })).toBe(canonical('CmdOrCtrl+Z', true))
    expect(comboOf({ key: '?', ctrlKey: false, altKey: false, shiftKey: true, metaKey: false })).toBe(canonical('?'))
    expect(comboOf({ key: 'L', ctrlKey: false, altKey: false, shiftKey: true, metaKey: false })).toBe(canonical('Shift+L'))
    expect(keyLabel('Shift+CmdOrCtrl+Z', false)).toBe('Ctrl+Shift+Z')
    expect(keyLabel('Shift+CmdOrCtrl+Z', true)).toBe('⇧⌘Z') // Apple's order: ⌃⌥⇧⌘
  })

  it('runs only enabled actions: undo does nothing with an empty history, works after an edit', () => {
    const r = buildActions()
    const d = useDesign()
    useUi().navigate('design')
    expect(r.run('undo')).toBe(false)
    const before = d.doc
    d.setAttr('in', 'height', 28)
    expect(r.run('undo')).toBe(true)
    expect(d.doc).toBe(before)
  })
})
