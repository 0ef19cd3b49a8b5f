// The login cookie in Debian's Chromium (issue 12): two studios open in one browser keep their own logins,
// and a third, plain web server on another port of 127.0.0.1 that the browser visits receives no studio
// cookie (cookies ignore ports: only the cookie's path, known to the token's holder alone, keeps it home).
import { mkdtempSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { launch, serve } from '../helpers/browser.ts'
import { exchange, statusOf } from '../helpers/raw-socket.ts'

let browser: Browser
const studios: { url: string; child: ChildProcess; name: string }[] = []
let third: Server, thirdPort: number
const received: { path: string; cookie: string }[] = []

/** A database with one finished run of the given name, recorded as the training service records runs. */
function database(name: string): string {
  const db = join(mkdtempSync(join(tmpdir(), 'cnn-e2e-cookie-')), 'runs.db')
  const store = new Store(db)
  const model = store.saveModel(parseModelFile(readFileSync(new URL('../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8')))
  const id = store.createRun({ name, settings: { lr: 0.001 }, modelId: model.id, datasetId: null, splitSeed: 1 })
  store.setStatus(id, 'running')
  store.setStatus(id, 'completed', { final: { valAccuracy: 0.9 } })
  store.close()
  return db
}

beforeAll(async () => {
  for (const name of ['studio one', 'studio two']) studios.push({ ...(await serve(database(name))), name })
  // Any other local server: it logs the Cookie header of every request the browser sends it.
  third = createServer((req, res) => {
    received.push({ path: req.url ?? '', cookie: req.headers.cookie ?? '' })
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end('<!doctype html><title>another local server</title><img src="/pixel.png"><script src="/app.js"></script>')
  })
  await new Promise<void>((r) => third.listen(0, '127.0.0.1', () => r()))
  thirdPort = (third.address() as { port: number }).port
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
  for (const s of studios) s.child.kill('SIGTERM')
  await new Promise((r) => third?.close(r))
})

describe('the login cookie, in Chromium', () => {
  it('two studios stay logged in side by side, and a third server on another port gets no studio cookie', async () => {
    const context = await browser.newContext() // one cookie jar, as in one browser profile
    const pages = []
    for (const s of studios) {
      const page = await context.newPage()
      const log: string[] = []
      page.on('console', (m) => log.push(m.text()))
      page.on('pageerror', (e) => log.push(e.message))
      await page.goto(s.url)
      await page.getByTestId('nav-runs').click()
      await page.locator('[data-testid=runs-table] tbody tr').first().waitFor({ timeout: 90_000 }).catch(async (e) => {
        throw new Error(`${e.message}\nat ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 600)}\nconsole: ${log.join(' | ')}`)
      })
      expect(page.url()).not.toContain('token=')
      pages.push(page)
    }
    // Each studio set its own cookie, named for its port and scoped to its own path.
    const cookies = await context.cookies()
    for (const s of studios) {
      const u = new URL(s.url)
      expect(cookies).toContainEqual(expect.objectContaining({ name: `cnn_studio_token_${u.port}`, value: u.searchParams.get('token'), path: u.pathname, httpOnly: true, sameSite: 'Strict' }))
    }
    // Reloaded after the other studio logged in, each is still logged in and shows its own runs.
    for (const [i, page] of pages.entries()) {
      const res = await page.reload()
      expect(res!.status()).toBe(200)
      await page.getByTestId('nav-runs').click()
      const row = page.locator('[data-testid=runs-table] tbody tr').first()
      await row.waitFor({ timeout: 90_000 })
      expect(await row.innerText()).toContain(studios[i].name)
    }
    // The browser visits another local server, on pages and sub-resources of its own.
    const other = await context.newPage()
    for (const path of ['/', '/s-guess/', '/ws', '/index.html']) await other.goto(`http://127.0.0.1:${thirdPort}${path}`)
    await expect.poll(() => received.some((r) => r.path === '/app.js')).toBe(true)
    expect(received.length).toBeGreaterThanOrEqual(4)
    for (const r of received) expect(r.cookie).not.toMatch(/cnn_studio/)
    for (const s of studios) for (const r of received) expect(r.cookie).not.toContain(new URL(s.url).searchParams.get('token'))
    // And what it did receive opens neither studio.
    for (const s of studios) {
      const u = new URL(s.url)
      const cookie = received.map((r) => r.cookie).filter(Boolean).join('; ')
      const r = await exchange(Number(u.port), `GET ${u.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}\r\n`)
      expect(statusOf(r)).toBe(401)
    }
    await context.close()
  })
})
