// The Electron app as users run it, short of the Electron binary (which cannot be downloaded here): the
// built main process, out/main/main.js, in a Node process with a stand-in for `electron` that records
// what the shell asks of it (tests/helpers/electron-stand-in). Through the IPC handler the shell
// registers it answers app.info and templates.list and trains the sample model to completion, its
// events arriving through webContents.send; the window is locked down as CONVENTIONS.md 6 asks; and no
// built file loads TypeScript (the stand-in's module hooks refuse any .ts, in the worker threads too).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve, dirname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Responses, StudioEvent } from '../../src-main/api/contract.ts'
import { launchBuiltMain, OUT, type BuiltMain } from '../helpers/electron-stand-in/launch.ts'

const ROOT = resolve(OUT, '..')
let app: BuiltMain, base: string, db: string

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'cnn-electron-'))
  db = join(base, 'experiments.db')
  app = launchBuiltMain({
    HOME: base, XDG_CONFIG_HOME: join(base, 'config'), APPDATA: join(base, 'config'),
    CNN_STUDIO_DB: db, CNN_STUDIO_CACHE: join(base, 'cache'),
  })
  // The shell registers its IPC handler, then opens the window: wait for the window.
  for (;;) {
    const r = await app.records()
    if (r.windows.length > 0) break
    await new Promise((r) => setTimeout(r, 50))
  }
})

afterAll(async () => {
  if (app.child.exitCode === null) app.child.kill()
  await app.exited
})

async function call<K extends keyof Responses>(command: K, payload: unknown = {}): Promise<Responses[K]> {
  const r = await app.invoke<Responses[K]>(command, payload)
  if (!r.ok) throw new Error(`${command}: ${r.error.code}: ${r.error.message}`)
  return r.result as Responses[K]
}

describe('the built main process under a stand-in Electron', () => {
  it('opens one window whose page is isolated from Node, loading the built page with the built preload', async () => {
    const r = await app.records()
    expect(r.windows).toHaveLength(1)
    const prefs = r.windows[0].webPreferences as Record<string, unknown>
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false })
    expect(prefs.preload).toBe(join(OUT, 'preload', 'preload.cjs'))
    expect(existsSync(prefs.preload as string)).toBe(true)
    expect(r.loadedUrls).toEqual([pathToFileURL(join(OUT, 'renderer', 'index.html')).href])
    expect(r.handlers).toEqual(['studio:invoke'])
    expect(r.menus).toBeGreaterThanOrEqual(1)
    expect(r.errorBoxes).toEqual([])
  })

  it('denies navigation, window.open, webviews and permission requests, and puts the CSP on every response', async () => {
    const p = await app.probe()
    expect(p.navigationPrevented).toBe(true)
    expect(p.webviewPrevented).toBe(true)
    expect(p.windowOpen.map((w) => w.action)).toEqual(['deny', 'deny', 'deny'])
    expect(p.permission).toBe(false)
    expect(p.csp).toHaveLength(1)
    const csp = p.csp![0]
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(directive)
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
    // Only https links leave the app, to the system browser.
    expect((await app.records()).openedExternally).toEqual(['https://example.com/docs'])
  })

  it('refuses a call from any frame but its own page', async () => {
    const r = await app.invoke('app.info', {}, 'https://evil.example/')
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
  })

  it('answers app.info and templates.list from the built layout', async () => {
    const info = await call('app.info')
    expect(info.host).toBe('electron')
    expect(info.database).toBe(db)
    expect(info.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
    expect(info.sample.datasetDir).toBe(join(ROOT, 'resources', 'sample-dataset', 'shapes'))
    const templates = await call('templates.list')
    expect(templates.map((t) => t.id)).toContain(info.sample.templateId)
    expect(templates.length).toBe(readdirSync(join(ROOT, 'resources', 'templates')).filter((f) => f.endsWith('.cnn.json')).length)
  })

  it('builds the native menu from the items the page sends, and sends a click back to the page as a menu event', async () => {
    const top = (r: { menu: { label?: string; role?: string }[] }) => r.menu.map((m) => m.label ?? m.role)
    // Until the page has started, the menu holds only what Electron implements itself.
    expect(top(await app.records())).toEqual([...(process.platform === 'darwin' ? ['appMenu'] : []), 'File', 'Edit', 'View'])
    const items = [
      { id: 'save-model', label: 'Save model', keys: ['CmdOrCtrl+S'], menu: 'File' },
      { id: 'redo', label: 'Redo', keys: ['Shift+CmdOrCtrl+Z', 'CmdOrCtrl+Y'], menu: 'Edit' },
      { id: 'help', label: 'Keyboard shortcuts', keys: [], menu: 'Help' },
    ]
    expect(await call('menu.set', { items })).toBeNull()
    const r = await app.records()
    expect(top(r)).toEqual([...(process.platform === 'darwin' ? ['appMenu'] : []), 'File', 'Edit', 'View', 'help'])
    const sub = (label: string) => r.menu.find((m) => (m.label ?? m.role) === label)!.submenu!
    expect(sub('File')[0]).toMatchObject({ id: 'save-model', label: 'Save model', accelerator: 'CmdOrCtrl+S' })
    expect(sub('File').at(-1)).toMatchObject({ role: process.platform === 'darwin' ? 'close' : 'quit' })
    expect(sub('Edit')[0]).toMatchObject({ id: 'redo', label: 'Redo', accelerator: 'Shift+CmdOrCtrl+Z' })
    expect(sub('Edit').map((m) => m.role).filter(Boolean)).toEqual(['cut', 'copy', 'paste', 'selectAll'])
    expect(sub('help')).toEqual([{ id: 'help', label: 'Keyboard shortcuts' }])
    expect(await app.clickMenu('redo')).toBe(true)
    expect(await app.waitForEvent((e) => e.type === 'menu')).toEqual({ type: 'menu', action: 'redo' })
    // An item the contract does not describe is refused at the boundary, and the menu stays as it was.
    expect(await app.invoke('menu.set', { items: [{ id: 'x', label: '', keys: [], menu: 'Tools' }] })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    expect((await app.records()).menu).toEqual(r.menu)
  })

  it('trains the sample model to completion through its IPC handler, its events through webContents.send', async () => {
    const info = await call('app.info')
    const model = (await call('templates.list')).find((t) => t.id === info.sample.templateId)!.model
    const { runId } = await call('runs.start', { model, datasetDir: info.sample.datasetDir, settings: info.sample.settings })
    const end = await app.waitForEvent((e) => e.type === 'status' && e.runId === runId && !['queued', 'running'].includes(e.status))
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'completed' })
    const mine = app.events.filter((e): e is Exclude<StudioEvent, { type: 'menu' }> => 'runId' in e && e.runId === runId)
    expect(mine.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual(Array.from({ length: info.sample.settings.epochs }, (_, i) => i + 1))
    expect(mine.some((e) => e.type === 'progress')).toBe(true)
    const run = await call('runs.get', { runId })
    expect(run.status).toBe('completed')
    expect(run.epochs).toHaveLength(info.sample.settings.epochs)
    // The sampled steps come as columns of one length, every epoch's last step among them, losses to 7 digits.
    const { epoch, step, loss, accuracy } = run.steps
    expect(new Set([epoch.length, step.length, loss.length, accuracy.length]).size).toBe(1)
    expect(new Set(epoch)).toEqual(new Set(run.epochs.map((e) => e.epoch)))
    expect(loss.every((l) => typeof l === 'number' && l > 0 && Number(l.toPrecision(7)) === l)).toBe(true)
    // The sample is easy: a model that learned anything beats chance (1/3) by far.
    expect(run.final.valAccuracy).toBeGreaterThan(0.6)
  }, 600_000)

  // On macOS an app stays open with no window, as Apple's guidelines ask.
  it.skipIf(process.platform === 'darwin')('saves the window\'s place in the user data folder and quits when its window closes', async () => {
    const userData = (await app.records()).paths.userData
    expect(userData.startsWith(base)).toBe(true)
    app.closeWindows()
    expect(await app.exited).toBe(0)
    expect(JSON.parse(readFileSync(join(userData, 'window.json'), 'utf8'))).toMatchObject({ width: 1280, height: 800 })
  })
})

describe('the built files', () => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
  const code = () => files(OUT).filter((f) => /\.[mc]?js$/.test(f))

  it('import nothing written in TypeScript, and every relative import is a built file', () => {
    expect(code().map((f) => relative(OUT, f))).toEqual(expect.arrayContaining(['main/main.js', 'main/trainer-worker.mjs', 'preload/preload.cjs']))
    for (const f of code()) {
      const text = readFileSync(f, 'utf8')
      // A literal path naming a .ts/.mts/.cts file, anywhere: an import, a dynamic import, a worker. (Paths
      // computed at run time are the stand-in's to catch: it refuses to load any .ts.)
      expect(text.match(/["'`][\w./@-]+\.[mc]?ts["'`]/g) ?? [], relative(OUT, f)).toEqual([])
      for (const [, spec] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\()["']([^"']+)["']/g)) {
        if (spec.startsWith('.')) expect(existsSync(resolve(dirname(f), spec)), `${relative(OUT, f)} imports ${spec}`).toBe(true)
      }
    }
  })
})
