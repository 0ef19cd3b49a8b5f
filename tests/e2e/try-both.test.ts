// Issue 20 end to end in Debian's Chromium through `cnn-studio serve`: a rewrite suggestion's "Try both"
// refuses with the reason while there is no dataset, then queues the design and its rewrite (not applied to
// the canvas) with the Train screen's settings, survives a reload while they train, and opens Compare on the
// two, whose architecture diff shows the rewrite. And Open takes an ONNX file (the studio's own export of a
// template, sent as bytes): the design opens with its layers and Train offers its weights; a file that is not
// ONNX is refused in one line.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { analyzeGraph, parseModelFile } from '../../src-engine/core/graph/index.ts'
import { buildOnnx } from '../../src-main/services/export/onnx.ts'
import { closeAll, openPage, serveAndLaunch } from '../helpers/browser.ts'
import { seededWeights } from '../main/import/seeded-weights.ts'

const shots = new URL('../.tmp/', import.meta.url).pathname
let browser: Browser, child: ChildProcess, url: string, tmp: string

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  tmp = mkdtempSync(join(tmpdir(), 'cnn-try-both-'))
  ;({ url, child, browser } = await serveAndLaunch(join(tmp, 'e2e.db')))
})
afterAll(() => closeAll(browser, child))

const open = () => openPage(browser, url, { console: true, acceptDialogs: true })

/** The page in the light theme and the dark one (tests/.tmp/NAME-light.png, -dark.png), switched as a user does. */
async function shoot(page: Page, name: string): Promise<void> {
  const toggle = () => page.evaluate(() => (document.querySelector('[data-testid=theme-toggle]') as HTMLButtonElement).click())
  for (const theme of ['light', 'dark'] as const) {
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await toggle()
    await page.waitForTimeout(100) // charts are drawn again for the theme: let a frame pass
    await page.screenshot({ path: join(shots, `${name}-${theme}.png`) })
  }
  await toggle()
}

describe('Try both', () => {
  it('refuses without a dataset, then queues the design and its rewrite, and opens Compare on the two', async () => {
    const { page, errors } = await open()
    await page.getByTestId('node-c2').waitFor()
    await page.getByTestId('first-start-dismiss').click()
    const nodes = await page.locator('.vue-flow__node').count()
    // Nothing selected: the suggestions for the whole model, the sample's 3x3 c2 offered a 1x1 bottleneck.
    const tryIt = page.getByTestId('try-both-bottleneck')
    await tryIt.click()
    expect(await page.getByTestId('try-both-refused').innerText()).toMatch(/^Nothing was queued: choose a dataset folder on the Data screen first/)

    // The sample folder, and the Train screen's settings made tiny: what Try both takes.
    await page.getByTestId('nav-data').click()
    await page.getByTestId('data-sample').click()
    await page.getByTestId('health-report').waitFor()
    await page.getByTestId('nav-train').click()
    await page.getByTestId('setting-epochs').fill('1')
    await page.getByTestId('nav-design').click()
    await page.getByTestId('rewrite-suggestions').waitFor()
    expect(await page.getByTestId('try-both-refused').count()).toBe(0) // said of the folder there was not
    await shoot(page, 'try-both-suggestions')
    await tryIt.click()
    const status = page.getByTestId('try-both-status')
    await status.waitFor()
    expect(await status.innerText()).toMatch(/Trying both: bottleneck c2/)
    const pair = { a: (await status.locator('.pair').getAttribute('data-a'))!, b: (await status.locator('.pair').getAttribute('data-b'))! }
    expect(await page.getByTestId('try-both-refused').count()).toBe(0)
    // The rewrite was not applied: the canvas has the blocks it had.
    expect(await page.locator('.vue-flow__node').count()).toBe(nodes)
    await shoot(page, 'try-both-queued')

    // A reload (while they train, unless a tiny run ended already): the pair is remembered in the prefs, written
    // before the button is free again (or gone, Compare open), and Compare opens when both have ended.
    await page.waitForFunction(() => !document.querySelector('[data-testid=try-both-bottleneck][disabled]'))
    await page.reload()
    await expect.poll(() => decodeURIComponent(page.url()), { timeout: 180_000, interval: 250 }).toMatch(new RegExp(`#/compare\\?runs=${pair.a},${pair.b}$`))
    // The architecture is drawn once it is scrolled into view.
    await page.locator('[data-testid=screen-compare] h2', { hasText: 'Architecture' }).scrollIntoViewIfNeeded()
    const diff = page.getByTestId('arch-changes')
    await diff.waitFor({ timeout: 60_000 })
    // The rewrite's two new blocks are in the diff (how it pairs the convs is the diff's business: c2 -> c2_1x1).
    const rows = (await diff.locator('tbody tr').allInnerTexts()).join('\n')
    expect(rows).toMatch(/\+\s+c2_1x1r\s+relu\s+added/)
    expect(rows).toMatch(/c2_1x1\s+conv2d/)
    expect(await diff.locator('tbody tr:not([data-status=same])').count()).toBeGreaterThanOrEqual(2)
    // Same settings, data and seed: no setting differs between the two runs.
    expect(await page.locator('[data-testid=compare-settings] tbody tr[data-setting]').count()).toBe(0)
    const names = await page.getByTestId('diff-a').locator('option').allInnerTexts()
    expect(names).toEqual(['Shapes CNN (sample)', 'Shapes CNN (sample) · bottleneck c2'])
    expect(await page.getByTestId('try-both-status').count()).toBe(0)
    await diff.scrollIntoViewIfNeeded()
    await shoot(page, 'try-both-compare')
    expect(errors).toEqual([])
  }, 300_000)
})

describe('Open an ONNX model', () => {
  it('opens the studio\'s own export of a template as a design; a file that is not ONNX is refused in one line', async () => {
    const model = parseModelFile(readFileSync(new URL('../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8'))
    const a = analyzeGraph(model, { forTraining: true })
    const [h, w] = a.nodes.find((n) => n.type === 'input')!.outputShape!
    const pre = { layout: 'NHWC' as const, height: h, width: w, channels: 1 as const, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0], std: [1], classes: [] }
    writeFileSync(join(tmp, 'lenet.onnx'), buildOnnx(model, seededWeights(model, 1), pre, { runId: 'r', epoch: 1, version: 't' }))
    writeFileSync(join(tmp, 'notes.onnx'), 'these are notes, not a network')
    const { page, errors } = await open()
    await page.getByTestId('toolbar').waitFor()
    const openFile = async (file: string) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('tb-open-model').click()])
      await chooser.setFiles(file)
    }
    await openFile(join(tmp, 'lenet.onnx'))
    await page.getByTestId('notice').locator('.text', { hasText: /^Imported lenet\.onnx: 13 layers\. Save it to keep it as a model file\. Train can start from its weights\./ }).waitFor()
    expect(await page.getByTestId('design-name').innerText()).toMatch(/^lenet/)
    for (const n of a.nodes) if (n.type !== 'dropout') await page.getByTestId(`node-${n.id}`).waitFor()
    expect(await page.getByTestId('design-totals').locator('span').first().getAttribute('title')).toBe(`${a.totals.params.toLocaleString('en-US')} parameters`)
    // As opening a file: the history starts at the import; the design is unsaved until saved as a model file.
    expect(await page.getByTestId('tb-undo').isDisabled()).toBe(true)
    await page.screenshot({ path: join(shots, 'onnx-opened.png') })

    await openFile(join(tmp, 'notes.onnx'))
    const refused = page.getByTestId('notice').locator('.text', { hasText: /^notes\.onnx could not be opened: notes\.onnx is not/ })
    await refused.waitFor()
    const notice = await refused.innerText()
    expect(notice.trim().split('\n')).toHaveLength(1)
    expect(await page.getByTestId('design-name').innerText()).toMatch(/^lenet/) // left as it was
    // Its weights are offered on the Train screen ("train from these weights"): the design is the imported network.
    await page.getByTestId('nav-train').click()
    expect(await page.getByTestId('train-init-weights').innerText()).toMatch(/Start from the weights imported with lenet\.onnx/)
    expect(await page.getByTestId('train-init-weights').locator('input').isChecked()).toBe(true)
    expect(errors).toEqual([])
  }, 120_000)
})

