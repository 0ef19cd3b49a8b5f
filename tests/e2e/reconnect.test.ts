// A page whose connection to `cnn-studio serve` drops (the server restarted, a laptop slept, a proxy timed
// out) loses the events sent meanwhile. The page says so, reopens the socket by itself and reads again what
// it shows: here a run paused by another page while this one heard nothing. Playwright sits on the page's
// socket (routeWebSocket) to swallow the server's messages and then to cut it, in Debian's Chromium.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page, WebSocketRoute } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { serveAndLaunch, closeAll, openPage } from '../helpers/browser.ts'

const shots = new URL('../.tmp/', import.meta.url).pathname
let browser: Browser, child: ChildProcess, url: string
const status = (page: Page) => page.getByTestId('train-progress').getAttribute('data-status')

/** The page at 1280x800 and 1024x700, light and dark (switched as a user does), into tests/.tmp/. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(shots, { recursive: true })
  const toggle = () => page.evaluate(() => (document.querySelector('[data-testid=theme-toggle]') as HTMLButtonElement).click())
  for (const theme of ['light', 'dark'] as const) {
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await toggle()
    for (const [width, height] of [[1280, 800], [1024, 700]]) {
      await page.setViewportSize({ width, height })
      await page.screenshot({ path: join(shots, `${name}-${theme}-${width}.png`) })
    }
  }
  await toggle()
}

beforeAll(async () => {
  ;({ url, child, browser } = await serveAndLaunch(join(mkdtempSync(join(tmpdir(), 'cnn-reconnect-')), 'r.db')))
})
afterAll(() => closeAll(browser, child))

describe('a page whose connection drops', () => {
  it('says so, reconnects by itself and catches up with what it missed', async () => {
    // page a's socket goes through the test: `swallow` drops what the server sends (the lost events),
    // `refuse` cuts every new socket at once (the server away)
    let swallow = false, refuse = false
    const sockets: WebSocketRoute[] = []
    const a = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors: string[] = []
    a.on('pageerror', (e) => errors.push(e.message))
    await a.routeWebSocket(/\/ws$/, (ws) => {
      if (refuse) return void ws.close({ code: 1011, reason: 'away' })
      sockets.push(ws)
      const server = ws.connectToServer()
      server.onMessage((m) => { if (!swallow) ws.send(m) })
    })
    await a.goto(url)
    const { page: b, errors: errorsB } = await openPage(browser, url)

    // b reads the sample and starts a run long enough to outlast the test; a follows it from the events
    await b.getByTestId('nav-data').click()
    await b.getByTestId('data-sample').click()
    await b.getByTestId('health-report').waitFor()
    await b.getByTestId('nav-train').click()
    await b.getByTestId('setting-epochs').fill('5000')
    await expect.poll(async () => {
      if (await b.getByTestId('fix-classes').count()) await b.getByTestId('fix-classes').click()
      return b.getByTestId('train-start').isEnabled()
    }, { timeout: 30_000 }).toBe(true)
    await b.getByTestId('train-start').click()
    await expect.poll(() => status(b), { timeout: 60_000 }).toBe('running')
    await a.getByTestId('nav-train').click()
    await expect.poll(() => status(a), { timeout: 60_000 }).toBe('running')

    // a hears nothing while b pauses the run: it still shows it running
    swallow = true
    await b.getByTestId('run-pause').click()
    await expect.poll(() => status(b), { timeout: 30_000 }).toBe('paused')
    await a.waitForTimeout(500)
    expect(await status(a)).toBe('running')

    // the socket is cut and the server stays away for a while: a says so
    refuse = true
    await sockets.at(-1)!.close({ code: 1001, reason: 'gone' })
    await a.getByTestId('connection-lost').waitFor({ timeout: 10_000 })
    expect(await a.getByTestId('connection-lost').innerText()).toMatch(/Lost the connection.*Reconnecting/s)
    // what could not reach the server is not offered meanwhile
    for (const id of ['run-pause', 'run-stop']) expect(await a.getByTestId(id).isDisabled(), id).toBe(true)
    await shoot(a, 'connection-lost')

    // the server is back: a reconnects by itself and shows the run as it is now, paused
    swallow = false
    refuse = false
    await expect.poll(() => status(a), { timeout: 30_000 }).toBe('paused')
    await a.getByTestId('connection-lost').waitFor({ state: 'detached', timeout: 10_000 })
    for (const id of ['run-resume', 'run-stop']) expect(await a.getByTestId(id).isEnabled(), id).toBe(true)
    await shoot(a, 'connection-back')
    // and follows the events again: b stops the run, a sees it
    await b.getByTestId('run-stop').click()
    await expect.poll(() => status(a), { timeout: 60_000 }).toBe('stopped')
    expect([...errors, ...errorsB]).toEqual([])
  })
})
