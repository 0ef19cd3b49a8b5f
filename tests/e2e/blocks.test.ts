// Blocks end to end, through `cnn-studio serve` in Debian's Chromium: two VGG stages on the canvas, the first
// stage's layers made a block with its width exposed and the second stage replaced too (one undo step); the
// width default changed once and both instances' output shapes follow, undone and redone by keyboard; the
// definition opened (breadcrumb, input pill, output marked) and a kernel changed: both instances change. Then
// the screenshots of the collapsed canvas, the Make block dialog and an opened definition, at two sizes and in
// both themes, each checked by axe-core.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { serveAndLaunch, closeAll } from '../helpers/browser.ts'

const shots = process.env.BUI_SHOTS ?? new URL('../.tmp/blocks/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-blocks-'))
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
let browser: Browser, child: ChildProcess, url: string

/** Two VGG stages of width 32, then a head: the second stage has the first's structure. */
function twoStages(): string {
  const stage = (k: number) => [
    { id: `b${k}c1`, type: 'conv2d', attrs: { filters: 32, kernel: 3, padding: 'same' } }, { id: `b${k}r1`, type: 'relu' },
    { id: `b${k}c2`, type: 'conv2d', attrs: { filters: 32, kernel: 3, padding: 'same' } }, { id: `b${k}r2`, type: 'relu' },
    { id: `b${k}p`, type: 'maxpool2d', attrs: { size: 2 } },
  ]
  const nodes = [{ id: 'in', type: 'input', attrs: { height: 32, width: 32, channels: 3 } }, ...stage(1), ...stage(2), { id: 'gap', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' }]
  const ids = nodes.map((n) => n.id)
  const file = join(tmp, 'two-stages.cnn.json')
  writeFileSync(file, JSON.stringify({
    format: 'cnn-studio.graph', version: 1, name: 'Two stages', nodes, edges: ids.slice(1).map((id, i) => [ids[i], id]),
    // the stages side by side, so the whole model fits the canvas at a clickable zoom
    layout: Object.fromEntries(ids.map((id, i) => [id, i === 0 ? { x: 130, y: 0 } : i <= 10 ? { x: i <= 5 ? 0 : 260, y: ((i - 1) % 5 + 1) * 130 } : { x: 520, y: (i - 10) * 130 }])),
  }))
  return file
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ url, child, browser } = await serveAndLaunch(join(tmp, 'e2e.db')))
})
afterAll(() => closeAll(browser, child))

async function open(size = { width: 1280, height: 800 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: size, bypassCSP: true })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('dialog', (d) => void d.accept())
  await page.goto(url)
  // a first start shows the sample; a later page reopens the design left before: either way, open ours
  await page.locator('[data-testid=canvas] .vue-flow__node').first().waitFor()
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('tb-open-model').click()])
  await chooser.setFiles(twoStages())
  await page.getByTestId('node-b2p').waitFor()
  await page.keyboard.press('f')
  await page.waitForTimeout(400)
  return { page, errors }
}
const node = (page: Page, id: string) => page.getByTestId(`node-${id}`)
const blocks = (page: Page) => page.locator('[data-testid=canvas] [data-type=block]')
const shapes = (page: Page) => blocks(page).locator('[data-testid=node-shape]').allInnerTexts()
const params = (page: Page) => blocks(page).locator('[data-testid=node-params]').allInnerTexts()

async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  await page.waitForTimeout(350)
  return page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } })
      .axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 6).map((n) => n.target.join(' ')).join(' | ')}`)
  })
}

/** Selects the first stage's five layers on the canvas and opens Make block with its width exposed. */
async function makeStageDialog(page: Page): Promise<void> {
  await node(page, 'b1c1').click()
  for (const id of ['b1r1', 'b1c2', 'b1r2', 'b1p']) await node(page, id).click({ modifiers: ['Shift'] })
  await page.keyboard.press('Control+g')
  await page.getByTestId('make-block-dialog').waitFor()
  await page.getByTestId('make-block-name').fill('stage')
  await page.locator('[data-testid=make-block-param-filters] input[type=checkbox]').check()
}

describe('blocks on the canvas', () => {
  it('make block with width exposed, the second stage too; one width changes both; a kernel in the definition changes both', async () => {
    const { page, errors } = await open()
    await page.getByTestId('summary-toggle').click()
    const total = await page.getByTestId('total-params').innerText()
    await page.keyboard.press('f')
    await page.waitForTimeout(400)
    await makeStageDialog(page)
    await expect.poll(() => page.getByTestId('make-block-elsewhere').innerText()).toMatch(/1 other place/)
    expect(await page.getByTestId('make-block-preview').innerText()).toMatch(/16x16x32/)
    await page.getByTestId('make-block-ok').click()
    await expect.poll(() => blocks(page).count()).toBe(2)
    expect(await shapes(page)).toEqual(['16x16x32', '8x8x32'])
    await expect(node(page, 'b1c1').count()).resolves.toBe(0)
    // the summary has one row per instance and the same totals
    expect(await page.getByTestId('total-params').innerText()).toBe(total)
    expect(await page.locator('[data-testid=summary-table] tbody tr:not([aria-hidden])').count()).toBe(6)

    // the width default, set once in the opened definition, reaches both instances
    await blocks(page).first().dblclick()
    await page.getByTestId('block-breadcrumb').waitFor()
    expect(await page.getByTestId('block-breadcrumb').innerText()).toMatch(/Two stages\s*›\s*stage\s*\(used by stage, stage2\)/)
    expect(await node(page, '$input').innerText()).toMatch(/block input\s*32x32x3/)
    expect(await page.getByTestId('block-output').count()).toBe(1)
    await page.locator('[data-testid=definition-inspector] [data-testid=attr-width] input').fill('48')
    await page.getByTestId('block-back').click()
    await page.getByTestId('block-breadcrumb').waitFor({ state: 'detached' })
    await expect.poll(() => shapes(page)).toEqual(['16x16x48', '8x8x48'])
    await page.keyboard.press('Control+z')
    await expect.poll(() => shapes(page)).toEqual(['16x16x32', '8x8x32'])
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => shapes(page)).toEqual(['16x16x48', '8x8x48'])

    // a kernel changed inside the definition changes both instances' parameters
    const before = await params(page)
    await blocks(page).nth(1).dblclick()
    await node(page, 'b1c1').click()
    await page.locator('[data-testid=attr-kernel] input').fill('5')
    await expect.poll(() => node(page, 'b1c1').locator('[data-testid=node-params]').innerText()).toMatch(/^57,648 params$/) // 5*5*48*48+48, with s2's 48 channels in
    // Back by keyboard: a click on the empty canvas leaves the field and the selection, then Escape
    await page.locator('[data-testid=canvas] .vue-flow__pane').click({ position: { x: 8, y: 8 } })
    await page.keyboard.press('Escape')
    await page.getByTestId('block-breadcrumb').waitFor({ state: 'detached' })
    const after = await params(page)
    expect(after).not.toEqual(before)
    expect(after.every((p, i) => p !== before[i])).toBe(true)
    // undo the kernel, undo the width: back where make-block left it; undo again: the layers are back
    await page.keyboard.press('Control+z')
    await expect.poll(() => params(page)).toEqual(before)
    await page.keyboard.press('Control+z')
    await page.keyboard.press('Control+z')
    await expect.poll(() => blocks(page).count()).toBe(0)
    await node(page, 'b2c1').waitFor()
    expect(errors).toEqual([])
  })

  it('a refusal says why: two branches into a selection cannot be one block', async () => {
    const { page, errors } = await open()
    await node(page, 'b1c1').click()
    await node(page, 'b2c1').click({ modifiers: ['Shift'] })
    await page.keyboard.press('Control+g')
    await expect.poll(() => page.getByTestId('make-block-error').innerText()).toMatch(/a block has one/)
    expect(await page.getByTestId('make-block-ok').isDisabled()).toBe(true)
    await page.keyboard.press('Escape')
    await page.getByTestId('make-block-dialog').waitFor({ state: 'detached' })
    expect(errors).toEqual([])
  })

  it('the palette adds a library block after the selection; Save to library puts a model\'s block in the library', async () => {
    const { page, errors } = await open()
    await node(page, 'b2p').click()
    await page.getByTestId('palette-library-conv_bn_relu').click()
    await expect.poll(() => blocks(page).count()).toBe(1)
    const added = blocks(page).first()
    expect(await added.getAttribute('data-block')).toBe('conv_bn_relu')
    expect(await page.getByTestId('palette-blocks').innerText()).toMatch(/conv_bn_relu/)
    // it sits between b2p and gap: its input is b2p's 8x8x32
    expect(await page.getByTestId('inspector').innerText()).toMatch(/Input\s*8x8x32/)
    await page.getByTestId('block-save-library').click()
    await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(/'conv_bn_relu' is a built-in block/)
    await makeStageDialog(page)
    await page.getByTestId('make-block-ok').click()
    await expect.poll(() => blocks(page).count()).toBe(3)
    await blocks(page).first().click()
    await page.getByTestId('block-save-library').click()
    await expect.poll(() => page.getByTestId('notice').innerText()).toMatch(/Saved block stage to the library/)
    await expect.poll(() => page.getByTestId('palette-library-stage').innerText()).toMatch(/your library/)
    expect(errors).toEqual([])
  })

  for (const size of [{ width: 1280, height: 800 }, { width: 1024, height: 700 }]) {
    for (const theme of ['light', 'dark'] as const) {
      it(`screenshots ${size.width}x${size.height} ${theme}: collapsed blocks, the dialog, an opened definition; axe finds nothing`, async () => {
        const { page, errors } = await open(size)
        if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByTestId('theme-toggle').click()
        const tag = `${size.width}x${size.height}-${theme}`
        await makeStageDialog(page)
        await page.screenshot({ path: join(shots, `bui-dialog-${tag}.png`) })
        expect(await axe(page)).toEqual([])
        await page.getByTestId('make-block-ok').click()
        await expect.poll(() => blocks(page).count()).toBe(2)
        // as a designer would next: tidy the layout (the block took the place of five cards)
        await page.keyboard.press('Shift+L')
        await page.waitForTimeout(400)
        await page.screenshot({ path: join(shots, `bui-canvas-${tag}.png`) })
        expect(await axe(page)).toEqual([])
        await blocks(page).nth(1).dblclick()
        await page.getByTestId('block-breadcrumb').waitFor()
        await page.waitForTimeout(400)
        await node(page, 'b1c2').click()
        await page.screenshot({ path: join(shots, `bui-definition-${tag}.png`) })
        expect(await axe(page)).toEqual([])
        expect(errors).toEqual([])
      })
    }
  }
})
