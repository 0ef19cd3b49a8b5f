// One list of actions (VS Code's model): each is declared once with its label, keys and menu group, and the
// key listener, the native menu (sent to the shell as `menu.set`, its clicks coming back as `menu` events),
// the toolbar and the `?` sheet all read this list. Keys use Electron's accelerator syntax
// (`CmdOrCtrl+Shift+Z`), which the native menu takes as it is. The lists themselves are in file.ts,
// edit.ts, view.ts and layers.ts, by what the actions do.
import type { MenuItem } from '../../../src-main/api/contract.ts'

export type Group = 'File' | 'Edit' | 'View' | 'Layers' | 'Help'

export interface Action {
  id: string
  label: string
  group: Group
  keys?: string[]
  /** Hidden from the `?` sheet; layer actions are summarised there by one line instead. */
  hidden?: boolean
  /** Also an item of the native menu (Electron), under its group. */
  menu?: boolean
  enabled?: () => boolean
  run: () => unknown
}

const isMac = () => /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '')

/** 'CmdOrCtrl+Shift+Z' -> 'ctrl+shift+z' (or 'meta+shift+z' on a Mac): one canonical form to compare. */
export function canonical(accelerator: string, mac = isMac()): string {
  const parts = accelerator.split('+').map((p) => p.trim())
  // '+' itself as the key: 'CmdOrCtrl++'
  const key = accelerator.endsWith('++') ? '+' : parts.pop()!
  const mods = new Set<string>()
  for (const p of parts.filter(Boolean).map((x) => x.toLowerCase())) {
    if (p === 'cmdorctrl' || p === 'commandorcontrol') mods.add(mac ? 'meta' : 'ctrl')
    else if (p === 'cmd' || p === 'command' || p === 'super' || p === 'meta') mods.add('meta')
    else if (p === 'ctrl' || p === 'control') mods.add('ctrl')
    else if (p === 'alt' || p === 'option') mods.add('alt')
    else if (p === 'shift') mods.add('shift')
  }
  return [...['ctrl', 'alt', 'shift', 'meta'].filter((m) => mods.has(m)), key.toLowerCase()].join('+')
}

/** The canonical combo of a key press. Shift is dropped for printed symbols ('?' is Shift+/ on most layouts). */
export function comboOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'shiftKey' | 'metaKey'>): string {
  const key = e.key === ' ' ? 'space' : e.key.toLowerCase()
  const symbol = e.key.length === 1 && !/[a-z0-9]/i.test(e.key)
  const mods = [e.ctrlKey && 'ctrl', e.altKey && 'alt', e.shiftKey && !symbol && 'shift', e.metaKey && 'meta'].filter(Boolean)
  return [...mods, key].join('+')
}

/** How a key combo reads in the help sheet: '⌘⇧Z' on a Mac, 'Ctrl+Shift+Z' elsewhere. */
export function keyLabel(accelerator: string, mac = isMac()): string {
  const c = canonical(accelerator, mac).split('+')
  const key = c.pop()!
  const name = key.length === 1 ? key.toUpperCase() : key[0].toUpperCase() + key.slice(1)
  if (mac) return c.map((m) => ({ ctrl: '⌃', alt: '⌥', shift: '⇧', meta: '⌘' })[m]).join('') + name
  return [...c.map((m) => m[0].toUpperCase() + m.slice(1)), name].join('+')
}

export interface Registry {
  list: readonly Action[]
  byId: ReadonlyMap<string, Action>
  /** The action a key combo runs, if any. */
  byCombo: ReadonlyMap<string, Action>
  run(id: string): boolean
}

/** Builds the registry; a second action with one id, or two actions on one key combo, is a programming error and throws. */
export function createRegistry(list: Action[], mac = isMac()): Registry {
  const byId = new Map<string, Action>()
  const byCombo = new Map<string, Action>()
  for (const a of list) {
    if (byId.has(a.id)) throw new Error(`action '${a.id}' is declared twice`)
    byId.set(a.id, a)
    for (const k of a.keys ?? []) {
      const c = canonical(k, mac)
      const other = byCombo.get(c)
      if (other) throw new Error(`key ${k} is given to both '${other.id}' and '${a.id}'`)
      byCombo.set(c, a)
    }
  }
  return {
    list, byId, byCombo,
    run(id) {
      const a = byId.get(id)
      if (!a || (a.enabled && !a.enabled())) return false
      void a.run()
      return true
    },
  }
}

/** The native menu's items, as `menu.set` sends them to the shell (src-main/shell/menu.ts builds the menu). */
export function menuItems(registry: Pick<Registry, 'list'>): MenuItem[] {
  return registry.list.filter((a) => a.menu).map((a) => {
    if (a.group === 'Layers') throw new Error(`action '${a.id}': the native menu has no Layers menu`)
    return { id: a.id, label: a.label, keys: a.keys ?? [], menu: a.group }
  })
}
