// The one action list: no id or key combo twice, every keyed action in the `?` sheet, the native menu made
// of registered actions (every item the shell's template holds sends back an id the registry runs), one
// action per layer type, and key presses mapped to combos as Electron writes them.
import type { MenuItemConstructorOptions } from 'electron'
import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { allLayers } from '../../src-engine/core/graph/index.ts'
import { COMMANDS } from '../../src-main/api/contract.ts'
import { menuTemplate } from '../../src-main/shell/menu.ts'
import { buildActions } from '../../src-renderer/src/actions/index.ts'
import { canonical, comboOf, createRegistry, keyLabel, menuItems } from '../../src-renderer/src/actions/registry.ts'
import { useDesign } from '../../src-renderer/src/stores/design.ts'
import { useUi } from '../../src-renderer/src/stores/ui.ts'

beforeEach(() => setActivePinia(createPinia()))

describe('the action registry', () => {
  it('registers one add-layer action per layer type', () => {
    const r = buildActions()
    for (const d of allLayers()) expect(r.byId.has(`add-layer.${d.type}`), d.type).toBe(true)
  })

  // The ids are read from the menu the shell builds out of what the page sends, so an item added there by
  // hand, or an id the registry does not know, fails here.
  it.each(['linux', 'darwin', 'win32'] as const)('makes the native menu of registered actions, with their labels and first keys (%s)', (platform) => {
    const r = buildActions()
    const items = menuItems(r)
    expect(COMMANDS['menu.set'].safeParse({ items }).success).toBe(true) // what the host takes
    const sent: string[] = []
    const flat = (t: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] => t.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])])
    const clickable = flat(menuTemplate(items, (id) => sent.push(id), platform)).filter((i) => i.click)
    for (const item of clickable) (item.click as () => void)()
    expect(sent.length).toBeGreaterThan(0)
    expect(sent.filter((id) => !r.byId.has(id))).toEqual([])
    expect(sent).toEqual(items.map((i) => i.id)) // each item the page sends is in the menu, once
    for (const item of clickable) {
      const a = r.byId.get(item.id!)!
      expect({ label: item.label, accelerator: item.accelerator }).toEqual({ label: a.label, accelerator: a.keys?.[0] })
    }
    expect(r.byId.get('redo')!.menu && r.byId.get('redo')!.keys).toContain('CmdOrCtrl+Y')
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
