// The Electron main process: wiring only. The contract's host (src-main/host) does the work, as it does
// behind `cnn-studio serve`; everything behind this file runs and is tested under plain Node.
// `npm run build` bundles this file with the host and the engine into out/main (electron.vite.config.ts);
// tests/main/electron-main.test.ts runs that bundle under Node with a stand-in for Electron.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createHost, type Host } from '../host/host.ts'
import type { MenuItem, StudioEvent } from '../api/contract.ts'
import { userDataDir } from '../services/paths.ts'
import { menuTemplate } from './menu.ts'
import { loadWindowState, saveWindowState } from './window-state.ts'

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// One data folder for the app and the CLI, so both see the same experiment database.
app.setPath('userData', userDataDir())

let host: Host | null = null
let win: BrowserWindow | null = null
/** The page's menu items (menu.set); none until the page has started. */
let pageMenu: MenuItem[] = []

function setMenu(): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(pageMenu, (action) => win?.webContents.send('studio:event', { type: 'menu', action } satisfies StudioEvent))))
}

function openHost(): Host {
  return createHost({
    kind: 'electron',
    menu: {
      set(items) {
        pageMenu = items
        setMenu()
      },
    },
    dialogs: {
      async openModelPath() {
        const r = await dialog.showOpenDialog(win!, { title: 'Open model', filters: [{ name: 'CNN Studio model or ONNX', extensions: ['json', 'onnx'] }], properties: ['openFile'] })
        return r.canceled || !r.filePaths[0] ? null : { path: r.filePaths[0] }
      },
      async saveModelPath(suggestedName: string) {
        const r = await dialog.showSaveDialog(win!, { title: 'Save model', defaultPath: suggestedName, filters: [{ name: 'CNN Studio model', extensions: ['cnn.json'] }] })
        return r.canceled || !r.filePath ? null : { path: r.filePath }
      },
      async pickFolder() {
        const r = await dialog.showOpenDialog(win!, { title: 'Import dataset folder (one sub-folder per class)', properties: ['openDirectory'] })
        return r.canceled || !r.filePaths[0] ? null : { path: r.filePaths[0] }
      },
    },
  })
}

function rendererUrl(): string {
  return process.env['ELECTRON_RENDERER_URL'] ?? pathToFileURL(join(import.meta.dirname, '../renderer/index.html')).href
}

function createWindow(): BrowserWindow {
  const state = loadWindowState(app.getPath('userData'))
  const w = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 500,
    title: 'CNN Studio',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
    },
  })
  if (state.maximized) w.maximize()
  w.once('ready-to-show', () => w.show())
  // The studio never navigates away and never opens windows; https links go to the system browser.
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  w.webContents.on('will-navigate', (e) => e.preventDefault())
  w.on('close', () => {
    const b = w.getNormalBounds()
    saveWindowState(app.getPath('userData'), { ...b, maximized: w.isMaximized() })
  })
  setMenu()
  void w.loadURL(rendererUrl())
  return w
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, done) => {
    done({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, allow) => allow(false))
  try {
    host = openHost()
  } catch (e) {
    dialog.showErrorBox('CNN Studio cannot open its experiment database', e instanceof Error ? e.message : String(e))
    app.quit()
    return
  }
  const ours = rendererUrl()
  ipcMain.handle('studio:invoke', (event, command: unknown, payload: unknown) => {
    // Only our own page may call in: not another frame, not a page it was tricked into loading.
    if (!event.senderFrame || event.senderFrame.url.split('#')[0].split('?')[0] !== ours.split('?')[0]) {
      return { ok: false, error: { code: 'FORBIDDEN', message: 'this frame may not call the studio' } }
    }
    return host!.invoke(command, payload)
  })
  host.subscribe((e: StudioEvent) => win?.webContents.send('studio:event', e))
  win = createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow()
  })
})

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault())
})

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') {
    host?.close()
    app.quit()
  }
})
