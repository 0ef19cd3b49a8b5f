// `cnn-studio serve`: the built UI and the contract over a WebSocket, on 127.0.0.1 only. Every request
// needs the secret token (in the URL the first time, then an HttpOnly SameSite=Strict cookie); the
// WebSocket also needs our own Origin; no file outside the built UI is ever served.
//
// Browsers send a cookie to every port of a host, whatever its name, so a cookie under Path=/ would reach any
// other server on 127.0.0.1 the browser visits. The studio therefore lives under a path only this server's
// token derives (`/s-<hash>/`), its cookie is scoped to that path and named for the port
// (`cnn_studio_token_<port>`, as Jupyter qualifies its names): two studios keep their own logins, and a
// page on another port never receives a token.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import { extname, join, resolve, sep } from 'node:path'
import { pipeline, type Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Host } from '../host/host.ts'
import type { SocketFrame } from '../api/contract.ts'
import { parseMessage } from './message.ts'

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

export interface WebServer {
  url: string
  port: number
  token: string
  /** The path the studio lives under, `/s-<hash>/`, and its cookie's Path. */
  home: string
  /** The cookie's name, `cnn_studio_token_<port>`. */
  cookieName: string
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

/** The path part of an origin-form request target (`/path?query`), or null for anything else: absolute
 * and authority forms, `*`, and targets whose first segment is empty (`//[`, `//a:99999/`), which URL
 * parsers read as a host (and `new URL` throws on). None is a path the studio has. */
export function parseTarget(target: string | undefined): URL | null {
  if (!target || !target.startsWith('/') || target.startsWith('//')) return null
  try {
    // Prefixing our own origin makes a target like `//[` a path, never a host to parse.
    const url = new URL(`http://127.0.0.1${target}`)
    return url.host === '127.0.0.1' ? url : null
  } catch {
    return null
  }
}

/** The studio's path, derived one way from the token so that only a holder of the token can know it. */
export function homeOf(token: string): string {
  return `/s-${createHash('sha256').update(`cnn-studio home ${token}`).digest('base64url').slice(0, 22)}/`
}

export async function startServer(opts: ServeOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  if (!existsSync(join(opts.staticDir, 'index.html'))) {
    throw new Error(`the studio's UI is not built (${join(opts.staticDir, 'index.html')} is missing); run: npm run build`)
  }
  const root = realpathSync(opts.staticDir)
  const home = homeOf(token)
  let origin = ''
  let cookieName = ''

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
    try {
      const real = realpathSync(wanted)
      return real.startsWith(root + sep) && statSync(real).isFile() ? real : null
    } catch {
      return null // missing, or gone since
    }
  }

  const server = createServer((req, res) => {
    const url = parseTarget(req.url)
    if (!url) return deny(res, 400, 'bad request target')
    const fromUrl = url.searchParams.get('token') ?? undefined
    if (!same(fromUrl, token) && !same(cookie(req, cookieName), token)) {
      return deny(res, 401, 'CNN Studio: this page needs the link with the secret token that `cnn-studio serve` printed.')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed')
    if (same(fromUrl, token)) {
      // Trade the URL token for a cookie, and drop it from the address bar and from any history.
      url.searchParams.delete('token')
      const path = url.pathname.startsWith(home) ? url.pathname : home
      res.writeHead(303, { ...SECURITY, 'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=${home}`, Location: path + url.search })
      return res.end()
    }
    if (url.pathname === home.slice(0, -1)) {
      res.writeHead(308, { ...SECURITY, Location: home + url.search })
      return res.end()
    }
    const file = url.pathname.startsWith(home) ? resolveFile(url.pathname.slice(home.length - 1)) : null
    if (!file) return deny(res, 404, 'not found')
    res.writeHead(200, { ...SECURITY, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
    if (req.method === 'HEAD') return res.end()
    pipeline(createReadStream(file), res, () => {}) // a file gone mid-way or a client gone: the response just ends
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy()) // a client resetting mid-handshake is its own affair
    const refuse = (status: number, reason: string) => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy())
    }
    const url = parseTarget(req.url)
    if (!url) return refuse(400, 'Bad Request')
    const authed = same(url.searchParams.get('token') ?? undefined, token) || same(cookie(req, cookieName), token)
    const okOrigin = req.headers.origin === origin || req.headers.origin === origin.replace('127.0.0.1', 'localhost')
    if (url.pathname !== `${home}ws` || !authed || !okOrigin) return authed ? refuse(403, 'Forbidden') : refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => connection(ws))
  })

  function connection(ws: WebSocket): void {
    const off = opts.host.subscribe((event) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event } satisfies SocketFrame))
    })
    ws.on('close', off)
    // A protocol error (a bad frame, invalid UTF-8, a frame over maxPayload) is this socket's alone: ws has
    // already closed it with the matching code (1002, 1007, 1009); without a listener it would end the process.
    ws.on('error', () => {})
    // Each request in a task of its own: ws hands over every message of one network read in a row, and
    // answered in that same task, the page would get no answer until all were computed (ten runs opened
    // for a comparison); this way it reads the first while the server works on the next.
    ws.on('message', (data) => setImmediate(async () => {
      const m = parseMessage(data)
      const reply = m.ok ? await opts.host.invoke(m.command, m.payload) : { ok: false as const, error: m.error }
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: m.id, ...reply } satisfies SocketFrame))
    }))
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok())
  })
  const port = (server.address() as { port: number }).port
  origin = `http://127.0.0.1:${port}`
  cookieName = `cnn_studio_token_${port}`
  return {
    url: `${origin}${home}?token=${token}`,
    port,
    token,
    home,
    cookieName,
    async close() {
      for (const c of wss.clients) c.terminate()
      wss.close()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
