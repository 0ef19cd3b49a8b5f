// From a folder to two compared runs without the command line, as a new user does it, in Debian's Chromium
// through `cnn-studio serve` (issue 9): read the sample's report, train, watch the curve grow, pause and
// resume, train again with another learning rate, star and annotate, compare, delete. Also: a folder with
// broken files, a class-count mismatch offered its fix, a path that does not exist, and two pages that see
// the same progress. Screenshots of every screen, light and dark, go to tests/.tmp/.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { serveAndLaunch, closeAll } from '../helpers/browser.ts'
import { put, solid } from '../fixtures/images/make.ts'

const shots = new URL('../.tmp/', import.meta.url).pathname
const VIEW = { width: 1280, height: 800 }
let browser: Browser, child: ChildProcess, url: string
const pageErrors: string[] = []

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const db = join(mkdtempSync(join(tmpdir(), 'cnn-flow-')), 'flow.db')
  ;({ url, child, browser } = await serveAndLaunch(db))
})
afterAll(() => closeAll(browser, child))

async function open(): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEW })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('crash', () => pageErrors.push(`the page at ${page.url()} crashed`))
  await page.goto(url)
  return page
}

/** The whole page at 1280 wide in the light theme and in the dark one, switched as a user does (the toggle). */
async function shoot(page: Page, name: string): Promise<void> {
  const toggle = () => page.evaluate(() => (document.querySelector('[data-testid=theme-toggle]') as HTMLButtonElement).click())
  for (const theme of ['light', 'dark'] as const) {
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== theme) await toggle()
    await page.waitForTimeout(100) // charts are made again for the theme: let a frame pass
    await page.screenshot({ path: join(shots, `${name}-${theme}.png`) })
    // and the whole screen, unrolled (the screen scrolls inside the window, so a full-page shot needs it let out)
    await page.evaluate(() => document.documentElement.classList.add('unrolled'))
    await page.addStyleTag({ content: 'html.unrolled, html.unrolled body, html.unrolled #app, html.unrolled .app, html.unrolled .screen { height: auto !important; overflow: visible !important; }' })
    await page.screenshot({ path: join(shots, `${name}-${theme}-full.png`), fullPage: true })
    await page.evaluate(() => document.documentElement.classList.remove('unrolled'))
  }
  await toggle()
}

const steps = async (page: Page) => Number(await page.getByTestId('run-curves').getAttribute('data-steps'))
const status = (page: Page) => page.getByTestId('train-progress').getAttribute('data-status')
const rowOf = (page: Page, runId: string) => page.locator(`[data-testid=runs-table] tbody tr[data-run="${runId}"]`)

describe('a new user, from the sample folder to two compared runs', () => {
  it('reads the report, trains, pauses and resumes, trains again, stars, notes, compares and deletes', async () => {
    const page = await open()
    await page.getByTestId('nav-data').click()
    await page.getByTestId('data-empty').waitFor()
    await shoot(page, 'data-empty')

    // the sample folder in one click, and its report
    await page.getByTestId('data-sample').click()
    await page.getByTestId('health-report').waitFor()
    expect(await page.getByTestId('report-images').innerText()).toBe('360')
    expect(await page.getByTestId('report-classes').innerText()).toBe('3')
    expect(await page.locator('[data-testid=class-bars] li').allInnerTexts()).toEqual(['circle\n120', 'square\n120', 'triangle\n120'])
    await expect.poll(() => page.getByTestId('contact-sheet').count(), { timeout: 60_000 }).toBe(3)
    await shoot(page, 'data-report')

    // train the sample model for 2 epochs and watch the curve grow
    await page.getByTestId('data-to-train').click()
    await page.getByTestId('screen-train').waitFor()
    await page.getByTestId('train-empty').waitFor()
    await expect.poll(() => page.locator('[data-testid=preflight] li[data-severity=error]').count()).toBe(0)
    await page.getByTestId('setting-epochs').fill('2')
    expect(await page.getByTestId('setting-lr').inputValue()).toBe('0.005')
    await shoot(page, 'train-ready')
    // every step count the curve shows, recorded in the page as it changes: the run may be over before a
    // poll from here would see it move (2 epochs of the sample take about a second)
    await page.evaluate(() => {
      const seen: number[] = ((window as unknown as { seenSteps: number[] }).seenSteps = [])
      setInterval(() => seen.push(Number(document.querySelector('[data-testid=run-curves]')?.getAttribute('data-steps') ?? 0)), 10)
    })
    await page.getByTestId('train-start').click()
    await page.getByTestId('train-progress').waitFor()
    const runA = (await page.getByTestId('train-progress').getAttribute('data-run'))!
    await expect.poll(() => status(page), { timeout: 120_000 }).toBe('completed')
    const seen = await page.evaluate(() => (window as unknown as { seenSteps: number[] }).seenSteps)
    expect(new Set(seen.filter((n) => n > 0)).size).toBeGreaterThan(1) // it grew while we watched
    expect(Number(await page.getByTestId('run-curves').getAttribute('data-epochs'))).toBe(2)
    await shoot(page, 'train-done')

    // pause and resume: a run long enough that the pause lands while it trains (the CLI trains 40 epochs of the
    // sample in 3.5 s; the run is stopped below)
    await page.getByTestId('setting-epochs').fill('5000')
    await page.getByTestId('setting-name').fill('long run')
    await page.getByTestId('train-start').click()
    await expect.poll(async () => (await page.getByTestId('train-progress').getAttribute('data-run')) !== runA).toBe(true)
    const runLong = (await page.getByTestId('train-progress').getAttribute('data-run'))!
    await expect.poll(() => status(page), { timeout: 60_000 }).toBe('running')
    await expect.poll(() => steps(page), { timeout: 60_000 }).toBeGreaterThan(0)

    // the page reconnects after a reload and catches up from the store
    await page.reload()
    await page.getByTestId('train-progress').waitFor()
    expect(await page.getByTestId('train-progress').getAttribute('data-run')).toBe(runLong)
    await expect.poll(() => steps(page), { timeout: 30_000 }).toBeGreaterThan(0)

    // by keyboard: the button pressed gives way to the one that undoes it, and the focus goes to that one
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))
    await page.getByTestId('run-pause').focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => status(page), { timeout: 30_000 }).toBe('paused')
    await expect.poll(focused).toBe('run-resume')
    await shoot(page, 'train-paused') // (the step in flight when the pause came may still report)
    const pausedAt = await steps(page)
    await page.waitForTimeout(800) // a paused run sends no steps (10 progress events a second while running)
    expect(await steps(page)).toBe(pausedAt)
    await page.keyboard.press('Enter') // Resume, focused
    await expect.poll(() => status(page), { timeout: 30_000 }).toBe('running')
    await expect.poll(focused).toBe('run-pause')
    await expect.poll(() => steps(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt)
    await shoot(page, 'train-running')
    await page.getByTestId('run-stop').click()
    await expect.poll(() => status(page), { timeout: 60_000 }).toBe('stopped')

    // change the learning rate and train again
    await page.getByTestId('setting-epochs').fill('2')
    await page.getByTestId('setting-name').fill('')
    await page.getByTestId('setting-lr').fill('abc')
    expect(await page.getByTestId('error-lr').innerText()).toMatch(/number/)
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true)
    await page.getByTestId('setting-lr').fill('0.002')
    await page.getByTestId('train-start').click()
    await expect.poll(async () => (await page.getByTestId('train-progress').getAttribute('data-run')) !== runLong).toBe(true)
    const runB = (await page.getByTestId('train-progress').getAttribute('data-run'))!
    await expect.poll(() => status(page), { timeout: 120_000 }).toBe('completed')

    // star one run, add a note
    await page.getByTestId('nav-runs').click()
    await rowOf(page, runB).waitFor()
    expect(await page.locator('[data-testid=runs-table] tbody tr').count()).toBe(3)
    await rowOf(page, runA).getByTestId('run-star').click()
    await expect.poll(() => rowOf(page, runA).getByTestId('run-star').getAttribute('aria-pressed')).toBe('true')
    await page.getByTestId('filter-starred').check()
    expect(await page.locator('[data-testid=runs-table] tbody tr').count()).toBe(1)
    await page.getByTestId('filter-starred').uncheck()
    await rowOf(page, runA).getByTestId('run-open').click()
    await page.getByTestId('run-page').waitFor()
    await page.getByTestId('run-note').fill('baseline: the sample settings')
    await page.getByTestId('run-note-save').click()
    await expect.poll(() => page.getByTestId('run-saved').innerText()).toBe('Saved')
    await page.getByTestId('run-tag-input').fill('baseline')
    await page.getByTestId('run-tag-input').press('Enter')
    await page.getByTestId('run-tag').first().waitFor()
    await page.locator('[data-testid=confusion-matrix]').waitFor({ timeout: 120_000 })
    await shoot(page, 'run-page')
    await page.getByTestId('back-to-runs').click()
    expect(await rowOf(page, runA).innerText()).toMatch(/baseline: the sample settings/)
    await shoot(page, 'runs')

    // compare the two 2-epoch runs: lr is the only setting that differs, and both curves are drawn
    await rowOf(page, runA).getByTestId('run-select').check()
    await rowOf(page, runB).getByTestId('run-select').check()
    await page.getByTestId('compare-selected').click()
    await page.getByTestId('compare-settings').waitFor()
    expect(page.url()).toContain(`#/compare?runs=${encodeURIComponent(`${runA},${runB}`)}`)
    expect(await page.locator('[data-testid=compare-settings] tbody tr[data-setting]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-setting')))).toEqual(['lr'])
    const legend = await page.getByTestId('compare-legend').innerText()
    expect(legend).toMatch(/Shapes CNN \(sample\) adam lr 0\.005[\s\S]*Shapes CNN \(sample\) adam lr 0\.002/)
    const valLoss = page.locator('[data-testid=compare-curves] [data-metric=valLoss] [data-testid=chart]')
    expect([await valLoss.getAttribute('data-points'), await valLoss.getAttribute('data-series')]).toEqual(['2', '2'])
    expect(await page.locator('[data-testid=compare-metrics] td[data-best=true]').count()).toBeGreaterThan(0)
    await page.locator('[data-testid=screen-compare] h2', { hasText: 'Architecture' }).scrollIntoViewIfNeeded()
    await page.getByTestId('arch-same').waitFor()
    await page.locator('[data-testid=screen-compare]').evaluate((el) => el.scrollTo(0, 0))
    await shoot(page, 'compare')
    await page.getByTestId('only-differences').uncheck()
    expect(await page.locator('[data-testid=compare-settings] tbody tr[data-setting]').count()).toBeGreaterThan(5)

    // reopening the link gives the same comparison
    const link = page.url()
    const again = await open()
    await again.goto(link)
    await again.locator('[data-testid=compare-settings] tbody tr[data-setting=lr]').waitFor()
    await again.close()

    // delete one after confirming (the stopped long run)
    await page.getByTestId('nav-runs').click()
    await rowOf(page, runLong).getByTestId('run-delete').click()
    await page.getByTestId('confirm-dialog').waitFor()
    await shoot(page, 'runs-delete-confirm')
    await page.getByTestId('confirm-cancel').click()
    expect(await rowOf(page, runLong).count()).toBe(1)
    await rowOf(page, runLong).getByTestId('run-delete').click()
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => rowOf(page, runLong).count()).toBe(0)
    await page.reload()
    await rowOf(page, runA).waitFor()
    expect(await page.locator('[data-testid=runs-table] tbody tr').count()).toBe(2)

    // a run's model opens in the designer as a copy
    await rowOf(page, runB).getByTestId('run-open').click()
    await page.locator('[data-testid=run-page] [data-testid=model-canvas] .vue-flow__node').first().waitFor()
    await page.getByTestId('open-in-designer').click()
    await page.getByTestId('screen-design').waitFor()
    expect(await page.getByTestId('design-name').innerText()).toMatch(/\(from Shapes CNN \(sample\) adam lr 0\.002\)/)
    expect(pageErrors).toEqual([])
  })
})

describe('what goes wrong says so where it happens', () => {
  it('broken files are skipped with reasons; a class-count mismatch is offered the fix; a missing path is named', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cnn-broken-'))
    for (let i = 0; i < 12; i++) {
      put(root, `cats/${i}.png`, await solid(32, 32, 3, [200, 40 + i, 40]).png().toBuffer())
      put(root, `dogs/${i}.png`, await solid(32, 32, 3, [40, 40 + i, 200]).png().toBuffer())
    }
    const good = await solid(32, 32, 3, [1, 2, 3]).png().toBuffer()
    put(root, 'cats/truncated.png', good.subarray(0, good.length - 30))
    put(root, 'cats/empty.png', Buffer.alloc(0))
    put(root, 'dogs/notes.png', 'this is text, not an image')

    const page = await open()
    await page.getByTestId('nav-data').click()
    await page.getByTestId('data-path').fill('/no/such/folder/anywhere')
    await page.getByTestId('data-read').click()
    expect(await page.getByTestId('data-error').innerText()).toMatch(/\/no\/such\/folder\/anywhere: no such folder/)
    await shoot(page, 'data-missing')

    await page.getByTestId('data-path').fill(root)
    await page.getByTestId('data-read').click()
    await page.getByTestId('report-skipped').waitFor()
    expect(await page.getByTestId('report-skipped-count').innerText()).toBe('3')
    const skipped = await page.locator('[data-testid=report-skipped] tbody tr').allInnerTexts()
    expect(skipped.join('\n')).toMatch(/cats\/empty\.png\s+an empty \(zero-byte\) file/)
    expect(skipped.join('\n')).toMatch(/cats\/truncated\.png\s+(a truncated or damaged image|not a decodable image)/)
    expect(skipped.join('\n')).toMatch(/dogs\/notes\.png\s+not an image the studio reads/)
    await shoot(page, 'data-broken')

    // the sample model ends in 3 classes; this folder has 2
    await page.getByTestId('nav-train').click()
    const mismatch = page.locator('[data-testid=preflight] li[data-check=classes]')
    await mismatch.waitFor()
    expect(await mismatch.innerText()).toMatch(/ends in 3 classes but the dataset has 2 \(cats, dogs\)/)
    expect(await page.getByTestId('train-start').isDisabled()).toBe(true)
    await shoot(page, 'train-mismatch')
    await page.getByTestId('fix-classes').click()
    await expect.poll(() => mismatch.count()).toBe(0)
    expect(await page.getByTestId('train-start').isDisabled()).toBe(false)
    expect(pageErrors).toEqual([])
  })
})

describe('two pages on one studio', () => {
  it('see the same run progress', async () => {
    const a = await open(), b = await open()
    await a.getByTestId('nav-data').click()
    await a.getByTestId('data-sample').click()
    await a.getByTestId('health-report').waitFor()
    await a.getByTestId('nav-train').click()
    await a.locator('[data-testid=preflight] li[data-check=dataset][data-severity=ok]').waitFor()
    await a.locator('[data-testid=preflight] li[data-check=model][data-severity=ok]').waitFor()
    await a.getByTestId('setting-epochs').fill('5000') // outlasts the checks below (200 could end before the pause)
    await b.getByTestId('nav-train').click()
    await b.getByTestId('screen-train').waitFor()
    // the design is shared (autosaved): an earlier test may have fitted it to a 2-class folder. Checked right
    // before Start, once both pages are up (once, on CI, it was startable before b opened and not after)
    await expect.poll(async () => {
      if (await a.getByTestId('fix-classes').count()) await a.getByTestId('fix-classes').click()
      return a.getByTestId('train-start').isEnabled()
    }, { timeout: 30_000 }).toBe(true)
    expect(await a.locator('[data-testid=preflight] li[data-severity=error]').count()).toBe(0)
    await a.getByTestId('train-start').click()
    await a.getByTestId('train-progress').waitFor()
    const runId = await a.getByTestId('train-progress').getAttribute('data-run')
    // the other page follows the run it did not start, from the events alone
    await b.getByTestId('train-progress').waitFor({ timeout: 60_000 })
    expect(await b.getByTestId('train-progress').getAttribute('data-run')).toBe(runId)
    await expect.poll(() => steps(b), { timeout: 60_000 }).toBeGreaterThan(0)
    await expect.poll(async () => (await b.getByTestId('progress-epoch').innerText()) !== '–', { timeout: 60_000 }).toBe(true)
    // a user switches windows before pressing a button; on a loaded CI machine page a, left behind b, once
    // never became "stable" for the click in 30 s (its frames had stopped), so it is brought to the front
    await a.bringToFront()
    // (once on CI a found no Pause button in 30 s; this says what a showed if it happens again)
    await expect.poll(() => status(a), { timeout: 30_000 }).toBe('running')
    await a.getByTestId('run-pause').click()
    await expect.poll(() => status(b), { timeout: 30_000 }).toBe('paused')
    // both pages show the same epoch while paused
    await expect.poll(() => status(a), { timeout: 30_000 }).toBe('paused')
    const epochB = await b.getByTestId('progress-epoch').innerText()
    await expect.poll(() => a.getByTestId('progress-epoch').innerText()).toBe(epochB)
    await b.bringToFront()
    await b.getByTestId('run-stop').click()
    await expect.poll(() => status(a), { timeout: 60_000 }).toBe('stopped')
    expect(pageErrors).toEqual([])
  })
})
