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

function overWebSocket(): StudioApi {
  const listeners = new Set<(e: StudioEvent) => void>()
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 1
  let socket: WebSocket
  let opened: Promise<void>

  function open(): void {
    // Relative to the page: the studio lives under its own path (`/s-<hash>/`), and so does its socket.
    const url = new URL('ws', location.href)
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(url)
    opened = new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true })
      socket.addEventListener('error', () => reject(new StudioError({ code: 'DISCONNECTED', message: 'cannot reach the studio server; is `cnn-studio serve` still running?' })), { once: true })
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
