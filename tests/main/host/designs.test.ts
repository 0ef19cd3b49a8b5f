// The host's design commands on a real database folder: the autosave round trip (and a damaged one ignored),
// and model files written only where a dialog of this session chose, never to a path a page merely names.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host, type HostOptions } from '../../../src-main/host/host.ts'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'

const model = parseModelFile(readFileSync(new URL('../../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8'))
let host: Host | null = null
afterEach(() => host?.close())

function open(opts: Partial<HostOptions> = {}): { host: Host; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-host-'))
  host = createHost({ dbPath: join(dir, 'e.db'), ...opts })
  return { host, dir }
}

describe('prefs', () => {
  it('are empty on a first start; a patch replaces only its keys; a new host on the same database reads them', async () => {
    const { host: first, dir } = open()
    expect(await first.invoke('prefs.get', undefined)).toEqual({ ok: true, result: {} })
    expect((await first.invoke('prefs.set', { theme: 'dark', recentFolders: ['/data/a', '/data/b'] })).ok).toBe(true)
    expect((await first.invoke('prefs.set', { trainForm: { epochs: '20', nesterov: true } })).ok).toBe(true)
    first.close()
    // as `serve` started again (on another port, so another origin for the page)
    host = createHost({ dbPath: join(dir, 'e.db') })
    expect(await host.invoke('prefs.get', undefined)).toEqual({ ok: true, result: { theme: 'dark', recentFolders: ['/data/a', '/data/b'], trainForm: { epochs: '20', nesterov: true } } })
  })

  it('refuses what is not a preference, and ignores a damaged file', async () => {
    const { host, dir } = open()
    for (const bad of [{ theme: 'neon' }, { recentFolders: [''] }, { volume: 11 }, { trainForm: { epochs: 20 } }]) {
      expect(await host.invoke('prefs.set', bad)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    }
    // A value it cannot use is dropped alone (issue 21: a whole file was dropped for one bad or unknown key).
    writeFileSync(join(dir, 'studio-prefs.json'), '{"theme": "dark", "recentFolders": 7}')
    expect(await host.invoke('prefs.get', undefined)).toEqual({ ok: true, result: { theme: 'dark' } })
    writeFileSync(join(dir, 'studio-prefs.json'), '{"theme": "dark", "recen')
    expect(await host.invoke('prefs.get', undefined)).toEqual({ ok: true, result: {} })
  })
})

describe('designs.autosave', () => {
  it('is null on a first start, then returns what was saved', async () => {
    const { host } = open()
    expect(await host.invoke('designs.autosaved', undefined)).toEqual({ ok: true, result: null })
    expect((await host.invoke('designs.autosave', { model, path: null, dirty: true })).ok).toBe(true)
    const r = await host.invoke('designs.autosaved', undefined)
    expect(r).toMatchObject({ ok: true, result: { path: null, dirty: true, model: { name: model.name } } })
  })

  it('a damaged autosave file is ignored, not fatal', async () => {
    const { host, dir } = open()
    writeFileSync(join(dir, 'design-autosave.json'), '{"model": {"format": "nope"}')
    expect(await host.invoke('designs.autosaved', undefined)).toEqual({ ok: true, result: null })
  })

  it('refuses a payload that is not a model file', async () => {
    const { host } = open()
    const r = await host.invoke('designs.autosave', { model: { format: 'x' }, path: null, dirty: false })
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
  })

  it('app.info reports the machine memory', async () => {
    const { host } = open()
    const r = await host.invoke('app.info', undefined)
    expect(r.ok && (r.result as { memory: { totalBytes: number } }).memory.totalBytes).toBeGreaterThan(0)
  })
})

describe('dialogs.saveModel', () => {
  it('in a browser (no dialogs) writes nothing and answers null', async () => {
    const { host, dir } = open()
    const target = join(dir, 'x.cnn.json')
    expect(await host.invoke('dialogs.saveModel', { model, path: target })).toEqual({ ok: true, result: null })
    expect(existsSync(target)).toBe(false)
  })

  it('writes where the dialog chose, then saves there again without asking; an unchosen path asks again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-save-'))
    const asked: string[] = []
    const chosen = join(dir, 'mine.cnn.json')
    const { host } = open({
      dialogs: {
        openModelPath: async () => null, pickFolder: async () => null,
        saveModelPath: async (name) => (asked.push(name), { path: chosen }),
      },
    })
    expect(await host.invoke('dialogs.saveModel', { model, suggestedName: 'LeNet-5.cnn.json' })).toEqual({ ok: true, result: { path: chosen } })
    expect(parseModelFile(readFileSync(chosen, 'utf8')).name).toBe(model.name)
    await host.invoke('dialogs.saveModel', { model: { ...model, name: 'v2' }, path: chosen })
    expect(asked).toEqual(['LeNet-5.cnn.json'])
    expect(parseModelFile(readFileSync(chosen, 'utf8')).name).toBe('v2')
    await host.invoke('dialogs.saveModel', { model, path: join(dir, 'elsewhere.cnn.json') })
    expect(asked).toHaveLength(2)
    expect(existsSync(join(dir, 'elsewhere.cnn.json'))).toBe(false)
  })

  it('opening a file that is not a model gives the parser\'s message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-open-'))
    writeFileSync(join(dir, 'bad.json'), '{"format": "cnn-studio.graph", "version": 1, "nodes": 3, "edges": []}')
    const { host } = open({ dialogs: { openModelPath: async () => ({ path: join(dir, 'bad.json') }), saveModelPath: async () => null, pickFolder: async () => null } })
    const r = await host.invoke('dialogs.openModel', undefined)
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_MODEL', message: expect.stringMatching(/nodes: must be a list/) } })
  })
})
