// Debian's Chromium driven by playwright-core (never a downloaded browser), with the flags this offline
// machine needs, and `cnn-studio serve` as a real child process.
import { spawn, type ChildProcess } from 'node:child_process'
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'
import { CLI_ARGS } from './cli.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function launch(): Promise<Browser> {
  // playwright gives every launch a fresh temporary profile of its own
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

/** Starts `cnn-studio serve --port 0 --db FILE` and resolves with the URL it prints. */
export function serve(db: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...CLI_ARGS, 'serve', '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = '', err = ''
    child.stdout!.on('data', (d) => {
      out += d
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\S*\?token=\S+/)
      if (m) resolve({ url: m[0], child })
    })
    child.stderr!.on('data', (d) => (err += d))
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
  })
}

/** `serve` on `db` and a browser, for a test file's beforeAll; `closeAll` in its afterAll stops both. */
export async function serveAndLaunch(db: string): Promise<{ url: string; child: ChildProcess; browser: Browser }> {
  const { url, child } = await serve(db)
  return { url, child, browser: await launch() }
}

export async function closeAll(browser: Browser | undefined, child: ChildProcess | undefined): Promise<void> {
  await browser?.close()
  child?.kill('SIGTERM')
}

/**
 * A new page at `target` whose page errors (and, with `console`, console errors) are collected, so a test can
 * end with `expect(errors).toEqual([])`; `acceptDialogs` answers yes to every confirm ("discard unsaved changes?").
 */
export async function openPage(browser: Browser, target: string, opts: BrowserContextOptions & { console?: boolean; acceptDialogs?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const { console: consoleErrors, acceptDialogs, ...options } = opts
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, ...options })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  if (consoleErrors) page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  if (acceptDialogs) page.on('dialog', (d) => void d.accept())
  await page.goto(target)
  return { page, errors }
}
