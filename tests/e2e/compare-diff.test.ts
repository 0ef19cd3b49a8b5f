// End to end (issue 22 scope 1): two runs of the sample (one barely trained, one trained six epochs)
// compared in Chromium via `cnn-studio serve`; the "What changed" card diffs them on the validation split
// both hold out, a changed cell lists the images that moved in and out of it, and an image fixed by B opens
// in both runs side by side with each one's Grad-CAM. axe-core checks the card open in both themes, and the
// card is photographed at two sizes in both themes (tests/.tmp/diff/).
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { closeAll, serveAndLaunch } from '../helpers/browser.ts'
import { cli } from '../helpers/cli.ts'

const shots = new URL('../.tmp/diff/', import.meta.url).pathname
const SAMPLE = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const SHAPES = new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const work = mkdtempSync(join(tmpdir(), 'cnn-e2e-diff-'))
let browser: Browser, child: ChildProcess, url: string
const ids: string[] = []
let other = ''

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(work, 'e2e.db')
  const env = { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') }
  // A: one epoch at a tiny learning rate (near chance); B: six epochs that learn. Same folder and seed, so
  // the same validation split: B fixes many of A's mistakes.
  for (const [epochs, lr, name] of [['1', '0.00005', 'barely trained'], ['6', '0.005', 'trained']]) {
    const r = cli(['train', SHAPES, SAMPLE, '--epochs', epochs, '--batch-size', '16', '--lr', lr, '--name', name, '--db', db, '--json'], { env, timeout: 300_000 })
    expect(r.code, r.stderr).toBe(0)
    ids.push(JSON.parse(r.stdout).runId)
  }
  // C: split with another seed, so it shares no validation images with A.
  const c = cli(['train', SHAPES, SAMPLE, '--epochs', '1', '--batch-size', '16', '--lr', '0.005', '--seed', '2', '--name', 'other seed', '--db', db, '--json'], { env, timeout: 300_000 })
  expect(c.code, c.stderr).toBe(0)
  other = JSON.parse(c.stdout).runId
  ;({ url, child, browser } = await serveAndLaunch(db))
}, 600_000)
afterAll(() => closeAll(browser, child))

async function open(size = { width: 1280, height: 800 }, runs = ids, ready = 'diff-matrix'): Promise<{ page: Page; errors: string[] }> {
  // The studio's CSP allows no inline script: the page lets axe-core in, nothing else changes.
  const page = await browser.newPage({ viewport: size, bypassCSP: true })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  await page.goto(url)
  await page.evaluate((h) => { location.hash = h }, `#/compare?runs=${runs.join(',')}`)
  await page.getByTestId('compare-what-changed').scrollIntoViewIfNeeded()
  await page.getByTestId(ready).waitFor({ timeout: 120_000 })
  return { page, errors }
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByTestId('theme-toggle').click()
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
}

/** axe-core's WCAG 2 A and AA rules on the card; the violations as `rule (impact): targets`. */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  await page.waitForTimeout(350) // transitions settle: axe reads computed colours
  return page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Element, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
      .axe.run(document.querySelector('[data-testid=compare-what-changed]')!, { runOnly: ['wcag2a', 'wcag2aa'] })
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 6).map((n) => n.target.join(' ')).join(' | ')}`)
  })
}

describe('What changed, in Compare', () => {
  it('diffs the two runs, lists a changed cell\'s images, and opens a fixed-by-B image in both runs with their Grad-CAMs', async () => {
    const { page, errors } = await open()
    const summary = await page.getByTestId('diff-summary').innerText()
    expect(summary).toMatch(/^On the validation split both runs hold out of .*shapes \(seed 1, 20%\): 72 images\. Accuracy [\d.]+% in A, [\d.]+% in B; B fixed (\d+) and broke (\d+);/)
    const fixed = Number(summary.match(/B fixed (\d+)/)![1])
    expect(fixed).toBeGreaterThan(0)

    // A changed cell: its change is what came in minus what went out, and each list shows its images.
    const cellButton = page.getByTestId('diff-matrix').locator('td button').first()
    const delta = Number((await cellButton.locator('b').innerText()).replace('−', '-'))
    await cellButton.click()
    const panel = page.getByTestId('diff-cell-images')
    await panel.waitFor()
    const [inText, outText] = await panel.locator('h5').allInnerTexts()
    const entered = Number(inText.match(/\((\d+)\)/)![1]), left = Number(outText.match(/\((\d+)\)/)![1])
    expect(entered - left).toBe(delta)
    expect(await panel.getByTestId('diff-image').count()).toBe(entered + left)

    // Fixed by B: the tab counts them, and the first (B surest) opens in both runs.
    await page.getByTestId('diff-tab-fixed').click()
    expect(await page.getByTestId('diff-tab-fixed').innerText()).toBe(`Fixed by B (${fixed})`)
    const list = page.locator('#diff-tabpanel').getByTestId('diff-image')
    expect(await list.count()).toBe(fixed)
    const first = await list.first().innerText()
    const truth = first.match(/is (\w+)/)![1]
    expect(first).toMatch(new RegExp(`B: ${truth} `))
    await list.first().click()
    await page.getByTestId('diff-gradcam-a').waitFor({ timeout: 60_000 })
    await page.getByTestId('diff-gradcam-b').waitFor()
    // B's own look at the image predicts what the diff says it did: the true class first.
    expect(await page.getByTestId('diff-side-b').locator('li').first().innerText()).toMatch(new RegExp(`^${truth}`))
    expect(await page.getByTestId('diff-side-b').getByTestId('diff-gradcam-b').locator('figcaption').innerText()).toBe(`Grad-CAM of ${truth}`)

    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme)
      expect(await axe(page), theme).toEqual([])
    }
    expect(errors).toEqual([])
    await page.close()
  }, 300_000)

  it('asks for a test folder when the runs share no validation images, and diffs them on the folder given', async () => {
    const { page, errors } = await open(undefined, [ids[0], other], 'diff-error')
    expect(await page.getByTestId('diff-error').innerText()).toMatch(/not validated on the same images: they split it with different seeds \(1 and 2\).*pick a test folder both can read/)
    await page.getByTestId('compare-what-changed').evaluate((e) => e.scrollIntoView({ block: 'start' }))
    await page.screenshot({ path: join(shots, 'diff-refused-1280x800.png') })
    await page.getByTestId('diff-folder').fill(SAMPLE)
    await page.getByTestId('diff-folder-go').click()
    await page.getByTestId('diff-matrix').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('diff-summary').innerText()).toMatch(/^On the test folder .*shapes: 360 images\./)
    expect(await page.getByTestId('diff-error').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  }, 300_000)

  it('is photographed at 1280x800 and 1024x700, light and dark', async () => {
    for (const size of [{ width: 1280, height: 800 }, { width: 1024, height: 700 }]) {
      for (const theme of ['light', 'dark'] as const) {
        const { page } = await open(size)
        await setTheme(page, theme)
        const card = page.getByTestId('compare-what-changed')
        const name = `${size.width}x${size.height}-${theme}`
        // What the user sees with the card scrolled to the top of the screen (an element shot of a card taller
        // than the window would stitch the page's header into it).
        await card.evaluate((e) => e.scrollIntoView({ block: 'start' }))
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `diff-${name}.png`) })
        await card.locator('[data-testid=diff-matrix] td button').first().click()
        await page.getByTestId('diff-tab-fixed').click()
        await page.locator('#diff-tabpanel').getByTestId('diff-image').first().click()
        await page.getByTestId('diff-gradcam-b').waitFor({ timeout: 60_000 })
        await page.getByTestId('diff-cell-images').evaluate((e) => e.scrollIntoView({ block: 'start' }))
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `diff-open-${name}.png`) })
        await page.getByTestId('diff-side-by-side').evaluate((e) => e.scrollIntoView({ block: 'end' }))
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `diff-side-${name}.png`) })
        await page.close()
      }
    }
  }, 300_000)
})
