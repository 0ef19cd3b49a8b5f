// The native menu's template, from the items the page's action registry sends (`menu.set`, VS Code's way):
// labels and accelerators are declared once, in src-renderer/src/actions, and a click goes back to the page
// as a `menu` event with the item's id. Around them, the roles Electron implements itself (quit, text
// editing, reload, zoom). No Electron at run time here, so tests build the template under plain Node.
import type { MenuItemConstructorOptions } from 'electron'
import type { MenuItem } from '../api/contract.ts'

export function menuTemplate(items: readonly MenuItem[], send: (id: string) => void, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin'
  const separator: MenuItemConstructorOptions = { type: 'separator' }
  // Only the first accelerator is shown: a menu item has one. The page's key listener handles the others.
  const page = (menu: MenuItem['menu']): MenuItemConstructorOptions[] => items.filter((i) => i.menu === menu)
    .map((i) => ({ id: i.id, label: i.label, ...(i.keys[0] ? { accelerator: i.keys[0] } : {}), click: () => send(i.id) }))
  const then = (first: MenuItemConstructorOptions[], roles: MenuItemConstructorOptions[]) => (first.length ? [...first, separator, ...roles] : roles)
  const help = page('Help')
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    { label: 'File', submenu: then(page('File'), [{ role: mac ? 'close' : 'quit' }]) },
    // The page's undo and redo are the canvas's; cut, copy and paste here are a text field's.
    { label: 'Edit', submenu: then(page('Edit'), [{ role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }]) },
    { label: 'View', submenu: then(page('View'), [{ role: 'reload' }, { role: 'toggleDevTools' }, separator, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, separator, { role: 'togglefullscreen' }]) },
    ...(help.length ? [{ role: 'help' as const, submenu: help }] : []),
  ]
}
