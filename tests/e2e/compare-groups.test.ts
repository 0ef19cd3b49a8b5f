// Compare with a seed group, end to end in Debian's Chromium through `cnn-studio serve`: three runs queued by
// `train --seeds 1,2,3` and one trained alone (the sample's shapes, a tiny model, a few epochs) are drawn as
// the group's mean with its min-max band (uPlot's band, read back from the chart) beside the lone run; every
// member on demand; the smoothing slider changes the per-step curve and puts the raw one behind; the x axis
// goes to steps; the best epoch is marked with its tooltip; the group table shows mean ± sd; axe passes.
import { createRequire } from 'node:module'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { closeAll, openPage, serveAndLaunch } from '../helpers/browser.ts'
import { cli } from '../helpers/cli.ts'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const shots = new URL('../.tmp/', import.meta.url).pathname
const shapes = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
let browser: Browser, child: ChildProcess, url: string
let ids: string[] = []

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const tmp = mkdtempSync(join(tmpdir(), 'cnn-e2e-groups-'))
  const db = join(tmp, 'e2e.db'), model = join(tmp, 'tiny.cnn.json')
  writeFileSync(model, JSON.stringify({
    format: 'cnn-studio.graph', version: 1, name: 'Tiny',
    nodes: [
      { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } }, { id: 'p', type: 'avgpool2d', attrs: { size: 4 } },
      { id: 'f', type: 'flatten' }, { id: 'd', type: 'dense', attrs: { units: 3 } }, { id: 's', type: 'softmax' },
    ],
    edges: [['in', 'p'], ['p', 'f'], ['f', 'd'], ['d', 's']],
  }))
  const common = [model, shapes, '--epochs', '6', '--batch-size', '16', '--db', db, '--json']
  const group = cli(['train', ...common, '--seeds', '1,2,3', '--lr', '0.03', '--name', 'tiny'])
  expect(group.code, group.stderr).toBe(0)
  const alone = cli(['train', ...common, '--lr', '0.1', '--name', 'tiny fast'])
  expect(alone.code, alone.stderr).toBe(0)
  ids = [...JSON.parse(group.stdout).runs.map((r: { runId: string }) => r.runId), JSON.parse(alone.stdout).runId]
  ;({ url, child, browser } = await serveAndLaunch(db))
})
afterAll(() => closeAll(browser, child))

const chart = (page: Page, metric: string) => page.locator(`[data-testid=compare-curves] [data-metric=${metric}] [data-testid=chart]`)
async function open(page: Page): Promise<void> {
  await page.goto(url.replace(/\/\?token=.*$/, `/#/compare?runs=${ids.join(',')}`))
  await chart(page, 'valAccuracy').waitFor()
}
async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await page.getByTestId('theme-toggle').click()
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme)
}
async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE })
  await page.waitForTimeout(350)
  return page.evaluate(async () => {
    const res = await (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
    return res.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 6).map((n) => n.target.join(' ')).join(' | ')}`)
  })
}

describe('Compare groups a seed group', () => {
  it('draws the group as its mean with a min-max band, members on demand, smoothing and the x axis', async () => {
    const { page, errors } = await openPage(browser, url)
    await open(page)
    // The selection holds a seed group: Compare groups by it from the start.
    expect(await page.getByTestId('compare-group-by').inputValue()).toBe('group')
    expect(await page.getByTestId('compare-group').allInnerTexts()).toEqual([expect.stringMatching(/^tiny \(3 seeds\)/), expect.stringMatching(/^tiny fast/)])
    const acc = chart(page, 'valAccuracy')
    // uPlot holds one band, between the group's max and min edges; the group's mean and the lone run are the lines.
    await expect.poll(() => acc.getAttribute('data-bands')).toBe('1')
    expect(await acc.getAttribute('data-band-edges')).toBe('tiny (3 seeds) max / tiny (3 seeds) min')
    expect(await acc.getAttribute('data-series')).toBe('4')
    expect(await chart(page, 'stepLoss').getAttribute('data-bands')).toBe('1')
    // The best epoch is marked on the curves, with its tooltip.
    const marks = page.locator('[data-testid=compare-curves] [data-metric=valAccuracy] [data-testid=best-mark]')
    await expect.poll(() => marks.count()).toBe(2)
    expect(await marks.first().getAttribute('title')).toMatch(/^tiny \(3 seeds\): best mean val acc 0\.\d{3} at epoch [1-6]$/)
    // Mean ± sd per group in the metrics.
    const groupTable = page.getByTestId('compare-group-metrics')
    expect(await groupTable.locator('tbody tr').first().locator('td').first().innerText()).toMatch(/^\d+\.\d% ± \d+\.\d$/)

    // Every member on demand.
    await page.getByTestId('compare-show-members').check()
    await expect.poll(() => acc.getAttribute('data-series')).toBe('7')

    // Smoothing: the per-step curve changes and the raw one is drawn behind it.
    const steps = chart(page, 'stepLoss')
    const before = await steps.getAttribute('data-checksum'), seriesBefore = Number(await steps.getAttribute('data-series'))
    await page.getByTestId('compare-smoothing').fill('0.9')
    await expect.poll(() => steps.getAttribute('data-checksum')).not.toBe(before)
    expect(Number(await steps.getAttribute('data-series'))).toBe(seriesBefore + 2)
    expect(await page.locator('[data-metric=stepLoss] h4').innerText()).toContain('smoothed 0.90')

    // The x axis in steps: 6 epochs of 18 steps (288 training images, batches of 16).
    await page.getByTestId('compare-x-axis').selectOption('step')
    await expect.poll(() => acc.getAttribute('data-x-max')).toBe('108')
    await page.getByTestId('compare-x-axis').selectOption('epoch')
    await expect.poll(() => acc.getAttribute('data-x-max')).toBe('6')

    // Not grouped: one line per run, no band.
    await page.getByTestId('compare-group-by').selectOption('')
    await expect.poll(() => acc.getAttribute('data-bands')).toBe('0')
    expect(await acc.getAttribute('data-series')).toBe('4')
    expect(await page.getByTestId('compare-group-metrics').count()).toBe(0)
    expect(errors.join('\n')).toBe('')
    await page.close()
  })

  it('screenshots with the band and smoothing on, light and dark, 1280x800 and 1024x700; axe passes', async () => {
    for (const size of [{ width: 1280, height: 800 }, { width: 1024, height: 700 }]) {
      const { page, errors } = await openPage(browser, url, { viewport: size, bypassCSP: true })
      await open(page)
      await page.getByTestId('compare-smoothing').fill('0.8')
      await page.getByTestId('compare-smoothing').blur()
      for (const theme of ['light', 'dark'] as const) {
        await setTheme(page, theme)
        await page.getByTestId('screen-compare').locator('h2', { hasText: 'Curves' }).scrollIntoViewIfNeeded()
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `grp-${size.width}x${size.height}-${theme}.png`) })
        expect(await axe(page)).toEqual([])
        // The smoothed per-step loss over its raw curve, and the group table's mean ± sd below it.
        await page.locator('[data-testid=compare-curves] [data-metric=stepLoss]').evaluate((e) => e.scrollIntoView({ block: 'start' }))
        await page.waitForTimeout(300)
        await page.screenshot({ path: join(shots, `grp-steps-${size.width}x${size.height}-${theme}.png`) })
        await page.getByTestId('screen-compare').evaluate((e) => e.scrollTo(0, 0))
      }
      expect(errors.join('\n')).toBe('')
      await page.close()
    }
  })
})
