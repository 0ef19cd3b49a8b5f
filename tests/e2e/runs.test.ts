// End to end, as a user would: `cnn-studio serve` prints a URL with a token, Chromium opens it, and the
// studio lists the runs recorded in the experiment database.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { serve, serveAndLaunch, closeAll } from '../helpers/browser.ts'
import type { ChildProcess } from 'node:child_process'

const shots = new URL('../.tmp/', import.meta.url).pathname
let browser: Browser, child: ChildProcess, url: string

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(mkdtempSync(join(tmpdir(), 'cnn-e2e-')), 'e2e.db')
  // Two finished runs, recorded through the store as the training service records them.
  const store = new Store(db)
  const model = store.saveModel(parseModelFile(readFileSync(new URL('../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8')))
  for (const [name, acc] of [['digits, lr 0.001', 0.954], ['digits, lr 0.003', 0.971]] as const) {
    const id = store.createRun({ name, settings: { lr: 0.001 }, modelId: model.id, datasetId: null, splitSeed: 1 })
    store.setStatus(id, 'running')
    store.setStatus(id, 'completed', { final: { valAccuracy: acc }, imagesPerSecond: 5000 })
  }
  store.close()
  ;({ url, child, browser } = await serveAndLaunch(db))
})
afterAll(() => closeAll(browser, child))

describe('the studio in Chromium through cnn-studio serve', () => {
  it('connects with the printed URL and lists the runs', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 600 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(url)
    await page.getByTestId('nav-runs').click()
    const rows = page.locator('[data-testid=runs-table] tbody tr')
    await rows.first().waitFor()
    expect(await rows.count()).toBe(2)
    expect(await rows.nth(0).innerText()).toMatch(/digits, lr 0\.003[\s\S]*completed[\s\S]*97\.1%/)
    expect(await rows.nth(1).innerText()).toMatch(/digits, lr 0\.001[\s\S]*95\.4%/)
    expect(page.url()).not.toContain('token=') // traded for a cookie
    await page.screenshot({ path: join(shots, 'runs.png') })
    expect(errors).toEqual([])
  })

  it('without the token shows only the login error', async () => {
    const page = await browser.newPage()
    const res = await page.goto(url.replace(/\?token=.*/, ''))
    expect(res!.status()).toBe(401)
    expect(await page.textContent('body')).toMatch(/secret token/)
  })
})

describe('a fresh install', () => {
  it('offers the sample, trains it live, and shows the result', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'cnn-e2e-fresh-')), 'fresh.db')
    const fresh = await serve(db)
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 600 } })
      await page.goto(fresh.url)
      await page.getByTestId('nav-runs').click()
      await page.getByTestId('train-sample').click()
      const row = page.locator('[data-testid=runs-table] tbody tr').first()
      await row.waitFor()
      await row.locator('[data-testid=run-status]', { hasText: 'completed' }).waitFor({ timeout: 60_000 })
      expect(await row.innerText()).toMatch(/Sample: shapes[\s\S]*completed[\s\S]*Shapes CNN/)
      await page.screenshot({ path: join(shots, 'sample-trained.png') })
    } finally {
      fresh.child.kill('SIGTERM')
    }
  })
})
