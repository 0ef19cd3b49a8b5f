// A census run by hand, not by `npm test`: N fuzz cases (the serve fuzz's arbitraries, fixed seed) sent
// one by one to a `cnn-studio serve`, counting the ones that end the process, restarting it after each,
// and printing them. Point it at another checkout's bin to measure a build before a fix:
//   node tests/main/fuzz/census.ts requests|frames N [path/to/bin/cnn-studio.mjs] > census.json
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { WebSocket } from 'ws'
import { BIN } from '../../helpers/cli.ts'
import { exchange, openRaw } from '../../helpers/raw-socket.ts'
import { SEED } from './runs.ts'
import { wireArbitraries } from './wire.ts'

const [kind, n = '200', bin = BIN] = process.argv.slice(2)
let child!: ChildProcess
let port = 0, home = '/', token = ''
// Both cookie names, so the census runs against builds before and after the per-port cookie.
const cookie = () => `cnn_studio_token_${port}=${token}; cnn_studio_token=${token}`
const origin = () => `http://127.0.0.1:${port}`

function start(): Promise<void> {
  const db = join(mkdtempSync(join(tmpdir(), 'cnn-census-')), 'census.db')
  child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'ignore'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\S*\?token=\S+/)
      if (!m) return
      const u = new URL(m[0])
      ;[port, home, token] = [Number(u.port), u.pathname, u.searchParams.get('token')!]
      resolve()
    })
    child.once('exit', () => reject(new Error('serve did not start')))
  })
}

/** True when serve answers a legitimate client; false when it has exited. */
function alive(): Promise<boolean> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(false)
    const onExit = () => resolve(false)
    child.once('exit', onExit)
    const ws = new WebSocket(`ws://127.0.0.1:${port}${home}ws`, { headers: { cookie: cookie(), origin: origin() } })
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, command: 'runs.list' })))
    ws.once('message', () => {
      child.off('exit', onExit)
      ws.close()
      resolve(true)
    })
    ws.once('error', () => setTimeout(() => resolve(child.exitCode === null && child.signalCode === null), 200))
  })
}

const wire = wireArbitraries({ home: () => home, token: () => token, cookie, origin })
await start()
const size = { seed: SEED, numRuns: Number(n) }
const cases: (string | Buffer)[] = kind === 'frames' ? fc.sample(wire.frames, size) : fc.sample(wire.request, size)
const crashes: string[] = []
for (const c of cases) {
  if (kind === 'frames') {
    const ws = await openRaw(port, `${home}ws`, { Cookie: cookie(), Origin: origin() }).catch(() => null)
    if (ws) {
      ws.socket.write(c)
      ws.socket.end()
      await Promise.race([ws.closed, new Promise((r) => child.once('exit', r))])
    }
  } else await exchange(port, c)
  if (!(await alive())) {
    crashes.push(Buffer.isBuffer(c) ? `base64:${c.toString('base64')}` : JSON.stringify(c))
    await start()
  }
}
child.kill('SIGTERM')
process.stdout.write(JSON.stringify({ kind, seed: SEED, cases: cases.length, crashes: crashes.length, inputs: crashes }, null, 2) + '\n')
