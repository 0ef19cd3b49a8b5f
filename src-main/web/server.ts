// `cnn-studio serve`: the built UI and the contract over a WebSocket, on 127.0.0.1 only. Every request
// needs the secret token (in the URL the first time, then an HttpOnly SameSite=Strict cookie); the
// WebSocket also needs our own Origin; no file outside the built UI is ever served.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, realpathSync, statSync, createReadStream } from 'node:fs'
import { extname, join, resolve, sep } from 'node:path'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Host } from '../host/host.ts'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2', '.wasm': 'application/wasm',
}
const SECURITY = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
}
const COOKIE = 'cnn_studio_token'

export interface WebServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export interface ServeOptions {
  host: Host
  /** The built UI (out/renderer). */
  staticDir: string
  port?: number
  token?: string
}

function same(a: string | undefined, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a), y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return undefined
}

export async function startServer(opts: ServeOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  if (!existsSync(join(opts.staticDir, 'index.html'))) {
    throw new Error(`the studio's UI is not built (${join(opts.staticDir, 'index.html')} is missing); run: npm run build`)
  }
  const root = realpathSync(opts.staticDir)
  let origin = ''

  const deny = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { ...SECURITY, 'Content-Type': 'text/plain; charset=utf-8' })
    res.end(message)
  }

  /** The file for a URL path inside the built UI, or null: traversal, encoded or not, and links out are refused. */
  function resolveFile(pathname: string): string | null {
    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      return null
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null
    const wanted = resolve(root, '.' + (decoded === '/' ? '/index.html' : decoded))
    if (wanted !== root && !wanted.startsWith(root + sep)) return null
    if (!existsSync(wanted)) return null
    const real = realpathSync(wanted)
    if (!real.startsWith(root + sep) || !statSync(real).isFile()) return null
    return real
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const fromUrl = url.searchParams.get('token') ?? undefined
    if (!same(fromUrl, token) && !same(cookie(req, COOKIE), token)) {
      return deny(res, 401, 'CNN Studio: this page needs the link with the secret token that `cnn-studio serve` printed.')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed')
    if (same(fromUrl, token)) {
      // Trade the URL token for a cookie, and drop it from the address bar and from any history.
      url.searchParams.delete('token')
      res.writeHead(303, { ...SECURITY, 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, Location: url.pathname + url.search })
      return res.end()
    }
    const file = resolveFile(url.pathname)
    if (!file) return deny(res, 404, 'not found')
    res.writeHead(200, { ...SECURITY, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
    if (req.method === 'HEAD') return res.end()
    createReadStream(file).pipe(res)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const authed = same(url.searchParams.get('token') ?? undefined, token) || same(cookie(req, COOKIE), token)
    const okOrigin = req.headers.origin === origin || req.headers.origin === origin.replace('127.0.0.1', 'localhost')
    if (url.pathname !== '/ws' || !authed || !okOrigin) {
      socket.write(`HTTP/1.1 ${authed ? 403 : 401} ${authed ? 'Forbidden' : 'Unauthorized'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      return socket.destroy()
    }
    wss.handleUpgrade(req, socket, head, (ws) => connection(ws))
  })

  function connection(ws: WebSocket): void {
    const off = opts.host.subscribe((event) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event }))
    })
    ws.on('close', off)
    ws.on('message', async (data) => {
      let msg: { id?: unknown; command?: unknown; payload?: unknown }
      try {
        msg = JSON.parse(String(data))
      } catch {
        return ws.send(JSON.stringify({ id: null, ok: false, error: { code: 'BAD_MESSAGE', message: 'not JSON' } }))
      }
      const reply = await opts.host.invoke(msg.command, msg.payload)
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id ?? null, ...reply }))
    })
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  const port = (server.address() as { port: number }).port
  origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
