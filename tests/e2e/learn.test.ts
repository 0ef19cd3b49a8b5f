// Learn end to end through `cnn-studio serve` in Chromium: from the designer's inspector ("See it work") to
// the sample's first conv on one of its images, stepped; a weight's gradient as its terms beside the
// engine's; a unit clicked and its receptive-field box drawn on the picture; the playground's course
// example and a bad grid named beside its field. Screenshots in light and dark go to tests/.tmp/learn/.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { serveAndLaunch, closeAll, openPage } from '../helpers/browser.ts'

const shots = new URL('../.tmp/learn/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-learn-'))
let browser: Browser, child: ChildProcess, url: string

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ url, child, browser } = await serveAndLaunch(join(tmp, 'e2e.db')))
})
afterAll(() => closeAll(browser, child))

const open = () => openPage(browser, url, { console: true })
const shot = async (page: Page, name: string) => {
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => { document.documentElement.dataset.theme = t }, theme)
    await page.screenshot({ path: join(shots, `${name}-${theme}.png`), fullPage: false })
  }
  await page.evaluate(() => { document.documentElement.dataset.theme = 'light' })
}

describe('Learn', () => {
  it("steps the sample's first conv on one of its images, shows a weight's terms and a unit's receptive field", async () => {
    const { page, errors } = await open()
    await page.getByTestId('node-c1').waitFor()
    await page.getByTestId('node-c1').click()
    await page.getByTestId('see-it-work').click()
    await page.getByTestId('learn-screen').waitFor()
    await page.getByTestId('window-math').waitFor({ timeout: 60_000 })
    // the window's value is the engine's: "... = v → ReLU → r (the engine: r)"
    const total = await page.getByTestId('window-total').innerText()
    expect(total).toMatch(/bias .* = .*ReLU .*the engine: /)
    const before = await page.locator('[data-testid=learn-output] .pending').count()
    await page.getByTestId('learn-step').click()
    await page.getByTestId('learn-step').click()
    expect(await page.locator('[data-testid=learn-output] .pending').count()).toBe(before - 2)
    expect(await page.locator('[data-testid=learn-output] .now').getAttribute('data-rc')).toBe('0,2')
    // a weight's gradient as its sum of terms, beside the engine's
    await page.getByTestId('weight-1-1-1').click()
    await page.getByTestId('weight-terms').waitFor()
    expect(await page.getByTestId('weight-sum').innerText()).toMatch(/they agree/)
    expect(await page.locator('[data-testid=learn-input] .term').count()).toBeGreaterThan(100)
    await shot(page, 'conv-step-terms')
    // click a unit: its box on the picture
    await page.locator('[data-testid=learn-output] [data-rc="10,20"]').click()
    await page.waitForFunction(() => /c1 \(10, 20\)/.test(document.querySelector('[data-testid=rf-text]')?.textContent ?? ''))
    expect(await page.getByTestId('rf-text').innerText()).toMatch(/rows 9–11, columns 19–21 \(3×3 pixels\)/)
    await page.getByTestId('rf-box').scrollIntoViewIfNeeded()
    await shot(page, 'receptive-field')
    // what if c1 slid with stride 3 and no padding: its own input and filters give a 10x10 map, and the stride's
    // remainder leaves 2 rows and 2 columns that no window sees; the model itself is unchanged
    await page.getByTestId('learn-whatif-stride').fill('3')
    await page.getByTestId('learn-whatif-stride').press('Tab')
    await page.getByTestId('learn-whatif-padding').fill('0')
    await page.getByTestId('learn-whatif-padding').press('Tab')
    await expect.poll(() => page.locator('[data-testid=learn-output] .cell').count(), { timeout: 20_000 }).toBe(100)
    expect(await page.locator('.stage').innerText()).toMatch(/leaves 2 row\(s\) and 2 column\(s\)/)
    await shot(page, 'what-if-stride')
    await page.getByTestId('learn-whatif-reset').click()
    await expect.poll(() => page.locator('[data-testid=learn-output] .cell').count(), { timeout: 20_000 }).toBe(32 * 32)
    // a deeper block starts at its corner: its 8x8 field clipped at the image, the rest padding
    await page.getByTestId('learn-node').selectOption('c2')
    await page.waitForFunction(() => /c2 /.test(document.querySelector('[data-testid=rf-text]')?.textContent ?? ''), undefined, { timeout: 60_000 })
    expect(await page.getByTestId('rf-text').innerText()).toMatch(/c2 \(0, 0\): rows 0–4, columns 0–4 \(5×5 pixels, 39 cells of padding/)
    expect(errors).toEqual([])
  }, 180_000)

  it("the playground: the course's 5x5 example, the stride-2 gradient of w1, and a bad grid named beside its field", async () => {
    const { page, errors } = await open()
    await page.getByTestId('nav-learn').click()
    await page.getByTestId('learn-playground').click()
    const out = await page.locator('[data-testid=learn-output] .cell').allInnerTexts()
    expect(out).toEqual(['4', '3', '4', '2', '4', '3', '2', '3', '4'])
    await page.getByTestId('learn-play').click()
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=learn-output] .pending').length === 0, undefined, { timeout: 20_000 })
    await shot(page, 'playground-5x5')
    await page.getByTestId('learn-preset').selectOption('stride-2-grad')
    await page.getByTestId('weight-0-0-0').click()
    const terms = await page.locator('[data-testid=weight-terms] li').allInnerTexts()
    expect(terms.map((t) => t.split(' ×')[0])).toEqual(['x(0,0)', 'x(0,2)', 'x(2,0)', 'x(2,2)'])
    expect(await page.getByTestId('weight-sum').innerText()).toMatch(/sum = 22\.75; the engine's gradient = 22\.75 ✓ they agree/)
    await shot(page, 'playground-gradient')
    await page.getByTestId('learn-preset').selectOption('two-filters')
    expect(await page.locator('[data-testid=learn-input] .pad').count()).toBe(24)
    await page.getByTestId('learn-field-image').fill('1 2; 3')
    expect(await page.getByTestId('learn-field-error').innerText()).toMatch(/row 2 has 1 numbers but row 1 has 2/)
    expect(errors).toEqual([])
  }, 120_000)
})
