// Property: random request lines and random WebSocket frame bytes, sent over raw TCP to a real
// `cnn-studio serve` child process on 127.0.0.1, get an HTTP answer, a reply, a close, or nothing; the
// process stays up; a legitimate client is answered after each; the database passes integrity_check.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { COMMANDS } from '../../../src-main/api/contract.ts'
import { serve } from '../../helpers/browser.ts'
import { exchange, frame, openRaw } from '../../helpers/raw-socket.ts'
import { count, report, runs } from './runs.ts'

let child: ChildProcess, port: number, home: string, token: string, db: string
let auth: Record<string, string>

beforeAll(async () => {
  db = join(mkdtempSync(join(tmpdir(), 'cnn-fuzz-serve-')), 'serve.db')
  const s = await serve(db)
  child = s.child
  const u = new URL(s.url)
  port = Number(u.port)
  home = u.pathname
  token = u.searchParams.get('token')!
  auth = { Cookie: `cnn_studio_token_${port}=${token}`, Origin: `http://127.0.0.1:${port}` }
}, 120_000)
afterAll(() => {
  child?.kill('SIGTERM')
  report('serve')
})

async function stillServing(): Promise<void> {
  expect(child.exitCode, 'serve exited').toBeNull()
  const ws = new WebSocket(`ws://127.0.0.1:${port}${home}ws`, { headers: { cookie: auth.Cookie, origin: auth.Origin } })
  const reply = await new Promise<{ id: number; ok: boolean }>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ id: 9, command: 'runs.list' })))
    ws.once('message', (d) => resolve(JSON.parse(String(d))))
    ws.once('error', reject)
  })
  ws.close()
  expect(reply).toMatchObject({ id: 9, ok: true })
}

// Pieces request targets are made of, the ones URL parsers trip on first.
const targetPiece = fc.oneof(
  fc.constantFrom('/', '//', '[', ']', '[]', '[::1', '%', '%2e', '%00', '%zz', ':', '99999', '@', '?', '#', '&', '=', '..', '\\', 'http:', 'https://', 'a', 'ws', 'index.html', '*', ' ', '\t', 'é', '\u{1F600}', 'token='),
  fc.string({ maxLength: 6 }),
  fc.constant(null).map(() => home.slice(0, -1)), fc.constant(null).map(() => token),
)
const often = <T,>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: other })
const target = fc.tuple(fc.constantFrom('/', '/', '//', '', 'home'), fc.array(targetPiece, { maxLength: 8 })).map(([start, p]) => (start === 'home' ? home : start) + p.join(''))
const header = fc.oneof(
  fc.constant(null).map(() => `Cookie: ${auth.Cookie}`), fc.constant(null).map(() => `Origin: ${auth.Origin}`),
  fc.constantFrom('Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Host: x', 'Host: [', 'Content-Length: 5', 'Transfer-Encoding: chunked', 'Cookie: cnn_studio_token=x', 'Expect: 100-continue'),
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 })).map(([k, v]) => `${k}: ${v}`),
)
const request = fc.record({
  method: often(fc.constantFrom('GET', 'GET', 'HEAD', 'POST'), fc.oneof(fc.constantFrom('OPTIONS', 'CONNECT', 'PRI', 'get'), fc.string({ maxLength: 5 }))),
  target,
  version: often(fc.constant('HTTP/1.1'), fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', '')),
  headers: fc.array(header, { maxLength: 6 }),
  body: fc.oneof(fc.constant(''), fc.string({ maxLength: 20 })),
  end: often(fc.constant('\r\n\r\n'), fc.constantFrom('\r\n', '\n\n', '')),
  host: often(fc.constant('Host: 127.0.0.1\r\n'), fc.constant('')),
}).map((r) => `${r.method} ${r.target} ${r.version}\r\n${r.host}${r.headers.join('\r\n')}${r.end}${r.body}`)

// Messages a logged-in client might send: JSON-ish text naming our commands, inherited names, or junk.
// (datasets.inspect and runs.start are left to the contract fuzz, which keeps their folders safe.)
const NAMES = Object.keys(COMMANDS).filter((c) => c !== 'datasets.inspect' && c !== 'runs.start')
const message = fc.oneof(
  fc.record({ id: fc.oneof(fc.integer(), fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 2 })), command: fc.oneof(fc.constantFrom(...NAMES, 'toString', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 })), payload: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }).map((m) => JSON.stringify(m)),
  fc.json(), fc.string(),
)
const randomFrame = fc.record({
  opcode: fc.oneof({ weight: 8, arbitrary: fc.constant(0x1) }, { weight: 4, arbitrary: fc.constantFrom(0x2, 0x0, 0x8, 0x9, 0xa) }, { weight: 1, arbitrary: fc.nat(15) }),
  fin: often(fc.constant(true), fc.constant(false)), rsv: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(7) }), mask: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  payload: often(message.map((m) => Buffer.from(m)), fc.uint8Array({ maxLength: 140 }).map((b) => Buffer.from(b))),
  length: fc.option(fc.constantFrom(0n, 125n, 126n, 65535n, 65536n, 2n ** 24n + 1n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n), { freq: 15 }),
}).map((f) => frame(f.opcode, f.payload, { fin: f.fin, rsv: f.rsv, mask: f.mask, ...(f.length === null ? {} : { length: f.length }) }))
const frames = fc.oneof(
  { weight: 3, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }).map((ms) => Buffer.concat(ms.map((m) => frame(0x1, m)))) },
  { weight: 4, arbitrary: fc.array(randomFrame, { minLength: 1, maxLength: 5 }).map((fs) => Buffer.concat(fs)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)) },
)

describe('serve, fuzzed over raw sockets', () => {
  it('random request lines: an HTTP answer or a closed connection, and serve keeps answering', async () => {
    await fc.assert(fc.asyncProperty(request, async (raw) => {
      const r = await exchange(port, raw)
      if (r) expect(r).toMatch(/^HTTP\/1\.1 \d{3} /)
      count(r ? `http ${r.slice(9, 12)}` : 'closed')
      await stillServing()
    }), runs(120))
  })

  it('random frames from a logged-in client: replies, a close, or nothing, and serve keeps answering', async () => {
    await fc.assert(fc.asyncProperty(frames, async (bytes) => {
      const ws = await openRaw(port, `${home}ws`, auth)
      ws.socket.write(bytes)
      ws.socket.end()
      const code = await ws.closed
      count(code === null ? 'no close frame' : `close ${code}`)
      for (const t of ws.texts) {
        const m = JSON.parse(t)
        if ('ok' in m && !m.ok) count(m.error.code)
        else if (m.ok) count('result')
      }
      await stillServing()
    }), runs(120))
    const sqlite = new Database(db, { readonly: true })
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok')
    sqlite.close()
  })
})
