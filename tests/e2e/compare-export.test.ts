// End to end (issue 22 scope 4): Compare's export, as a user takes it away: the CSV downloaded from the page
// holds one row per run with its metrics and the settings that differ (a run name with a comma and quotes
// quoted as RFC 4180 says), the Markdown the same table, and the charts come as one PNG. Screenshots of the
// export controls in both themes go to /work/shots when that folder exists, else to tests/.tmp/.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { closeAll, openPage, serveAndLaunch } from '../helpers/browser.ts'

const shots = existsSync('/work/shots') ? '/work/shots' : new URL('../.tmp/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-e2e-cmpx-'))
let browser: Browser, child: ChildProcess, url: string
const ids: string[] = []
const NAMES = ['lr 0.01, "base"', 'lr 0.001']

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(tmp, 'e2e.db')
  const store = new Store(db)
  const model = store.saveModel(parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8')))
  NAMES.forEach((name, r) => {
    const lr = r ? 0.001 : 0.01
    const id = store.createRun({ name, settings: { lr, epochs: 4, batchSize: 16 }, modelId: model.id, datasetId: null, splitSeed: 1 })
    store.setStatus(id, 'running')
    const accs = r ? [0.4, 0.6, 0.7, 0.75] : [0.5, 0.9, 0.8, 0.85] // the first run's best is epoch 2, not its last
    accs.forEach((acc, e) => store.recordEpoch(id, { epoch: e + 1, trainLoss: 1 - acc, trainAccuracy: acc, valLoss: 1.2 - acc, valAccuracy: acc, lr, seconds: 1, imagesPerSecond: 500 },
      Array.from({ length: 20 }, (_, s) => ({ step: s + 1, loss: 1 - acc + 0.01 * Math.sin(s), accuracy: acc })), new Uint8Array(8)))
    store.setStatus(id, 'completed', { final: { valAccuracy: accs.at(-1), valLoss: r ? 0.45 : 0.35 } })
    ids.push(id)
  })
  store.close()
  ;({ url, child, browser } = await serveAndLaunch(db))
})
afterAll(() => closeAll(browser, child))

async function download(page: Page, testId: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()])
  const file = join(tmp, d.suggestedFilename())
  await d.saveAs(file)
  return file
}

describe('Compare exports the comparison', () => {
  it('downloads the CSV and the Markdown table of the runs, and the charts as a PNG', async () => {
    const { page, errors } = await openPage(browser, url, { acceptDownloads: true })
    await page.evaluate((h) => (location.hash = h), `#/compare?runs=${ids.join(',')}`)
    await page.getByTestId('compare-export').waitFor()
    // the step chart's steps come after the rest (stores/compare.ts): the PNG is taken once they are drawn
    await page.locator('[data-testid=compare-curves] [data-metric=stepLoss] [data-testid=chart]:not([data-points="0"]) canvas').waitFor()

    const csvFile = await download(page, 'compare-export-csv')
    expect(csvFile.endsWith('comparison-2-runs.csv')).toBe(true)
    const csv = readFileSync(csvFile, 'utf8').replace(/^\uFEFF/, '') // the byte-order mark spreadsheets need
    const lines = csv.split('\r\n')
    expect(lines.at(-1)).toBe('')
    expect(lines[0]).toBe('run_id,name,status,model,val_accuracy,val_loss,test_accuracy,best_val_accuracy,best_epoch,epochs_trained,params,macs,lr')
    expect(lines[1]).toMatch(new RegExp(`^${ids[0]},"lr 0\\.01, ""base""",completed,[^,]+,0\\.85,0\\.35,,0\\.9,2,4,\\d+,\\d+,0\\.01$`))
    expect(lines[2]).toMatch(new RegExp(`^${ids[1]},lr 0\\.001,completed,[^,]+,0\\.75,0\\.45,,0\\.75,4,4,\\d+,\\d+,0\\.001$`))

    const md = readFileSync(await download(page, 'compare-export-md'), 'utf8').split('\n')
    expect(md[0]).toMatch(/^\| Run \| Name \|.*\| lr \|$/)
    expect(md[2]).toContain('| lr 0.01, "base" | completed |')
    expect(md[2]).toContain('| 85.00% | 0.3500 | – | 90.00% | 2 | 4 |')

    const pngFile = await download(page, 'compare-export-png')
    copyFileSync(pngFile, join(shots, 'cmpx-charts-export.png'))
    const png = readFileSync(pngFile)
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    const width = png.readUInt32BE(16), height = png.readUInt32BE(20)
    expect(width).toBeGreaterThan(800) // the grid of charts as wide as on the page, the legend above
    expect(height).toBeGreaterThan(600)
    expect(errors).toEqual([])

    for (const theme of ['light', 'dark'] as const) {
      if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByTestId('theme-toggle').click()
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
      await page.waitForTimeout(300)
      await page.screenshot({ path: join(shots, `cmpx-export-1280x800-${theme}.png`) })
    }
    await page.close()
  })
})
