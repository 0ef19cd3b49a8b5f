// The messages between a test and the Electron stand-in (electron.ts) in the child process it forks.

export type ToStandIn =
  | { type: 'invoke'; id: number; command: string; payload: unknown; /** the calling frame's URL; the window's page when absent */ frameUrl?: string }
  | { type: 'records'; id: number }
  | { type: 'probe'; id: number }
  /** Chooses the application menu's item of this id, as the user would. */
  | { type: 'click-menu'; id: number; item: string }
  | { type: 'close-windows' }

export type FromStandIn =
  | { type: 'reply'; id: number; result?: unknown; error?: string }
  | { type: 'event'; channel: string; payload: unknown }
  | { type: 'error-box'; title: string; content: string }
  | { type: 'quit' }

/** What the stand-in saw the shell ask for. */
export interface Records {
  /** Each BrowserWindow's constructor options. */
  windows: Record<string, unknown>[]
  loadedUrls: string[]
  /** How many times an application menu was set. */
  menus: number
  /** The application menu set last, as its template (clicks left out). */
  menu: MenuRecord[]
  /** app.setPath calls, by name. */
  paths: Record<string, string>
  dialogs: Record<string, unknown>[]
  errorBoxes: { title: string; content: string }[]
  openedExternally: string[]
  /** ipcMain.handle channels. */
  handlers: string[]
  quit: boolean
  windowCount?: number
}

/** A menu item as the shell's template gave it. */
export interface MenuRecord { id?: string; label?: string; accelerator?: string; role?: string; type?: string; submenu?: MenuRecord[] }

/** The shell's handlers, played against: a navigation, a webview, window.open, a response, a permission request. */
export interface Probe {
  navigationPrevented: boolean
  webviewPrevented: boolean
  windowOpen: { url: string; action: 'allow' | 'deny' | null }[]
  /** The Content-Security-Policy header the shell put on a response. */
  csp: string[] | null
  permission: boolean | null
}
