// Native menus. Items the page acts on (models, datasets, undo) are sent to it as `menu` events.
import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron'
import type { StudioEvent } from '../api/contract.ts'

type Action = Extract<StudioEvent, { type: 'menu' }>['action']

export function buildMenu(win: BrowserWindow): Menu {
  const send = (action: Action) => () => win.webContents.send('studio:event', { type: 'menu', action } satisfies StudioEvent)
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Model', accelerator: 'CmdOrCtrl+N', click: send('new-model') },
        { label: 'Open Model...', accelerator: 'CmdOrCtrl+O', click: send('open-model') },
        { label: 'Save Model', accelerator: 'CmdOrCtrl+S', click: send('save-model') },
        { type: 'separator' },
        { label: 'Import Dataset Folder...', accelerator: 'CmdOrCtrl+I', click: send('import-dataset') },
        { type: 'separator' },
        { role: process.platform === 'darwin' ? 'close' : 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        // Undo/redo of canvas edits live in the page's store, not in a text field.
        { label: 'Undo', accelerator: 'CmdOrCtrl+Z', click: send('undo') },
        { label: 'Redo', accelerator: 'Shift+CmdOrCtrl+Z', click: send('redo') },
        { type: 'separator' },
        { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' },
      ],
    },
    { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
  ]
  return Menu.buildFromTemplate(template)
}
