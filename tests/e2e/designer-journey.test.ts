// Issue 20's user journey, without a terminal, in Debian's Chromium through `cnn-studio serve`: a CNN made in
// PyTorch (two identical VGG stages, exported by torch.onnx.export) is opened as a design; its first stage is
// made a block with its width exposed and the second stage becomes a use of it; the width is changed once and
// both stages follow; the gap-head rewrite is tried against the design ("Try both") and Compare opens on the
// two trained runs, whose architecture diff shows the rewrite. Skipped, with the reason, where Python has no
// torch (the PyTorch export tests do the same; .ci/run installs python3-torch).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { closeAll, openPage, serveAndLaunch } from '../helpers/browser.ts'

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0)
const why = 'no python3 with torch here (apt-get install python3-torch; .ci/run installs it)'
const shots = new URL('../.tmp/journey/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-journey-'))
let browser: Browser, child: ChildProcess, url: string

/** Two VGG stages of width 16 and a flatten + dense head, as a PyTorch user writes it, exported to ONNX. */
const SCRIPT = `
import sys, torch, torch.nn as nn
torch.manual_seed(0)
def stage(cin, w): return [nn.Conv2d(cin, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, w, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
m = nn.Sequential(*stage(3, 16), *stage(16, 16), nn.Flatten(), nn.Linear(16 * 8 * 8, 3), nn.Softmax(dim=1)).eval()
torch.onnx.export(m, torch.randn(1, 3, 32, 32), sys.argv[1], opset_version=17, input_names=['x'], output_names=['p'])
`

beforeAll(async () => {
  if (!python) return
  mkdirSync(shots, { recursive: true })
  ;({ url, child, browser } = await serveAndLaunch(join(tmp, 'e2e.db')))
})
afterAll(() => (python ? closeAll(browser, child) : undefined))

const node = (page: Page, id: string) => page.getByTestId(`node-${id}`)
const blocks = (page: Page) => page.locator('[data-testid=canvas] [data-type=block]')
const shapes = (page: Page) => blocks(page).locator('[data-testid=node-shape]').allInnerTexts()
const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`) })

describe.skipIf(!python)(`the designer's journey${python ? '' : ` (skipped: ${why})`}`, () => {
  it('opens a PyTorch ONNX model, makes its repeated stage a block, widens it once, tries a rewrite and compares the two runs', async () => {
    const onnx = join(tmp, 'vgg2.onnx')
    const made = spawnSync(python!, ['-c', SCRIPT, onnx], { encoding: 'utf8' })
    expect(made.status, made.stderr).toBe(0)

    const { page, errors } = await openPage(browser, url, { console: true, acceptDialogs: true })
    await page.getByTestId('toolbar').waitFor()
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('tb-open-model').click()])
    await chooser.setFiles(onnx)
    await node(page, 'conv4').waitFor()
    if (await page.getByTestId('first-start-dismiss').count()) await page.getByTestId('first-start-dismiss').click()
    await page.keyboard.press('f')
    await page.waitForTimeout(400)
    await shot(page, '1-opened')

    // The first stage's five layers become a block; the second stage, the same layers, becomes a use of it.
    await node(page, 'conv1').click()
    for (const id of ['relu1', 'conv2', 'relu2', 'pool1']) await node(page, id).click({ modifiers: ['Shift'] })
    await page.keyboard.press('Control+g')
    await page.getByTestId('make-block-dialog').waitFor()
    await page.getByTestId('make-block-name').fill('stage')
    await page.locator('[data-testid=make-block-param-filters] input[type=checkbox]').check()
    await expect.poll(() => page.getByTestId('make-block-elsewhere').innerText()).toMatch(/1 other place/)
    await shot(page, '2-make-block')
    await page.getByTestId('make-block-ok').click()
    await expect.poll(() => blocks(page).count()).toBe(2)
    expect(await shapes(page)).toEqual(['16x16x16', '8x8x16'])

    // The width, changed once in the definition, changes both stages.
    await blocks(page).first().dblclick()
    await page.getByTestId('block-breadcrumb').waitFor()
    await page.locator('[data-testid=definition-inspector] [data-testid=attr-width] input').fill('24')
    await page.getByTestId('block-back').click()
    await expect.poll(() => shapes(page)).toEqual(['16x16x24', '8x8x24'])
    await shot(page, '3-widened')

    // The sample folder and a one-epoch Train screen: what Try both takes.
    await page.getByTestId('nav-data').click()
    await page.getByTestId('data-sample').click()
    await page.getByTestId('health-report').waitFor()
    await page.getByTestId('nav-train').click()
    await page.getByTestId('setting-epochs').fill('1')
    await page.getByTestId('nav-design').click()

    // The flatten + dense head offered as global average pooling + dense: tried against the design as it is.
    await page.locator('[data-testid=canvas] .vue-flow__pane').click({ position: { x: 8, y: 8 } })
    const tryIt = page.getByTestId('try-both-gap-head')
    await tryIt.waitFor()
    await shot(page, '4-suggestions')
    await tryIt.click()
    await page.getByTestId('try-both-status').waitFor()
    expect(await page.getByTestId('try-both-refused').count()).toBe(0)
    await expect.poll(() => decodeURIComponent(page.url()), { timeout: 240_000, interval: 250 }).toMatch(/#\/compare\?runs=[^,]+,[^,]+$/)

    // Compare on the two trained variants: the architecture diff shows the head that changed.
    await page.locator('[data-testid=screen-compare] h2', { hasText: 'Architecture' }).scrollIntoViewIfNeeded()
    const diff = page.getByTestId('arch-changes')
    await diff.waitFor({ timeout: 60_000 })
    const rows = (await diff.locator('tbody tr').allInnerTexts()).join('\n')
    expect(rows).toMatch(/globalavgpool/)
    expect(rows).toMatch(/flatten/)
    // Same settings, data and seed: nothing but the architecture differs.
    expect(await page.locator('[data-testid=compare-settings] tbody tr[data-setting]').count()).toBe(0)
    expect(await page.getByTestId('diff-a').locator('option').count()).toBe(2)
    await shot(page, '5-compare')
    expect(errors).toEqual([])
  }, 420_000)
})
