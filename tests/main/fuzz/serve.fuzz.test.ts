// Property: random request lines and random WebSocket frame bytes, sent over raw TCP to a real
// `cnn-studio serve` child process on 127.0.0.1, get an HTTP answer, a reply, a close, or nothing; the
// process stays up; a legitimate client is answered after each; the database passes integrity_check.
import type { ChildProcess } from 'node:child_process'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectServing, startStudio, type Studio } from '../../helpers/studio.ts'
import { exchange, openRaw } from '../../helpers/raw-socket.ts'
import { wireArbitraries } from './wire.ts'
import { count, report, runs } from './runs.ts'

let studio: Studio, child: ChildProcess, port: number, home: string, token: string, auth: Studio['auth'], db: string

beforeAll(async () => {
  studio = await startStudio('cnn-fuzz-serve-')
  ;({ child, port, home, token, auth, db } = studio)
}, 120_000)
afterAll(() => {
  child?.kill('SIGTERM')
  report('serve')
})

const stillServing = () => expectServing(studio)

const wire = wireArbitraries({ home: () => home, token: () => token, cookie: () => auth.Cookie, origin: () => auth.Origin })

describe('serve, fuzzed over raw sockets', () => {
  it('random request lines: an HTTP answer or a closed connection, and serve keeps answering', async () => {
    await fc.assert(fc.asyncProperty(wire.request, async (raw) => {
      const r = await exchange(port, raw)
      if (r) expect(r).toMatch(/^HTTP\/1\.1 \d{3} /)
      count(r ? `http ${r.slice(9, 12)}` : 'closed')
      await stillServing()
    }), runs(120))
  })

  it('random frames from a logged-in client: replies, a close, or nothing, and serve keeps answering', async () => {
    await fc.assert(fc.asyncProperty(wire.frames, async (bytes) => {
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
