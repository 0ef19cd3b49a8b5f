// The small files the studio keeps beside the database (issue 21, items 11 and 12): preferences another
// studio version wrote are kept (an unknown key, and the known ones beside it), two processes' updates are
// merged rather than lost, and a failed write of the preferences or the autosave is a coded WRITE_FAILED
// saying what could not be saved where, leaving no temporary behind; those a killed process left are swept.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { writeFilesAtomic } from '../../../src-main/services/atomic-write.ts'
import { ServiceError } from '../../../src-main/services/errors.ts'
import { thrown } from '../../helpers/errors.ts'

const model = parseModelFile(readFileSync(new URL('../../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8'))
let host: Host | null = null
afterEach(() => host?.close())
function open(): { host: Host; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-saved-'))
  host = createHost({ dbPath: join(dir, 'e.db') })
  return { host, dir }
}
const DEAD = 2 ** 22 + 4321 // above Linux's default pid_max: no such process

describe('preferences shared with other studio versions and processes', () => {
  it('a file a newer studio wrote (one unknown key): the known keys are read, and a set keeps every key', async () => {
    const { host, dir } = open()
    const file = join(dir, 'studio-prefs.json')
    writeFileSync(file, JSON.stringify({ theme: 'dark', recentFolders: ['/data/a'], sidebar: { width: 300 } }))
    expect(await host.invoke('prefs.get', undefined)).toEqual({ ok: true, result: { theme: 'dark', recentFolders: ['/data/a'] } })
    expect((await host.invoke('prefs.set', { trainForm: { epochs: '5' } })).ok).toBe(true)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ theme: 'dark', recentFolders: ['/data/a'], sidebar: { width: 300 }, trainForm: { epochs: '5' } })
  })

  it('another process\'s update made while this one writes is merged, not lost', async () => {
    const { dir } = open()
    const file = join(dir, 'studio-prefs.json')
    writeFileSync(file, '{}')
    // This test holds the lock as a writer in another process would, mid-way through its read-modify-write.
    const lock = `${file}.lock`
    writeFileSync(lock, String(process.pid))
    const seen = JSON.parse(readFileSync(file, 'utf8'))
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { writePrefs } from ${JSON.stringify(new URL('../../../src-main/services/prefs.ts', import.meta.url).href)}; writePrefs(${JSON.stringify(file)}, { theme: 'dark' })`], { stdio: 'inherit' })
    const done = new Promise<number | null>((r) => child.on('exit', r))
    await new Promise((r) => setTimeout(r, 1500)) // the other writer is waiting for the lock (or, unlocked, has written)
    writeFileSync(file, JSON.stringify({ ...seen, recentFolders: ['/data/b'] }))
    rmSync(lock) // released: the other writer now reads the file as it is, and merges its patch into it
    expect(await done).toBe(0)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ recentFolders: ['/data/b'], theme: 'dark' })
  })
})

describe('failed writes', () => {
  it('prefs and autosave onto a folder: WRITE_FAILED naming the file, no temporary left', async () => {
    const { host, dir } = open()
    mkdirSync(join(dir, 'studio-prefs.json'))
    mkdirSync(join(dir, 'design-autosave.json'))
    const p = await host.invoke('prefs.set', { theme: 'dark' })
    expect(p).toEqual({ ok: false, error: { code: 'WRITE_FAILED', message: `could not save the preferences to ${join(dir, 'studio-prefs.json')}: it is a folder` } })
    const a = await host.invoke('designs.autosave', { model, path: null, dirty: true })
    expect(a).toEqual({ ok: false, error: { code: 'WRITE_FAILED', message: `could not save the design to ${join(dir, 'design-autosave.json')}: it is a folder` } })
    expect(readdirSync(dir).filter((f) => /tmp|lock/.test(f))).toEqual([])
  })

  it('all or nothing: a second file that cannot be written removes the first one\'s temporary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-saved-'))
    const err = thrown(() => writeFilesAtomic([{ path: join(dir, 'a.onnx'), data: 'a' }, { path: join(dir, 'no', 'b.json'), data: 'b' }], 'write the export'), ServiceError)
    expect(err).toMatchObject({ code: 'WRITE_FAILED', message: `could not write the export ${join(dir, 'no', 'b.json')}: its folder does not exist; nothing was written` })
    expect(readdirSync(dir)).toEqual([])
  })

  it('temporaries a killed process left (this version\'s names and the earlier ones) are swept by the next save', async () => {
    const { host, dir } = open()
    const left = [`.design-autosave.json.cnn-tmp-${DEAD}-abcdef`, `design-autosave.json.${DEAD}.tmp`, `studio-prefs.json.${DEAD}.tmp`]
    for (const f of left) writeFileSync(join(dir, f), '{"half')
    writeFileSync(join(dir, `notes.txt.${DEAD}.tmp`), 'not ours to sweep')
    expect((await host.invoke('designs.autosave', { model, path: null, dirty: false })).ok).toBe(true)
    expect((await host.invoke('prefs.set', { theme: 'light' })).ok).toBe(true)
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([`notes.txt.${DEAD}.tmp`])
  })
})
