// A real `cnn-studio serve` child process for attack and fuzz tests: where it listens, its login, and the
// check that it is still up and answering a well-behaved client.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { WebSocket } from 'ws'
import { serve } from './browser.ts'

export interface Studio {
  child: ChildProcess
  db: string
  port: number
  /** The studio's path, `/s-<hash>/`. */
  home: string
  token: string
  /** The headers a logged-in page sends: its cookie and our Origin. */
  auth: { Cookie: string; Origin: string }
}

export async function startStudio(prefix: string): Promise<Studio> {
  const db = join(mkdtempSync(join(tmpdir(), prefix)), 'studio.db')
  const { child, url } = await serve(db)
  const u = new URL(url)
  const port = Number(u.port), token = u.searchParams.get('token')!
  return { child, db, port, home: u.pathname, token, auth: { Cookie: `cnn_studio_token_${port}=${token}`, Origin: `http://127.0.0.1:${port}` } }
}

/** The process is up and a well-behaved client gets its runs listed. */
export async function expectServing(s: Studio): Promise<void> {
  expect(s.child.exitCode, 'serve exited').toBeNull()
  const ws = new WebSocket(`ws://127.0.0.1:${s.port}${s.home}ws`, { headers: { cookie: s.auth.Cookie, origin: s.auth.Origin } })
  const reply = await new Promise<{ id: number; ok: boolean }>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ id: 7, command: 'runs.list' })))
    ws.once('message', (d) => resolve(JSON.parse(String(d))))
    ws.once('error', reject)
  })
  ws.close()
  expect(reply).toMatchObject({ id: 7, ok: true })
}
