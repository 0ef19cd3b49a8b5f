// End to end, as a user would: the sample trained briefly through the CLI, the run's page in Chromium via
// `cnn-studio serve`, its best checkpoint's stored evaluation, its checkpoint exported to ONNX from the page
// (downloaded), and the parity check shown there.
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { serveAndLaunch, closeAll, openPage } from '../helpers/browser.ts'
import { cli } from '../helpers/cli.ts'
import { fileStem } from '../../src-main/host/host.ts'

const shots = new URL('../.tmp/', import.meta.url).pathname
const SAMPLE = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const SHAPES = new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
let browser: Browser, child: ChildProcess, url: string, runId: string
const work = mkdtempSync(join(tmpdir(), 'cnn-e2e-insight-'))

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(work, 'e2e.db')
  const r = cli(['train', SHAPES, SAMPLE, '--epochs', '3', '--batch-size', '16', '--lr', '0.005', '--db', db, '--json'], { env: { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') } })
  expect(r.code, r.stderr).toBe(0)
  runId = JSON.parse(r.stdout).runId
  ;({ url, child, browser } = await serveAndLaunch(db))
})
afterAll(() => closeAll(browser, child))

describe('a run\'s insight in the studio', () => {
  it('evaluates, predicts a chosen image, exports to ONNX and shows the parity check', async () => {
    const { page, errors } = await openPage(browser, url, { viewport: { width: 1280, height: 1600 }, acceptDownloads: true })
    await page.getByTestId('nav-runs').click()
    await page.locator(`[data-testid=runs-table] tbody tr[data-run="${runId}"]`).getByTestId('run-open').click()
    await page.getByTestId('run-page').waitFor()
    await page.getByTestId('run-insight').waitFor()
    await page.getByTestId('confusion-matrix').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('evaluation-summary').innerText()).toMatch(/72 images, epoch \d: accuracy [\d.]+%/)
    // a cell with images (a briefly trained model may put a whole class elsewhere) opens their gallery
    const cell = page.locator('[data-testid=confusion-matrix] td:not(.empty)').first()
    const inCell = Number(await cell.locator('b').innerText())
    await cell.click()
    await expect.poll(() => page.getByTestId('gallery-item').count()).toBe(inCell)
    await page.getByTestId('predict-input').setInputFiles(join(SAMPLE, 'triangle', 'triangle-003.png'))
    await page.getByTestId('gradcam').waitFor()
    expect(await page.getByTestId('predict-top').innerText()).toMatch(/triangle|circle|square/)
    const out = join(work, 'export')
    mkdirSync(out)
    const downloads: Promise<void>[] = []
    page.on('download', (d) => downloads.push(d.saveAs(join(out, d.suggestedFilename()))))
    await page.getByTestId('export-button').click()
    const parity = page.getByTestId('parity')
    await parity.waitFor({ timeout: 120_000 })
    await expect.poll(() => downloads.length, { timeout: 60_000 }).toBe(2)
    await Promise.all(downloads)
    expect(await parity.innerText()).toMatch(/on 64 dataset images: predicted classes agree 100\.0%, largest probability difference \d\.\d\de-\d+ ✓/)
    const stem = fileStem(JSON.parse(cli(['runs', 'show', runId, '--json', '--db', join(work, 'e2e.db')]).stdout).name)
    expect(readdirSync(out).sort()).toEqual([`${stem}.onnx`, `${stem}.preprocessing.json`])
    await parity.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(shots, 'insight.png'), fullPage: true })
    expect(errors).toEqual([])
  })
})
