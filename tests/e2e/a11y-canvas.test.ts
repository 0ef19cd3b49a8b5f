// The canvas keeps the model in view, dialogs keep the keyboard, and every screen passes axe-core (WCAG 2 A and
// AA, contrast included) in both themes, through `cnn-studio serve` in Debian's Chromium. Two runs are trained
// first with the real CLI (one epoch of the sample; the second with a 40x40 input), so the run page and the
// compare screen show what a user sees: curves, a confusion matrix, an architecture diff.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { serveAndLaunch, closeAll } from '../helpers/browser.ts'
import { cli } from '../helpers/cli.ts'

const shots = new URL('../.tmp/a11y/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-a11y-'))
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const root = (p: string) => new URL(`../../${p}`, import.meta.url).pathname
let browser: Browser, child: ChildProcess, url: string
const runIds: string[] = []

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(tmp, 'a11y.db')
  const wide = JSON.parse(readFileSync(root('resources/templates/shapes-cnn.cnn.json'), 'utf8'))
  wide.nodes[0].attrs = { ...wide.nodes[0].attrs, height: 40, width: 40 }
  writeFileSync(join(tmp, 'shapes-40.cnn.json'), JSON.stringify(wide))
  for (const [model, name, lr] of [[root('resources/templates/shapes-cnn.cnn.json'), 'shapes 32px', '0.001'], [join(tmp, 'shapes-40.cnn.json'), 'shapes 40px', '0.003']]) {
    const r = cli(['train', model, root('resources/sample-dataset/shapes'), '--epochs', '1', '--lr', lr, '--workers', '1', '--name', name, '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    runIds.push((JSON.parse(r.stdout) as { runId: string }).runId)
  }
  ;({ url, child, browser } = await serveAndLaunch(db))
})
afterAll(() => closeAll(browser, child))

async function open(size = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  // The studio's CSP allows no inline script: the page lets axe-core in, nothing else changes.
  const page = await browser.newPage({ viewport: size, bypassCSP: true })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('dialog', (d) => void d.accept())
  await page.goto(url)
  await page.getByTestId('node-c1').waitFor()
  return { page, errors }
}
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`)
const go = (page: Page, hash: string) => page.evaluate((h) => { location.hash = h }, hash)

interface Rect { x: number; y: number; width: number; height: number }
const inside = (a: Rect, b: Rect) => a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
async function rects(l: Locator): Promise<Rect[]> {
  return l.evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height } }))
}
/** The cards of the designer's canvas, by node id. */
async function cards(page: Page): Promise<Map<string, Rect>> {
  const list = await page.locator('[data-testid=canvas] .vue-flow__node').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect()
    return [e.getAttribute('data-id')!, { x: r.x, y: r.y, width: r.width, height: r.height }] as [string, Rect]
  }))
  return new Map(list)
}
const canvasBox = async (page: Page) => (await page.getByTestId('canvas').locator('.vue-flow').boundingBox())!
const allInView = async (page: Page, ids?: string[]) => {
  const box = await canvasBox(page)
  const c = await cards(page)
  return (ids ?? [...c.keys()]).every((id) => c.has(id) && inside(c.get(id)!, box))
}
/** The minimap, when shown, covers no card. */
async function minimapClear(page: Page): Promise<boolean> {
  const mini = await rects(page.locator('[data-testid=canvas] .vue-flow__minimap'))
  if (!mini.length) return true
  return [...(await cards(page)).values()].every((c) => !overlap(c, mini[0]))
}
const zoomOf = (l: Locator) => l.locator('.vue-flow__transformationpane').first().evaluate((e) => new DOMMatrix(getComputedStyle(e).transform).a)

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByTestId('theme-toggle').click()
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
}

/** axe-core's WCAG 2 A and AA rules on the page as it is; the violations as `rule (impact): targets`. */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  // let transitions settle: axe reads computed colours
  await page.waitForTimeout(350)
  const r = await page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[]; failureSummary?: string }[] }[] }> } })
      .axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 6).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.split('\n').slice(1, 2).join('').trim()}]` : ''}`).join(' | ')}`)
  })
  return r
}

describe('the canvas keeps the model in view', () => {
  it('Fit shows every block; again, a readable zoom; an appended block and a summary pick come into view; a paste lands clear', async () => {
    const { page, errors } = await open()
    // Opens at a readable zoom (card text 11 px and up), the top of the 12-block sample.
    expect(await zoomOf(page.getByTestId('canvas'))).toBeGreaterThanOrEqual(1)
    const idSize = await node(page, 'c1').locator('.id').evaluate((e) => parseFloat(getComputedStyle(e).fontSize))
    expect(idSize).toBeGreaterThanOrEqual(11)
    expect(await allInView(page)).toBe(false)
    expect(await minimapClear(page)).toBe(true)
    await page.screenshot({ path: join(shots, 'canvas-open.png') })

    await page.getByTestId('zoom-fit').click()
    await expect.poll(() => allInView(page)).toBe(true)
    expect((await cards(page)).size).toBe(12)
    expect(await minimapClear(page)).toBe(true)
    await page.screenshot({ path: join(shots, 'canvas-fit.png') })
    // F again (the same action as the button): back to a readable zoom
    await page.keyboard.press('f')
    await expect.poll(() => zoomOf(page.getByTestId('canvas'))).toBeGreaterThanOrEqual(1)
    expect(await allInView(page)).toBe(false)

    // A block appended after the last one (search, Enter) is below the fold: the canvas brings it into view.
    expect(await allInView(page, ['out'])).toBe(false)
    await page.getByTestId('palette-search').fill('fc')
    await page.keyboard.press('Enter')
    await node(page, 'fc1').waitFor()
    await expect.poll(() => allInView(page, ['fc1'])).toBe(true)
    expect(await minimapClear(page)).toBe(true)
    await page.screenshot({ path: join(shots, 'canvas-appended.png') })

    // A row picked in the summary brings its block into view.
    await page.getByTestId('summary-toggle').click()
    await page.locator('[data-testid=summary-table] tbody tr').filter({ has: page.locator('td', { hasText: /^in$/ }) }).click()
    await expect.poll(() => allInView(page, ['in'])).toBe(true)
    // several selected: the summary adds up just those
    await node(page, 'c1').click()
    await node(page, 'in').click({ modifiers: ['Shift'] })
    await page.getByTestId('selection-totals').waitFor()
    expect(await page.getByTestId('selection-params').innerText()).toBe('448')

    // Copy c1 and paste it twice: the copies sit clear of every card, and in view.
    await node(page, 'c1').click()
    await page.keyboard.press('Control+c')
    await page.keyboard.press('Control+v')
    await page.keyboard.press('Control+v')
    await node(page, 'conv2').waitFor()
    await expect.poll(() => allInView(page, ['conv2'])).toBe(true)
    const c = await cards(page)
    for (const id of ['conv1', 'conv2']) for (const [other, r] of c) if (other !== id) expect(overlap(c.get(id)!, r), `${id} on ${other}`).toBe(false)
    expect(await minimapClear(page)).toBe(true)
    await page.screenshot({ path: join(shots, 'canvas-pasted.png') })

    // Selected, another screen, back to the designer (as "Show fc in the designer" does): it opens at the top,
    // then brings the selected block in. (The summary is still unfolded from above.)
    await page.locator('[data-testid=summary-table] tbody tr').filter({ has: page.locator('td', { hasText: /^out$/ }) }).click()
    await expect.poll(() => allInView(page, ['out'])).toBe(true)
    await page.getByTestId('nav-data').click()
    await page.getByTestId('screen-data').waitFor()
    await page.getByTestId('nav-design').click()
    await node(page, 'in').waitFor()
    await expect.poll(() => allInView(page, ['out'])).toBe(true)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('dialogs and shortcuts keep the keyboard', () => {
  async function trapped(page: Page, dialog: string): Promise<void> {
    const within = () => page.evaluate((d) => !!document.activeElement?.closest(`[data-testid=${d}]`), dialog)
    await expect.poll(within).toBe(true)
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press('Tab')
      expect(await within()).toBe(true)
    }
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Shift+Tab')
      expect(await within()).toBe(true)
    }
    await page.keyboard.press('Escape')
    await page.getByTestId(dialog).waitFor({ state: 'detached' })
  }
  const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))

  it('the help sheet and the template gallery take the focus, keep it, close on Escape and give it back', async () => {
    const { page, errors } = await open()
    await page.getByTestId('help-open').click()
    await trapped(page, 'help-sheet')
    expect(await focused(page)).toBe('help-open')
    await page.getByTestId('tb-templates').click()
    await trapped(page, 'template-gallery')
    expect(await focused(page)).toBe('tb-templates')
    // by key: ? opens the sheet, Escape closes it
    await page.keyboard.press('?')
    await page.getByTestId('help-sheet').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('help-sheet').waitFor({ state: 'detached' })
    expect(errors).toEqual([])
    await page.close()
  })

  it('Ctrl+I opens Data with the folder field focused', async () => {
    const { page } = await open()
    await page.keyboard.press('Control+i')
    await expect.poll(() => focused(page)).toBe('data-path')
    await page.close()
  })
})

describe('canvases on scrolling pages', () => {
  it('compare: no clipping at 1024 px; the wheel scrolls the page, Ctrl+wheel zooms the canvas; blocks only reshaped are told apart', async () => {
    const { page, errors } = await open({ width: 1024, height: 700 })
    await go(page, `#/compare?runs=${runIds.join(',')}`)
    const arch = page.getByTestId('arch-diff')
    await page.locator('[data-testid=screen-compare] h2', { hasText: 'Architecture' }).scrollIntoViewIfNeeded()
    await arch.getByTestId('model-canvas').nth(1).locator('.vue-flow__node').first().waitFor()
    // The 40x40 input is the one change; the rest is the same blocks on other shapes, not "changed".
    const statuses = await page.locator('[data-testid=arch-changes] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))
    expect(statuses.filter((s) => s === 'changed')).toHaveLength(1)
    expect(statuses).toContain('reshaped')
    // Nothing is wider than the page: every canvas and table of the diff inside its card.
    const screen = page.getByTestId('screen-compare')
    expect(await screen.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true)
    const card = (await rects(page.locator('section.card', { has: arch })))[0]
    for (const r of await rects(arch.locator('[data-testid=model-canvas], table'))) expect(inside(r, card)).toBe(true)

    const canvas = arch.getByTestId('model-canvas').first()
    await canvas.scrollIntoViewIfNeeded()
    const box = (await canvas.boundingBox())!
    const zoom0 = await zoomOf(canvas)
    const top0 = await screen.evaluate((e) => e.scrollTop)
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.wheel(0, 240)
    await expect.poll(() => screen.evaluate((e) => e.scrollTop)).toBeGreaterThan(top0)
    expect(await zoomOf(canvas)).toBe(zoom0)
    await canvas.scrollIntoViewIfNeeded()
    const after = (await canvas.boundingBox())!
    await page.mouse.move(after.x + after.width / 2, after.y + after.height / 2)
    const top1 = await screen.evaluate((e) => e.scrollTop)
    await page.keyboard.down('Control')
    await page.mouse.wheel(0, -240)
    await page.keyboard.up('Control')
    await expect.poll(() => zoomOf(canvas)).toBeGreaterThan(zoom0)
    expect(await screen.evaluate((e) => e.scrollTop)).toBe(top1)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('screenshots to look at', () => {
  it('designer and compare at 1280x800 and 1024x700, light and dark', async () => {
    for (const size of [{ width: 1280, height: 800 }, { width: 1024, height: 700 }]) {
      const { page } = await open(size)
      for (const theme of ['light', 'dark'] as const) {
        await setTheme(page, theme)
        await go(page, '#/design')
        await node(page, 'c1').waitFor()
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `design-${size.width}x${size.height}-${theme}.png`) })
        await go(page, `#/compare?runs=${runIds.join(',')}`)
        await page.getByTestId('screen-compare').locator('h2', { hasText: 'Curves' }).waitFor()
        await page.screenshot({ path: join(shots, `compare-${size.width}x${size.height}-${theme}.png`) })
        await page.locator('[data-testid=screen-compare] h2', { hasText: 'Architecture' }).scrollIntoViewIfNeeded()
        await page.getByTestId('arch-diff').getByTestId('model-canvas').nth(1).locator('.vue-flow__node').first().waitFor()
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `compare-arch-${size.width}x${size.height}-${theme}.png`) })
      }
      await page.close()
    }
  })
})

describe('axe-core on every screen', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`finds no WCAG 2 A/AA violation in the ${theme} theme`, async () => {
      const { page, errors } = await open()
      await setTheme(page, theme)
      const found: string[] = []
      const check = async (where: string) => found.push(...(await axe(page)).map((v) => `${where}: ${v}`))

      await check('design')
      await page.getByTestId('summary-toggle').click()
      await page.getByTestId('summary-table').waitFor()
      await node(page, 'c1').click()
      await check('design, summary open, c1 selected')
      await page.getByTestId('help-open').click()
      await check('help sheet')
      await page.keyboard.press('Escape')
      await page.getByTestId('tb-templates').click()
      await page.locator('[data-testid=template-gallery] .card').first().waitFor()
      await check('template gallery')
      await page.keyboard.press('Escape')

      await page.getByTestId('nav-data').click()
      await page.getByTestId('data-sample').click()
      await page.getByTestId('data-to-train').waitFor()
      await check('data, sample read')
      await page.getByTestId('nav-train').click()
      await page.getByTestId('screen-train').waitFor()
      await check('train')
      await page.getByTestId('nav-runs').click()
      await page.locator('[data-testid=runs-table] tbody tr').first().waitFor()
      await check('runs')
      await go(page, `#/runs?run=${runIds[0]}`)
      await page.getByTestId('model-canvas').locator('.vue-flow__node').first().waitFor()
      await check('run page')
      await go(page, `#/compare?runs=${runIds.join(',')}`)
      await page.locator('[data-testid=screen-compare] h2', { hasText: 'Architecture' }).scrollIntoViewIfNeeded()
      await page.getByTestId('arch-diff').getByTestId('model-canvas').nth(1).locator('.vue-flow__node').first().waitFor()
      await check('compare')
      await go(page, '#/learn')
      await page.locator('[data-testid=learn-output] .cell').first().waitFor()
      await check('learn')
      await page.screenshot({ path: join(shots, `axe-last-${theme}.png`) })
      expect(found).toEqual([])
      expect(errors).toEqual([])
      await page.close()
    })
  }
})
