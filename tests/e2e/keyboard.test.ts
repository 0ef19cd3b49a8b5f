// A model built by keyboard alone (issue 18, scope 6), through `cnn-studio serve` in Debian's Chromium: from a
// new blank model, layers added with the palette (`/`, a name, Enter), a skip closed into an add with the
// connect picker (Shift+C), an edge selected with E and deleted, undone, and a refused edge that says why;
// the analysis has no errors at the end. No mouse: page.keyboard only. Also the first start's welcome (scope
// 10), and axe-core on the designer with the welcome and with the connect picker open, in both themes.
// Screenshots go to tests/.tmp/keys/.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { serveAndLaunch, closeAll, openPage } from '../helpers/browser.ts'

const shots = new URL('../.tmp/keys/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-keys-'))
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
let browser: Browser, child: ChildProcess, url: string

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ url, child, browser } = await serveAndLaunch(join(tmp, 'keys.db')))
})
afterAll(() => closeAll(browser, child))

// The studio's CSP allows no inline script: the page lets axe-core in (bypassCSP), nothing else changes.
const open = () => openPage(browser, url, { bypassCSP: true, console: true, acceptDialogs: true })
const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) })
const setTheme = (page: Page, theme: 'light' | 'dark') => page.evaluate((t) => { document.documentElement.dataset.theme = t }, theme)
const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '')
const edge = (page: Page, from: string, to: string) => page.locator(`[data-testid=canvas] .vue-flow__edge[data-id="${from}->${to}"]`)

/** axe-core's WCAG 2 A and AA rules on the page as it is; the violations as `rule (impact): targets`. */
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  await page.waitForTimeout(350) // let transitions settle: axe reads computed colours
  return page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
      .axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 6).map((n) => n.target.join(' ')).join(' | ')}`)
  })
}

/** `/`, the layer's name, Enter: the palette's top match appended after the selected block; Escape leaves the field. */
async function addLayer(page: Page, query: string, id: string): Promise<void> {
  await page.keyboard.press('/')
  await expect.poll(() => focusedTestId(page)).toBe('palette-search')
  await page.keyboard.type(query)
  await page.keyboard.press('Enter')
  await page.getByTestId(`node-${id}`).waitFor({ timeout: 30_000 })
  await page.keyboard.press('Escape')
  await expect.poll(() => focusedTestId(page)).not.toBe('palette-search')
}

describe('the designer by keyboard', () => {
  it('a first start says what to do next: train the sample, or bring a folder', async () => {
    const { page, errors } = await open()
    await page.getByTestId('node-c1').waitFor({ timeout: 60_000 })
    const hint = page.getByTestId('first-start')
    await hint.waitFor({ timeout: 30_000 })
    expect(await hint.innerText()).toMatch(/This is the sample/)
    expect(await page.getByTestId('first-start-train').innerText()).toBe('Train the sample')
    expect(await page.getByTestId('first-start-data').innerText()).toBe('Bring your folder')
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme)
      await shot(page, `first-start-${theme}`)
      expect(await axe(page), theme).toEqual([])
    }
    await setTheme(page, 'light')
    // "Bring your folder" opens Data with its path field focused (keyboard: Tab to it, Enter)
    await page.getByTestId('first-start-data').focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('screen-data').waitFor({ timeout: 30_000 })
    await expect.poll(() => focusedTestId(page), { timeout: 30_000 }).toBe('data-path')
    expect(errors).toEqual([])
    await page.close()

    // "Train the sample": one press starts a run of the sample, followed on the Train screen
    const second = await open()
    await second.page.getByTestId('first-start-train').waitFor({ timeout: 60_000 })
    await second.page.getByTestId('first-start-train').focus()
    await second.page.keyboard.press('Enter')
    await second.page.getByTestId('screen-train').waitFor({ timeout: 60_000 })
    const progress = second.page.getByTestId('train-progress')
    await expect.poll(() => progress.getAttribute('data-run'), { timeout: 120_000 }).toBeTruthy()
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 120_000 }).toMatch(/running|completed/)
    expect(second.errors).toEqual([])
    await second.page.close()
  })

  it('builds a model with an add skip from a blank one, no mouse, and the analysis finds no errors', async () => {
    const { page, errors } = await open()
    await page.getByTestId('node-c1').waitFor({ timeout: 60_000 })
    await page.keyboard.press('Control+n')
    await page.getByTestId('node-c1').waitFor({ state: 'detached', timeout: 30_000 })
    expect(await page.getByTestId('first-start').count()).toBe(0) // the welcome was about the sample

    await addLayer(page, 'conv', 'conv1')
    await addLayer(page, 'relu', 'relu1')
    await addLayer(page, 'conv', 'conv2')
    await addLayer(page, 'add', 'add1')
    expect(await edge(page, 'conv2', 'add1').count()).toBe(1)

    // the skip: add1 is selected; Shift+C asks which block feeds it; relu1, Enter
    await page.keyboard.press('Shift+C')
    const picker = page.getByTestId('connect-picker')
    await picker.waitFor({ timeout: 30_000 })
    await expect.poll(() => focusedTestId(page)).toBe('connect-search')
    expect(await picker.getByRole('heading').innerText()).toBe('Connect … into add1')
    await shot(page, 'connect-into-light')
    await page.keyboard.type('relu1')
    await page.keyboard.press('Enter')
    await picker.waitFor({ state: 'detached', timeout: 30_000 })
    await edge(page, 'relu1', 'add1').waitFor({ state: 'attached', timeout: 30_000 })
    expect(await page.getByTestId('notice').innerText()).toMatch(/Connected relu1 -> add1/) // said aloud (role=status)

    // C from add1 towards conv1 would make a loop: the picker says so and draws nothing
    await page.keyboard.press('c')
    await picker.waitFor({ timeout: 30_000 })
    expect(await picker.getByRole('heading').innerText()).toBe('Connect add1 to…')
    expect(await picker.getByTestId('connect-none').innerText()).toMatch(/No block can take an edge from add1 yet/)
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme)
      await shot(page, `connect-picker-${theme}`)
      expect(await axe(page), `${theme}, the connect picker open`).toEqual([])
    }
    await setTheme(page, 'light')
    await page.keyboard.type('conv1')
    await page.keyboard.press('ArrowDown') // onto the list: arrows move, Enter picks
    await expect.poll(() => focusedTestId(page)).toBe('connect-to-conv1')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('connect-refused').innerText()).toMatch(/would make a loop/)
    await shot(page, 'connect-refused-light')
    expect(await edge(page, 'add1', 'conv1').count()).toBe(0)
    await page.keyboard.press('Escape')
    await picker.waitFor({ state: 'detached', timeout: 30_000 })
    expect(await page.getByTestId('notice').count()).toBe(0) // the reason was said in the picker, no toast left behind

    // Shift+E from add1: the last edge into it (conv2 -> add1), again: the one before (the skip); Delete removes
    // it, Ctrl+Z brings it back
    await page.keyboard.press('Shift+E')
    await expect.poll(() => edge(page, 'conv2', 'add1').getAttribute('class')).toMatch(/selected/)
    await page.keyboard.press('Shift+E')
    await expect.poll(() => edge(page, 'relu1', 'add1').getAttribute('class')).toMatch(/selected/)
    expect(await edge(page, 'conv2', 'add1').getAttribute('class')).not.toMatch(/selected/)
    await page.keyboard.press('Delete')
    await edge(page, 'relu1', 'add1').waitFor({ state: 'detached', timeout: 30_000 })
    expect(await page.getByTestId('node-add1').count()).toBe(1)
    await page.keyboard.press('Control+z')
    await edge(page, 'relu1', 'add1').waitFor({ state: 'attached', timeout: 30_000 })
    // each edge is named for what it joins and carries
    expect(await edge(page, 'relu1', 'add1').getAttribute('aria-label')).toMatch(/^Edge from relu1 to add1, carries \d+x\d+x\d+$/)

    // with nothing selected (Escape), the palette appends after the last block, add1
    await page.keyboard.press('Escape')
    await addLayer(page, 'gap', 'gap1')
    await addLayer(page, 'dense', 'fc1')
    await addLayer(page, 'softmax', 'out1')
    for (const [a, b] of [['in', 'conv1'], ['conv1', 'relu1'], ['relu1', 'conv2'], ['conv2', 'add1'], ['relu1', 'add1'], ['add1', 'gap1'], ['gap1', 'fc1'], ['fc1', 'out1']]) {
      expect(await edge(page, a, b).count(), `${a} -> ${b}`).toBe(1)
    }
    await expect.poll(() => page.getByTestId('design-totals').innerText()).toMatch(/no issues/)
    expect(await page.getByTestId('design-errors').count()).toBe(0)
    await shot(page, 'built-by-keyboard')

    // the ? sheet lists the new keys, from the same registry the key listener reads
    await page.keyboard.press('?')
    const sheet = page.getByTestId('help-sheet')
    await sheet.waitFor({ timeout: 30_000 })
    for (const [id, keys] of [['connect', 'C'], ['connect-into', 'Shift+C'], ['next-edge', 'E'], ['previous-edge', 'Shift+E']]) {
      expect(await sheet.locator(`[data-action="${id}"] kbd`).innerText(), id).toBe(keys)
    }
    await shot(page, 'help-sheet-light')
    await page.keyboard.press('Escape')
    await sheet.waitFor({ state: 'detached', timeout: 30_000 })
    expect(errors).toEqual([])
    await page.close()
  })
})
