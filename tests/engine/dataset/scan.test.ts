// The folder scan against trees of links (issue 12): a diamond of directory links (2^n paths to one
// folder), a class folder linking to `/`, a deep chain of folders, and one image reached through many
// links. Each real folder is read once, each real file counted once, and the scan stops at its caps with
// a reason; `inspectDataset` scans on a worker thread.
import { linkSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { DatasetError, inspectDataset, scanFolder, scanFolderOffThread } from '../../../src-engine/node/dataset/index.ts'
import { put, solid } from '../../fixtures/images/make.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
let png: Buffer, other: Buffer
beforeAll(async () => {
  png = await solid(8, 8, 3, [200, 10, 10]).png().toBuffer()
  other = await solid(8, 8, 3, [10, 200, 10]).png().toBuffer()
})

/** levels/d0 .. d<n>, where d<i> holds two links (a, b) to d<i+1>: 2^n paths reach the last one. */
function diamond(base: string, n: number): string {
  const levels = join(base, 'levels')
  for (let i = 0; i <= n; i++) mkdirSync(join(levels, `d${i}`), { recursive: true })
  for (let i = 0; i < n; i++) for (const l of ['a', 'b']) symlinkSync(join(levels, `d${i + 1}`), join(levels, `d${i}`, l))
  return join(levels, 'd0')
}

function dataRoot(base: string): string {
  const root = join(base, 'data')
  mkdirSync(root)
  put(root, 'plain/x.png', other)
  return root
}

describe('folder scan through links', () => {
  it('a diamond of 30 levels of links (2^30 paths) reads each folder once and finds its one image once', async () => {
    const base = tmp('cnn-scan-diamond-')
    const top = diamond(base, 30)
    put(base, 'levels/d30/deep.png', png)
    const root = dataRoot(base)
    symlinkSync(top, join(root, 'links'))
    const scan = scanFolder(root)
    expect(scan.classes).toEqual(['links', 'plain'])
    expect(scan.files.map((f) => f.rel)).toEqual([`links/${'a/'.repeat(30)}deep.png`, 'plain/x.png'])
    // Each level's second link is the same folder as its first: listed once each, with the reason.
    const again = scan.skipped.filter((s) => /the same folder as/.test(s.reason))
    expect(again).toHaveLength(30)
    expect(again).toContainEqual({ path: 'links/b', reason: expect.stringContaining('the same folder as links/a ') })
    const r = await inspectDataset(root)
    expect(r.classes).toEqual([{ name: 'links', count: 1 }, { name: 'plain', count: 1 }])
  })

  it('one image reachable through many links (symbolic and hard) counts once', async () => {
    const base = tmp('cnn-scan-many-')
    const root = dataRoot(base)
    const img = put(root, 'cat/real/one.png', png)
    for (let i = 0; i < 40; i++) symlinkSync(img, join(root, 'cat', `sym${String(i).padStart(2, '0')}.png`))
    for (let i = 0; i < 10; i++) linkSync(img, join(root, 'cat', `hard${i}.png`))
    for (let i = 0; i < 20; i++) symlinkSync(join(root, 'cat', 'real'), join(root, 'cat', `dir${String(i).padStart(2, '0')}`))
    symlinkSync(join(root, 'cat'), join(root, 'dog')) // a whole class that is another class
    const scan = scanFolder(root)
    expect(scan.files.filter((f) => f.label === 0).map((f) => f.rel)).toEqual(['cat/dir00/one.png']) // the first name in order
    expect(scan.files.filter((f) => f.label === 1)).toHaveLength(0)
    expect(scan.skipped.find((s) => s.path === 'dog')?.reason).toMatch(/the same folder as cat/)
    expect(scan.skipped.filter((s) => /the same file as/.test(s.reason))).toHaveLength(50)
    const r = await inspectDataset(root)
    expect(r.images).toBe(2)
    expect(r.duplicates).toEqual([])
  })

  it('a class folder linking to / stops at the folder cap with a reason that says what to do', async () => {
    const root = dataRoot(tmp('cnn-scan-slash-'))
    symlinkSync('/', join(root, 'everything'))
    const limits = { folders: 300, files: 5_000, depth: 32 }
    let err: unknown
    try {
      scanFolder(root, limits)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(DatasetError)
    expect((err as DatasetError).code).toBe('TOO_LARGE')
    expect((err as DatasetError).message).toMatch(/the scan stopped at (300 folders|5,000 files) \(reached everything\/.*\).*a link to a large tree, such as \//)
    // The same refusal arrives through the worker thread, as a DatasetError.
    await expect(scanFolderOffThread(root, limits)).rejects.toMatchObject({ code: 'TOO_LARGE' })
    await expect(inspectDataset(root, { limits })).rejects.toBeInstanceOf(DatasetError)
  })

  it('a chain of folders deeper than the depth cap is cut there, with a reason', () => {
    const base = tmp('cnn-scan-deep-')
    const root = dataRoot(base)
    const deep = join(root, 'deep', ...Array.from({ length: 12 }, (_, i) => `l${i}`))
    put(deep, 'far.png', png)
    put(root, 'deep/l0/near.png', png)
    const scan = scanFolder(root, { folders: 1000, files: 1000, depth: 8 })
    expect(scan.files.map((f) => f.rel)).toEqual(['deep/l0/near.png', 'plain/x.png'])
    expect(scan.skipped).toEqual([{ path: `deep/${Array.from({ length: 9 }, (_, i) => `l${i}`).join('/')}`, reason: expect.stringMatching(/more than 8 folders deep/) }])
  })

  it('a link back to an ancestor is still named a loop', () => {
    const root = dataRoot(tmp('cnn-scan-loop-'))
    put(root, 'cat/a/x.png', png)
    symlinkSync('..', join(root, 'cat', 'a', 'up'))
    const scan = scanFolder(root)
    expect(scan.skipped).toEqual([{ path: 'cat/a/up', reason: expect.stringMatching(/symbolic link loop/) }])
  })

  it('the files cap stops a scan with a reason too', () => {
    const root = dataRoot(tmp('cnn-scan-files-'))
    for (let i = 0; i < 30; i++) put(root, `many/${i}.png`, png)
    expect(() => scanFolder(root, { folders: 100, files: 20, depth: 8 })).toThrow(/the scan stopped at 20 files/)
  })
})
