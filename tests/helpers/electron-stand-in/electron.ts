// A stand-in for the `electron` module, so the built main process (out/main/main.js) runs under plain
// Node: the objects the shell uses, each recording what it is asked. It runs in a child process that the
// test forks (register.ts puts it in place of `electron`), and answers the test over the fork's IPC
// channel: `invoke` calls the handler the shell registered with ipcMain, `probe` plays the page's and
// the network's part against the handlers the shell installed (a navigation, a window.open, a response
// whose headers get the CSP, a permission request), `records` returns what was recorded, `close-windows`
// closes the window as the user would (the app then quits, ending the process). Whatever the shell sends to the page arrives at the test as `event`.
import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FromStandIn, MenuRecord, Probe, Records, ToStandIn } from './protocol.ts'

const send = (m: FromStandIn) => process.send!(m)

const records: Records = { windows: [], loadedUrls: [], menus: 0, menu: [], paths: {}, dialogs: [], errorBoxes: [], openedExternally: [], handlers: [], quit: false }
const paths = new Map<string, string>([['appData', join(process.env.HOME ?? '/', '.config')], ['userData', join(process.env.HOME ?? '/', '.config', 'Electron')]])

class AppStandIn extends EventEmitter {
  readonly isPackaged = false
  whenReady(): Promise<void> {
    return new Promise((resolve) => setImmediate(() => {
      // Chromium makes its profile folder, the user data path, when the app becomes ready.
      mkdirSync(this.getPath('userData'), { recursive: true })
      this.emit('ready')
      resolve()
    }))
  }
  setPath(name: string, value: string): void {
    paths.set(name, value)
    records.paths[name] = value
  }
  getPath(name: string): string {
    const p = paths.get(name)
    if (!p) throw new Error(`the stand-in app has no path named ${name}`)
    return p
  }
  getAppPath(): string {
    return process.cwd()
  }
  getVersion(): string {
    return '0.0.0-stand-in'
  }
  quit(): void {
    // As Electron does: quitting ends the process whatever handles are still open.
    records.quit = true
    this.emit('will-quit')
    this.emit('quit')
    process.send!({ type: 'quit' } satisfies FromStandIn, () => process.exit(0))
  }
}
export const app = new AppStandIn()

type WindowOpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' }

class WebContentsStandIn extends EventEmitter {
  windowOpenHandler: WindowOpenHandler | null = null
  send(channel: string, payload: unknown): void {
    send({ type: 'event', channel, payload })
  }
  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler
  }
}

const windows: BrowserWindow[] = []

export class BrowserWindow extends EventEmitter {
  static getAllWindows(): BrowserWindow[] {
    return windows.filter((w) => !w.destroyed)
  }
  readonly webContents = new WebContentsStandIn()
  destroyed = false
  private maximized = false
  private readonly bounds: { x: number; y: number; width: number; height: number }
  constructor(options: Record<string, unknown>) {
    super()
    records.windows.push(structuredClone(options))
    this.bounds = { x: 10, y: 20, width: Number(options.width ?? 800), height: Number(options.height ?? 600) }
    windows.push(this)
    app.emit('web-contents-created', {}, this.webContents)
    app.emit('browser-window-created', {}, this)
  }
  loadURL(url: string): Promise<void> {
    records.loadedUrls.push(url)
    setImmediate(() => this.emit('ready-to-show'))
    return Promise.resolve()
  }
  show(): void {}
  maximize(): void {
    this.maximized = true
  }
  isMaximized(): boolean {
    return this.maximized
  }
  getNormalBounds() {
    return { ...this.bounds }
  }
  close(): void {
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true } }
    this.emit('close', e)
    if (e.defaultPrevented) return
    this.destroyed = true
    this.emit('closed')
    if (BrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed')
  }
}

type Handler = (event: unknown, ...args: unknown[]) => unknown
const handlers = new Map<string, Handler>()
export const ipcMain = {
  handle(channel: string, fn: Handler): void {
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    handlers.set(channel, fn)
    records.handlers.push(channel)
  },
  on(): void {},
  removeHandler(channel: string): void {
    handlers.delete(channel)
  },
}

export const dialog = {
  showOpenDialog(_win: unknown, options: Record<string, unknown>): Promise<{ canceled: boolean; filePaths: string[] }> {
    records.dialogs.push(structuredClone(options))
    return Promise.resolve({ canceled: true, filePaths: [] })
  },
  showSaveDialog(_win: unknown, options: Record<string, unknown>): Promise<{ canceled: boolean; filePath: string }> {
    records.dialogs.push(structuredClone(options))
    return Promise.resolve({ canceled: true, filePath: '' })
  },
  showErrorBox(title: string, content: string): void {
    records.errorBoxes.push({ title, content })
    send({ type: 'error-box', title, content })
  },
}

interface TemplateItem { id?: string; label?: string; accelerator?: string; role?: string; type?: string; submenu?: TemplateItem[]; click?: (...args: unknown[]) => void }
const recordOf = (items: TemplateItem[]): MenuRecord[] => items.map(({ id, label, accelerator, role, type, submenu }) => ({ id, label, accelerator, role, type, ...(submenu ? { submenu: recordOf(submenu) } : {}) }))
const flat = (items: TemplateItem[]): TemplateItem[] => items.flatMap((i) => [i, ...flat(i.submenu ?? [])])
let applicationMenu: TemplateItem[] = []
export const Menu = {
  buildFromTemplate(template: TemplateItem[]) {
    return { template }
  },
  setApplicationMenu(menu: { template: TemplateItem[] } | null): void {
    records.menus++
    applicationMenu = menu?.template ?? []
    records.menu = recordOf(applicationMenu)
  },
}

type HeadersListener = (details: { url: string; responseHeaders?: Record<string, string[]> }, done: (r: { responseHeaders?: Record<string, string[]> }) => void) => void
type PermissionHandler = (wc: unknown, permission: string, allow: (granted: boolean) => void) => void
let headersListener: HeadersListener | null = null
let permissionHandler: PermissionHandler | null = null
export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived(listener: HeadersListener): void {
        headersListener = listener
      },
    },
    setPermissionRequestHandler(handler: PermissionHandler): void {
      permissionHandler = handler
    },
  },
}

export const shell = {
  openExternal(url: string): Promise<void> {
    records.openedExternally.push(url)
    return Promise.resolve()
  },
}

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false, themeSource: 'system' })

// The preload's half: never loaded in the main process, present so that the module's shape is complete.
export const contextBridge = { exposeInMainWorld(): void {} }
export const ipcRenderer = new EventEmitter()

export default { app, BrowserWindow, ipcMain, dialog, Menu, session, shell, nativeTheme, contextBridge, ipcRenderer }

function probe(): Probe {
  const win = BrowserWindow.getAllWindows()[0]
  const wc = win?.webContents
  const navigation = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true } }
  wc?.emit('will-navigate', navigation, 'https://evil.example/')
  const webview = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true } }
  wc?.emit('will-attach-webview', webview, {}, {})
  let csp: string[] | undefined
  headersListener?.({ url: records.loadedUrls[0] ?? '', responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => { csp = r.responseHeaders?.['Content-Security-Policy'] })
  let permission: boolean | null = null
  permissionHandler?.(wc, 'media', (granted) => { permission = granted })
  return {
    navigationPrevented: navigation.defaultPrevented,
    webviewPrevented: webview.defaultPrevented,
    windowOpen: ['https://example.com/docs', 'http://example.com/', 'file:///etc/passwd'].map((url) => ({ url, action: wc?.windowOpenHandler?.({ url }).action ?? null })),
    csp: csp ?? null,
    permission,
  }
}

process.on('message', (m: ToStandIn) => {
  void (async () => {
    if (m.type === 'invoke') {
      const handler = handlers.get('studio:invoke')
      if (!handler) return send({ type: 'reply', id: m.id, error: 'no studio:invoke handler is registered yet' })
      const url = m.frameUrl ?? records.loadedUrls[0]
      const result = await handler({ senderFrame: { url }, sender: BrowserWindow.getAllWindows()[0]?.webContents }, m.command, m.payload)
      send({ type: 'reply', id: m.id, result })
    } else if (m.type === 'records') {
      send({ type: 'reply', id: m.id, result: { ...records, windowCount: BrowserWindow.getAllWindows().length } })
    } else if (m.type === 'probe') {
      send({ type: 'reply', id: m.id, result: probe() })
    } else if (m.type === 'click-menu') {
      // As Electron calls a click: with the item, the focused window and the keyboard event.
      const item = flat(applicationMenu).find((i) => i.id === m.item)
      item?.click?.(item, BrowserWindow.getAllWindows()[0], {})
      send({ type: 'reply', id: m.id, result: !!item?.click })
    } else if (m.type === 'close-windows') {
      // As the user closing the last window: the shell saves its place and, off macOS, quits.
      for (const w of BrowserWindow.getAllWindows()) w.close()
    }
  })().catch((e: unknown) => send({ type: 'reply', id: 'id' in m ? m.id : 0, error: e instanceof Error ? e.stack ?? e.message : String(e) }))
})
