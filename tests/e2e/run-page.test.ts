// End to end, as a user would: two runs of the sample trained through the CLI (one at a sane learning rate,
// one at lr 9), the studio in Chromium through `cnn-studio serve`. The run page has ONE confusion matrix, the
// best checkpoint's, whose cells open their gallery; a gallery image opens in Grad-CAM (with its colour
// scale) in one click and a feature map enlarges with its channel number; an export is downloaded; the run
// at lr 9 says it did not learn; the Runs table's columns are chosen and remembered. Screenshots of the run
// page and Runs at two sizes in both themes go to tests/.tmp/run-page/.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { serveAndLaunch, closeAll, openPage } from '../helpers/browser.ts'
import { cli } from '../helpers/cli.ts'

const shots = new URL('../.tmp/run-page/', import.meta.url).pathname
const SAMPLE = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const SHAPES = new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
const LONG = { timeout: 120_000 }
let browser: Browser, child: ChildProcess, url: string, good: string, bad: string
const work = mkdtempSync(join(tmpdir(), 'cnn-e2e-run-page-'))

function train(db: string, lr: string, epochs: string, name: string): string {
  const r = cli(['train', SHAPES, SAMPLE, '--epochs', epochs, '--batch-size', '16', '--lr', lr, '--name', name, '--db', db, '--json'], { env: { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') }, timeout: 600_000 })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout).runId
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(work, 'e2e.db')
  bad = train(db, '9', '2', 'shapes lr 9')
  good = train(db, '0.005', '4', 'shapes lr 0.005')
  ;({ url, child, browser } = await serveAndLaunch(db))
}, 900_000)
afterAll(() => closeAll(browser, child))

async function openRun(page: Page, runId: string): Promise<void> {
  await page.getByTestId('nav-runs').click()
  await page.locator(`[data-testid=runs-table] tbody tr[data-run="${runId}"]`).getByTestId('run-open').click()
  await page.getByTestId('run-page').waitFor(LONG)
}
/** The theme shown, read from the toggle (it offers the other one). */
const themeOf = async (page: Page) => ((await page.getByTestId('theme-toggle').getAttribute('title')) === 'Light theme' ? 'dark' : 'light')
async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByTestId('theme-toggle').waitFor(LONG)
  if ((await themeOf(page)) !== theme) await page.getByTestId('theme-toggle').click()
  await expect.poll(() => themeOf(page), LONG).toBe(theme)
}

describe('the run page', () => {
  it('has one confusion matrix, the best checkpoint\'s, whose cells open the gallery; an image opens in Grad-CAM; an export downloads', async () => {
    const { page, errors } = await openPage(browser, url, { viewport: { width: 1280, height: 1000 }, acceptDownloads: true })
    await openRun(page, good)
    const matrix = page.getByTestId('confusion-matrix')
    await matrix.waitFor(LONG)
    expect(await matrix.count()).toBe(1)
    expect(await page.getByTestId('evaluation-label').innerText()).toMatch(/^best checkpoint, epoch [1-4] · validation split$/)
    expect(await page.getByTestId('evaluation-summary').innerText()).toMatch(/72 images, epoch [1-4]: accuracy [\d.]+%/)
    // Settings under the Train form's labels.
    const settings = await page.getByTestId('run-settings').innerText()
    expect(settings).toMatch(/Batch size/)
    expect(settings).not.toMatch(/batchSize|valSplit/)

    // Every cell with images opens their gallery.
    const cells = page.locator('[data-testid=confusion-matrix] td:not(.empty)')
    const n = await cells.count()
    expect(n).toBeGreaterThan(0)
    for (let i = 0; i < n; i++) {
      const inCell = Number(await cells.nth(i).locator('b').innerText())
      await cells.nth(i).click()
      await expect.poll(() => page.getByTestId('gallery-item').count(), LONG).toBe(inCell)
    }

    // A gallery image in Grad-CAM in one click, with its colour scale; a feature map enlarged.
    await page.getByTestId('gallery-gradcam').first().click()
    await page.getByTestId('gradcam').waitFor(LONG)
    await page.getByTestId('gradcam-scale').waitFor(LONG)
    await page.getByTestId('predict-top').waitFor(LONG)
    await page.getByTestId('feature-map').first().click({ position: { x: 3, y: 3 } })
    expect(await page.getByTestId('feature-zoom-label').innerText()).toMatch(/, channel 0$/)

    // The export downloads, named after the run; its sidecar follows.
    const download = page.waitForEvent('download', LONG)
    await page.getByTestId('export-button').click()
    const file = await download
    expect(file.suggestedFilename()).toBe('shapes-lr-0.005.onnx')
    const saved = join(work, file.suggestedFilename())
    await file.saveAs(saved)
    expect(readFileSync(saved).length).toBeGreaterThan(1000)
    await page.getByTestId('parity').waitFor(LONG)
    expect(await page.getByTestId('export-done').innerText()).toMatch(/Saved shapes-lr-0\.005\.onnx\s*shapes-lr-0\.005\.preprocessing\.json/)
    expect(await page.locator('body').innerText()).not.toMatch(/--out/)

    // Leaving the page and coming back: the same stored evaluation, shown at once.
    const before = await page.getByTestId('evaluation-summary').innerText()
    await page.getByTestId('back-to-runs').click()
    await openRun(page, good)
    await page.getByTestId('confusion-matrix').waitFor(LONG)
    expect(await page.getByTestId('evaluation-summary').innerText()).toBe(before)
    expect(errors).toEqual([])
  }, 600_000)

  it('a run at lr 9 says it did not learn, on its page and in Runs; Runs shows lr, epochs, seconds and durations, with columns remembered', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(url)
    await openRun(page, bad)
    expect(await page.getByTestId('run-verdict').innerText()).toMatch(/did not learn[\s\S]*within 5 points of chance[\s\S]*try a learning rate 10x smaller \(0\.9 instead of 9\)/)
    await page.getByTestId('back-to-runs').click()
    const row = page.locator(`[data-testid=runs-table] tbody tr[data-run="${bad}"]`)
    await row.waitFor(LONG)
    expect(await row.getByTestId('run-did-not-learn').count()).toBe(1)
    expect(await row.getByTestId('run-lr').innerText()).toBe('9')
    expect(await row.getByTestId('run-epochs').innerText()).toMatch(/^2\s*\/ 2$/)
    expect(await row.getByTestId('run-created').innerText()).toMatch(/\d:\d\d:\d\d/)
    expect(await row.getByTestId('run-duration').innerText()).toMatch(/^\d+:\d\d$/)
    expect(await page.locator('[data-testid=runs-table] thead').innerText()).toMatch(/Val acc \(last, ep (2|4)\)|Val acc \(last epoch\)/)
    // The best epoch's, from the toggle.
    await page.getByTestId('val-acc-from').selectOption('best')
    expect(await page.locator('[data-testid=runs-table] thead').innerText()).toMatch(/Val acc \(best/)
    // A column hidden stays hidden in a new page.
    await page.getByTestId('columns-button').click()
    await page.getByTestId('column-lr').uncheck()
    await expect.poll(() => row.getByTestId('run-lr').count(), LONG).toBe(0)
    const again = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await expect.poll(async () => {
      await again.goto(url)
      await again.getByTestId('nav-runs').click()
      await again.locator('[data-testid=runs-table] tbody tr').first().waitFor(LONG)
      return again.getByTestId('run-lr').count()
    }, LONG).toBe(0)
    await again.getByTestId('columns-button').click()
    await again.getByTestId('column-lr').check()
    await expect.poll(() => again.getByTestId('run-lr').count(), LONG).toBe(2)
    await again.close()
  }, 600_000)

  it('screenshots: the run page and Runs at 1280x800 and 1024x700, light and dark', async () => {
    for (const [w, h] of [[1280, 800], [1024, 700]] as const) {
      const page = await browser.newPage({ viewport: { width: w, height: h } })
      await page.goto(url)
      // The table as it first shows: every default column, the last epoch's accuracy.
      await page.getByTestId('nav-runs').click()
      await page.getByTestId('runs-table').waitFor(LONG)
      await page.getByTestId('val-acc-from').selectOption('last')
      if (!(await page.getByTestId('run-lr').count())) {
        await page.getByTestId('columns-button').click()
        await page.getByTestId('column-lr').check()
        await page.getByTestId('columns-button').click()
      }
      for (const theme of ['light', 'dark'] as const) {
        await setTheme(page, theme)
        await page.getByTestId('nav-runs').click()
        await page.getByTestId('runs-table').waitFor(LONG)
        await page.screenshot({ path: join(shots, `runs-${w}x${h}-${theme}.png`) })
        await openRun(page, good)
        await page.getByTestId('confusion-matrix').waitFor(LONG)
        await page.screenshot({ path: join(shots, `run-page-${w}x${h}-${theme}.png`) })
        // The page scrolls inside the app: one shot per part.
        await page.getByTestId('run-metrics').scrollIntoViewIfNeeded()
        await page.screenshot({ path: join(shots, `run-page-metrics-${w}x${h}-${theme}.png`) })
        await page.locator('[data-testid=confusion-matrix] td:not(.empty)').first().click()
        await page.getByTestId('gallery-item').first().waitFor(LONG)
        await page.getByTestId('run-confusion').scrollIntoViewIfNeeded()
        await page.screenshot({ path: join(shots, `run-page-matrix-${w}x${h}-${theme}.png`) })
        await page.getByTestId('gallery-maps').first().click()
        await page.getByTestId('feature-map').first().waitFor(LONG)
        await page.getByTestId('feature-map').first().click({ position: { x: 3, y: 3 } })
        await page.getByTestId('gradcam').scrollIntoViewIfNeeded()
        await page.screenshot({ path: join(shots, `run-page-inside-${w}x${h}-${theme}.png`) })
        await page.getByTestId('feature-zoom').scrollIntoViewIfNeeded()
        await page.screenshot({ path: join(shots, `run-page-export-${w}x${h}-${theme}.png`) })
        await openRun(page, bad)
        await page.getByTestId('run-verdict').waitFor(LONG)
        await page.screenshot({ path: join(shots, `run-page-did-not-learn-${w}x${h}-${theme}.png`) })
      }
      await page.close()
    }
  }, 600_000)
})
