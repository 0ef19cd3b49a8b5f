// End to end: Runs -> Import run… in a browser (`serve`), where the page has no folder dialog and takes the
// run folder's path in a field: a folder that is not a run folder is refused with the reason; a run folder
// (as the exported PyTorch script writes it) becomes a run marked as trained elsewhere, whose page opens.
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { ChildProcess } from 'node:child_process'
import { serveAndLaunch, closeAll } from '../helpers/browser.ts'
import { syntheticFolder } from '../main/export/folders.ts'
import { writeRunFolder } from '../main/run-import/fixtures.ts'

const shots = new URL('../.tmp/', import.meta.url).pathname
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
let browser: Browser, child: ChildProcess, url: string, runDir: string

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  const data = await syntheticFolder(tmp('cnn-e2e-imp-data-'), { classes: 3, perClass: 4, size: 12, channels: 3 })
  runDir = writeRunFolder(join(tmp('cnn-e2e-imp-run-'), 'ddp-1'), { epochs: 3, datasetDir: data, classes: ['class-00', 'class-01', 'class-02'] })
  ;({ url, child, browser } = await serveAndLaunch(join(tmp('cnn-e2e-imp-'), 'e2e.db')))
})
afterAll(() => closeAll(browser, child))

describe('Runs -> Import run… in a browser', () => {
  it('refuses a folder that is not a run folder, imports a run folder, and marks the run as trained elsewhere', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 640 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(url)
    await page.getByTestId('nav-runs').click()
    await page.getByTestId('runs-empty').waitFor()
    await page.getByTestId('runs-import-button').click()
    const empty = tmp('cnn-e2e-imp-empty-')
    await page.getByTestId('runs-import-dir').fill(empty)
    await page.getByTestId('runs-import-go').click()
    await page.getByTestId('runs-import-error').waitFor()
    expect(await page.getByTestId('runs-import-error').innerText()).toContain(`${empty} is not a run folder: it has no run.json`)

    await page.getByTestId('runs-import-dir').fill(runDir)
    await page.getByTestId('runs-import-go').click()
    await page.getByTestId('runs-import-done').waitFor()
    expect(await page.getByTestId('runs-import-done').innerText()).toMatch(/^Imported .*\(PyTorch, 2 processes\) \(completed, 3 epochs\)/)
    const row = page.locator('[data-testid=runs-table] tbody tr').first()
    expect(await row.innerText()).toMatch(/trained elsewhere[\s\S]*completed/)
    expect(await row.getByTestId('run-origin').getAttribute('title')).toBe(`Trained with PyTorch 1.13.0 in 2 processes (host cpu), imported from ${runDir}`)
    await page.screenshot({ path: join(shots, 'runs-import.png') })
    await page.getByTestId('runs-import-done').getByRole('link').click()
    await page.getByTestId('run-page').waitFor()
    expect(await page.getByTestId('run-page-origin').innerText()).toBe(`trained elsewhere (PyTorch 1.13.0, 2 processes), imported from ${runDir}`)
    await page.screenshot({ path: join(shots, 'runs-import-page.png') })
    expect(errors).toEqual([])
  })
})
