// The web host of `cnn-studio serve`, attacked the ways the issue lists, with real HTTP and WebSocket
// requests against a real server on 127.0.0.1: each is refused, and a good client gets the contract.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { startServer, type WebServer } from '../../../src-main/web/server.ts'
import { writeMnistFolder } from '../../fixtures/mnist.ts'
import { readFileSync } from 'node:fs'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
let server: WebServer, host: Host, dbFile: string, origin: string

beforeAll(async () => {
  const base = tmp('cnn-web-')
  const ui = join(base, 'ui')
  mkdirSync(join(ui, 'assets'), { recursive: true })
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>studio</title>')
  writeFileSync(join(ui, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(base, 'secret.txt'), 'TOP SECRET')
  symlinkSync(join(base, 'secret.txt'), join(ui, 'assets', 'link.txt'))
  dbFile = join(base, 'web.db')
  host = createHost({ dbPath: dbFile, cacheDir: join(base, 'cache') })
  server = await startServer({ host, staticDir: ui, port: 0, token: 'test-token-0123456789' })
  origin = `http://127.0.0.1:${server.port}`
})
afterAll(async () => {
  await server.close()
  host.close()
})

/** A raw request, so paths reach the server exactly as written (no client-side normalisation). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}
const cookie = () => ({ cookie: `${server.cookieName}=test-token-0123456789` })
const at = (path: string) => server.home + path.slice(1)

describe('HTTP', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s-[\w-]{22}\/\?token=test-token-0123456789$/)
  })

  it('refuses no token and a wrong token with 401 and nothing but the login error', async () => {
    for (const [path, h] of [['/', {}], ['/assets/app.js', {}], ['/?token=wrong', {}], ['/', { cookie: `${server.cookieName}=wrong` }], ['/', { cookie: 'cnn_studio_token=test-token-0123456789' }]] as const) {
      const r = await get(at(path), h)
      expect(r.status).toBe(401)
      expect(r.body).toMatch(/needs the link with the secret token/)
      expect(r.body).not.toContain('<title>studio</title>')
    }
  })

  it('trades the URL token for an HttpOnly SameSite=Strict cookie named for the port and scoped to the studio\'s path, then serves the UI with security headers', async () => {
    const r = await get(at('/?token=test-token-0123456789'))
    expect(r.status).toBe(303)
    expect(r.headers['location']).toBe(server.home)
    expect(String(r.headers['set-cookie'])).toBe(`cnn_studio_token_${server.port}=test-token-0123456789; HttpOnly; SameSite=Strict; Path=${server.home}`)
    expect((await get('/?token=test-token-0123456789')).headers['location']).toBe(server.home) // the bare origin too
    expect((await get(server.home.slice(0, -1), cookie())).headers['location']).toBe(server.home)
    expect((await get('/', cookie())).status).toBe(404) // nothing lives outside the studio's path
    const page = await get(at('/'), cookie())
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>studio</title>')
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect((await get(at('/assets/app.js'), cookie())).status).toBe(200)
  })

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%5csecret.txt', '/%00', '/%E0%A4%A', '/assets/link.txt', `/${'x'.repeat(10)}/../../secret.txt`])('never serves a file outside the UI: %s', async (path) => {
    const r = await get(at(path), cookie())
    expect([400, 404]).toContain(r.status)
    expect(r.body).not.toContain('TOP SECRET')
  })
})

function open(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${server.home}ws`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

function client(ws: WebSocket) {
  let id = 0
  const events: unknown[] = []
  const waiting = new Map<number, (v: { ok: boolean; result?: unknown; error?: { code: string; message: string } }) => void>()
  ws.on('message', (d) => {
    const m = JSON.parse(String(d))
    if (m.event) events.push(m.event)
    else waiting.get(m.id)?.(m)
  })
  return {
    events,
    call: (command: string, payload?: unknown) => new Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>((resolve) => {
      const n = ++id
      waiting.set(n, resolve)
      ws.send(JSON.stringify({ id: n, command, payload }))
    }),
  }
}

describe('WebSocket', () => {
  it('refuses a missing token (401) and a foreign Origin (403)', async () => {
    await expect(open({ origin })).rejects.toThrow('HTTP 401')
    await expect(open({ ...cookie(), origin: 'http://evil.example' })).rejects.toThrow('HTTP 403')
    await expect(open({ ...cookie() })).rejects.toThrow('HTTP 403') // no Origin at all
  })

  it('refuses invalid requests with {code, message} and writes nothing', async () => {
    const ws = await open({ ...cookie(), origin })
    const c = client(ws)
    const lenet = JSON.parse(readFileSync(new URL('../../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8'))
    for (const settings of [{ lr: -1 }, { batchSize: 0 }, { epochs: 1e9 }, { epochs: 'ten' }]) {
      const r = await c.call('runs.start', { model: lenet, datasetDir: '/nowhere', settings })
      expect(r.ok).toBe(false)
      expect(r.error!.code).toBe('INVALID_REQUEST')
      expect(r.error!.message).toMatch(/^runs\.start: settings\./)
    }
    expect((await c.call('runs.start', { model: { format: 'x' }, datasetDir: '/x' })).error!.code).toBe('INVALID_REQUEST')
    expect((await c.call('no.such.command')).error!.code).toBe('UNKNOWN_COMMAND')
    expect((await c.call('runs.get', { runId: 'r_nothere' })).error!.code).toBe('NOT_FOUND')
    expect((await c.call('runs.list')).result).toEqual([])
    const bad = { format: 'cnn-studio.graph', version: 1, nodes: [{ id: 'in', type: 'input', attrs: { height: 7, width: 7, channels: 1 } }, { id: 'p', type: 'maxpool2d', attrs: { size: 3 } }], edges: [['in', 'p']] }
    const a = (await c.call('models.analyze', { model: bad })).result as { issues: { code: string; message: string }[] }
    expect(a.issues[0].code).toBe('STRIDE_REMAINDER')
    expect(a.issues[0].message).toContain('(7 - 3) / 3 + 1 = 2.33')
    expect((await c.call('settings.defaults')).result).toMatchObject({ epochs: 10, batchSize: 32, optimizer: 'adam', lr: 0.001, valSplit: 0.2, seed: 1 })
    ws.close()
  })

  it('two clients watching the same run get the same events', async () => {
    const digits = await writeMnistFolder(tmp('cnn-web-digits-'), 20)
    const [a, b] = [client(await open({ ...cookie(), origin })), client(await open({ ...cookie(), origin }))]
    const lenet = JSON.parse(readFileSync(new URL('../../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8'))
    const r = await a.call('runs.start', { model: lenet, datasetDir: digits, settings: { epochs: 2, batchSize: 8 } })
    expect(r.ok).toBe(true)
    await host.service.whenIdle()
    await new Promise((res) => setTimeout(res, 200)) // let the last frames arrive
    expect(a.events.length).toBeGreaterThan(3)
    expect(b.events).toEqual(a.events)
    expect(a.events.at(-1)).toMatchObject({ type: 'status', status: 'completed' })
    const runs = (await b.call('runs.list')).result as { runId: string }[]
    expect(runs.map((x) => x.runId)).toEqual([(r.result as { runId: string }).runId])
  })
})
