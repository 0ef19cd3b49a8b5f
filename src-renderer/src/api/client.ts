// The UI's one way to the main process: `window.studio` (the Electron preload) when present, otherwise
// the same contract over the WebSocket of `cnn-studio serve` (authenticated by its cookie).
import type { ApiError, CommandName, Request, Responses, SocketFrame, SocketRequest, StudioApi, StudioBridge, StudioEvent } from '../../../src-main/api/contract.ts'

declare global {
  interface Window {
    studio?: StudioBridge
  }
}

export class StudioError extends Error {
  readonly code: string
  /** By field path (`settings.batchSize`): what the host found wrong with it. */
  readonly fields?: Record<string, string>
  constructor(e: ApiError) {
    super(e.message)
    this.code = e.code
    if (e.fields) this.fields = e.fields
  }
}

/** Told when the socket of `cnn-studio serve` drops (`false`) and when it is back (`true`); the bridge never drops. */
type ConnectionListener = (up: boolean) => void
const connectionListeners = new Set<ConnectionListener>()
export function onConnection(listener: ConnectionListener): () => void {
  connectionListeners.add(listener)
  return () => connectionListeners.delete(listener)
}

/** Waits between tries to reopen a dropped socket: soon at first, then every few seconds while the server is away. */
const RETRY_MS = [250, 500, 1000, 2000, 5000]

function overWebSocket(): StudioApi {
  const listeners = new Set<(e: StudioEvent) => void>()
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 1
  let socket: WebSocket
  let opened: Promise<void>
  let tries = 0
  let retry: ReturnType<typeof setTimeout> | null = null
  /** Whether the page has been told the connection dropped (so that it is told, once, when it is back). */
  let down = false

  function open(): void {
    if (retry) clearTimeout(retry)
    retry = null
    // Relative to the page: the studio lives under its own path (`/s-<hash>/`), and so does its socket.
    const url = new URL('ws', location.href)
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(url)
    opened = new Promise((resolve, reject) => {
      socket.addEventListener('error', () => reject(new StudioError({ code: 'DISCONNECTED', message: 'cannot reach the studio server; is `cnn-studio serve` still running?' })), { once: true })
      socket.addEventListener('open', () => {
        resolve()
        tries = 0
        if (!down) return
        down = false
        for (const fn of connectionListeners) fn(true)
      }, { once: true })
    })
    opened.catch(() => {})
    socket.addEventListener('message', (m) => {
      const msg = JSON.parse(String(m.data)) as SocketFrame
      if ('event' in msg) {
        for (const fn of listeners) fn(msg.event)
        return
      }
      const id = typeof msg.id === 'number' ? msg.id : -1
      const p = pending.get(id)
      if (!p) return
      pending.delete(id)
      if (msg.ok) p.resolve(msg.result)
      else p.reject(new StudioError(msg.error ?? { code: 'INTERNAL', message: 'no answer' }))
    })
    socket.addEventListener('close', () => {
      for (const p of pending.values()) p.reject(new StudioError({ code: 'DISCONNECTED', message: 'the connection to the studio server closed' }))
      pending.clear()
      // Events sent while the socket is down are lost to this page: it opens a new one by itself (a page that
      // only watches a run sends no request that would), and the stores ask again for what they show.
      if (!down) {
        down = true
        for (const fn of connectionListeners) fn(false)
      }
      retry ??= setTimeout(open, RETRY_MS[Math.min(tries++, RETRY_MS.length - 1)])
    })
  }
  open()

  return {
    async invoke<K extends CommandName>(command: K, payload?: Request<K>): Promise<Responses[K]> {
      if (socket.readyState === WebSocket.CLOSED) open()
      await opened
      const id = next++
      return new Promise<Responses[K]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
        socket.send(JSON.stringify({ id, command, payload } satisfies SocketRequest))
      })
    },
    on(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

function overBridge(bridge: StudioBridge): StudioApi {
  return {
    async invoke<K extends CommandName>(command: K, payload?: Request<K>): Promise<Responses[K]> {
      const r = await bridge.invoke(command, payload)
      if (!r.ok) throw new StudioError(r.error)
      return r.result as Responses[K]
    },
    on: (listener) => bridge.on(listener),
  }
}

let api: StudioApi | null = null
export function studio(): StudioApi {
  api ??= window.studio ? overBridge(window.studio) : overWebSocket()
  return api
}
