// Issue 12's reproductions, each against a real `cnn-studio serve` child process on 127.0.0.1: malformed
// request targets and WebSocket frames over raw sockets, hostile messages from a logged-in client. After
// each, the process must still be up and a legitimate client answered.
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { expectServing, startStudio, type Studio } from '../../helpers/studio.ts'
import { exchange, frame, openRaw, statusOf, type RawWs } from '../../helpers/raw-socket.ts'

let studio: Studio, child: ChildProcess, port: number, home: string, auth: Studio['auth']

beforeAll(async () => {
  studio = await startStudio('cnn-attacks-')
  ;({ child, port, home, auth } = studio)
}, 120_000)
afterAll(() => {
  child?.kill('SIGTERM')
})

const stillServing = () => expectServing(studio)

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/serve/${name}`, import.meta.url), 'utf8'))
const fill = (t: string) => t.replaceAll('{{cookie}}', auth.Cookie.replace('Cookie: ', '')).replaceAll('{{origin}}', auth.Origin).replaceAll('{{home}}', home)

describe('what the fuzz found (tests/fixtures/serve)', () => {
  it.each(fixture('requests.json').requests as string[])('request %j gets an HTTP answer, and serve stays up', async (raw) => {
    const r = await exchange(port, fill(raw))
    if (r) expect(r).toMatch(/^HTTP\/1\.1 \d{3} /)
    await stillServing()
  })

  it.each(fixture('frames.json').frames as string[])('frames %s close or answer that socket only, and serve stays up', async (b64) => {
    const ws = await openRaw(port, `${home}ws`, auth)
    ws.socket.write(Buffer.from(b64, 'base64'))
    ws.socket.end()
    await ws.closed
    await stillServing()
  })
})

const TARGETS = ['//[', 'http://[::1', '//a:99999/', '//%/', 'http://a:b@[x]/', '//[]']

describe('request targets new URL throws on', () => {
  it.each(TARGETS)('GET %s: 400, and serve stays up', async (target) => {
    const r = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`)
    expect(statusOf(r)).toBe(400)
    await stillServing()
  })

  it.each(TARGETS)('upgrade %s: 400, and serve stays up', async (target) => {
    const r = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: ${auth.Cookie}\r\nOrigin: ${auth.Origin}\r\n\r\n`)
    expect(statusOf(r)).toBe(400)
    await stillServing()
  })
})

const text = (s: string) => frame(0x1, s)
const closeWith = (code: number, reason = Buffer.alloc(0)) => {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(code)
  return frame(0x8, Buffer.concat([b, reason]))
}
const FRAMES: [string, number, Buffer][] = [
  ['an unmasked frame', 1002, frame(0x1, '{}', { mask: false })],
  ['RSV1 without an extension', 1002, frame(0x1, '{}', { rsv: 4 })],
  ['a reserved data opcode (0x3)', 1002, frame(0x3, 'x')],
  ['a reserved control opcode (0xB)', 1002, frame(0xb, 'x')],
  ['invalid UTF-8 text', 1007, frame(0x1, Buffer.from([0xc3, 0x28]))],
  ['an orphan continuation', 1002, frame(0x0, 'x')],
  ['a fragmented ping', 1002, frame(0x9, 'x', { fin: false })],
  ['an oversized ping (126 bytes)', 1002, frame(0x9, Buffer.alloc(126))],
  ['close code 999', 1002, closeWith(999)],
  ['invalid UTF-8 in a close reason', 1007, closeWith(1000, Buffer.from([0xff]))],
  ['a new text frame inside a fragmented one', 1002, Buffer.concat([frame(0x1, '{', { fin: false }), text('{}')])],
  ['a length of 2^63-1', 1009, frame(0x2, Buffer.alloc(0), { length: 2n ** 63n - 1n })],
  ['a frame over maxPayload (17 MiB claimed)', 1009, frame(0x1, Buffer.alloc(0), { length: 17n * 1024n * 1024n })],
]

describe('WebSocket frames that break the protocol', () => {
  it.each(FRAMES)('%s closes that socket only, with code %s', async (_name, code, bytes) => {
    const ws = await openRaw(port, `${home}ws`, auth)
    ws.socket.write(bytes)
    expect(await ws.closed).toBe(code)
    await stillServing()
  })

  it('a message over 16 MiB sent in fragments closes with 1009', async () => {
    const ws = await openRaw(port, `${home}ws`, auth)
    const part = Buffer.alloc(4 * 1024 * 1024, 0x20)
    ws.socket.write(frame(0x1, part, { fin: false }))
    for (let i = 0; i < 4; i++) ws.socket.write(frame(0x0, part, { fin: false }))
    ws.socket.write(frame(0x0, part))
    expect(await ws.closed).toBe(1009)
    await stillServing()
  })
})

async function ask(ws: RawWs, message: string): Promise<{ id: unknown; ok: boolean; error?: { code: string; message: string } }> {
  const next = ws.next()
  ws.socket.write(text(message))
  return JSON.parse(await next)
}

describe('messages from a logged-in client', () => {
  it.each(['null', '[]', '42', '"runs.list"', 'true'])('%s is BAD_MESSAGE', async (m) => {
    const ws = await openRaw(port, `${home}ws`, auth)
    const r = await ask(ws, m)
    expect(r).toMatchObject({ id: null, ok: false, error: { code: 'BAD_MESSAGE' } })
    ws.socket.destroy()
    await stillServing()
  })

  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'propertyIsEnumerable'])('command %s (inherited by every object) is UNKNOWN_COMMAND', async (command) => {
    const ws = await openRaw(port, `${home}ws`, auth)
    const r = await ask(ws, JSON.stringify({ id: 1, command, payload: {} }))
    expect(r).toMatchObject({ id: 1, ok: false, error: { code: 'UNKNOWN_COMMAND' } })
    ws.socket.destroy()
    await stillServing()
  })

  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n)
  it.each([
    ['command', 'UNKNOWN_COMMAND', `{"id":1,"command":${deep(10_000)}}`],
    ['id', 'BAD_MESSAGE', `{"id":${deep(10_000)},"command":"runs.list"}`],
    ['payload', 'INVALID_REQUEST', `{"id":1,"command":"runs.get","payload":{"runId":${deep(10_000)}}}`],
    ['model attribute', 'INVALID_REQUEST', `{"id":1,"command":"models.analyze","payload":{"model":{"format":"cnn-studio.graph","version":1,"nodes":[{"id":"a","type":"input","attrs":{"height":${deep(10_000)}}}],"edges":[]}}}`],
  ])('a %s nested 10,000 levels deep gets %s', async (_what, code, m) => {
    const ws = await openRaw(port, `${home}ws`, auth)
    const r = await ask(ws, m)
    expect(r.error?.code).toBe(code)
    ws.socket.destroy()
    await stillServing()
  })

  it('a 15 MB command name comes back as a short prefix, not 15 MB', async () => {
    const ws = await openRaw(port, `${home}ws`, auth)
    const name = 'x'.repeat(15_000_000)
    const next = ws.next()
    ws.socket.write(frame(0x1, JSON.stringify({ id: 2, command: name })))
    const raw = await next
    expect(raw.length).toBeLessThan(1000)
    const r = JSON.parse(raw)
    expect(r.error.code).toBe('UNKNOWN_COMMAND')
    expect(r.error.message).toContain(`"${'x'.repeat(80)}…"`)
    ws.socket.destroy()
    await stillServing()
  })

  it('a 15 MB unknown key in a payload is echoed as a short prefix', async () => {
    const ws = await openRaw(port, `${home}ws`, auth)
    const next = ws.next()
    ws.socket.write(frame(0x1, JSON.stringify({ id: 3, command: 'runs.list', payload: { ['k'.repeat(15_000_000)]: 1 } })))
    const raw = await next
    expect(raw.length).toBeLessThan(1000)
    expect(JSON.parse(raw).error.code).toBe('INVALID_REQUEST')
    ws.socket.destroy()
    await stillServing()
  })
})

/** A contract client over the `ws` library, as the studio's page would be. */
async function contractClient() {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${home}ws`, { headers: { cookie: auth.Cookie, origin: auth.Origin } })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  let n = 0
  const waiting = new Map<number, (r: { ok: boolean; result?: unknown; error?: { code: string; message: string } }) => void>()
  ws.on('message', (d) => {
    const m = JSON.parse(String(d))
    if (typeof m.id === 'number') waiting.get(m.id)?.(m)
  })
  return {
    ws,
    call: (command: string, payload?: unknown) => new Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>((resolve) => {
      waiting.set(++n, resolve)
      ws.send(JSON.stringify({ id: n, command, payload }))
    }),
  }
}

describe('folder scans through serve', () => {
  it('a class folder linking to / and a diamond of links get an answer, and serve stays up', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cnn-attacks-links-'))
    mkdirSync(join(base, 'data', 'plain'), { recursive: true })
    for (let i = 0; i <= 24; i++) mkdirSync(join(base, 'levels', `d${i}`), { recursive: true })
    for (let i = 0; i < 24; i++) for (const l of ['a', 'b']) symlinkSync(join(base, 'levels', `d${i + 1}`), join(base, 'levels', `d${i}`, l))
    symlinkSync(join(base, 'levels', 'd0'), join(base, 'data', 'diamond'))
    const c = await contractClient()
    const r = await c.call('datasets.inspect', { dir: join(base, 'data') })
    expect(r.ok).toBe(true)
    expect((r.result as { skipped: unknown[] }).skipped).toHaveLength(24)
    symlinkSync('/', join(base, 'data', 'everything'))
    const slash = await c.call('datasets.inspect', { dir: join(base, 'data') })
    expect(slash.error).toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/a link to a large tree/) })
    c.ws.close()
    await stillServing()
  })

  it('another client is answered while a long scan runs', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cnn-attacks-wide-'))
    for (let i = 0; i < 90; i++) for (let j = 0; j < 100; j++) mkdirSync(join(root, `c${i % 2}`, `g${i}`, `f${j}`), { recursive: true })
    const [a, b] = [await contractClient(), await contractClient()]
    let scanDone = false
    const scan = a.call('datasets.inspect', { dir: root }).then((r) => {
      scanDone = true
      return r
    })
    let answeredDuring = 0
    while (!scanDone) {
      const r = await b.call('runs.list')
      expect(r.ok).toBe(true)
      if (!scanDone) answeredDuring++
    }
    expect((await scan).ok).toBe(true)
    expect(answeredDuring).toBeGreaterThan(0)
    a.ws.close()
    b.ws.close()
  })
})
