// Scans, loads, reports and contact sheets of a class folder that holds what a folder can hold besides
// images (issue 21, item 2): a link to /proc/self/pagemap (its size reads 0, a full read is hundreds of GiB),
// a link to /dev/zero (never ends), a FIFO (a read blocks until someone writes), and sparse 1.5 GB files
// named .png (no disk, but a whole read is 1.5 GB of memory each). Each is skipped with its reason without
// being read whole; the real images around them are used. Memory is measured loosely: a whole read of any
// one of them would be gigabytes, a bounded one nothing.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { classSheet, FILE_SIZE_LIMIT, inspectDataset, loadDataset, readImageFile, scanFolder } from '../../../src-engine/node/dataset/index.ts'
import { put, solid } from '../../fixtures/images/make.ts'

const linux = process.platform === 'linux'
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
/** A sparse file of `bytes`: its size says so, it costs no disk. */
function sparse(path: string, bytes: number): string {
  const fd = openSync(path, 'w')
  ftruncateSync(fd, bytes)
  closeSync(fd)
  return path
}
const rssMb = () => process.memoryUsage().rss / 2 ** 20
/** Far below what reading any one of the special files whole would take (1.5 GB to hundreds of GiB). */
const FLAT_MB = 400

let root: string
beforeAll(async () => {
  root = join(tmp('cnn-special-'), 'data')
  const png = await solid(8, 8, 3, [200, 10, 10]).png().toBuffer()
  const other = await solid(8, 8, 3, [10, 10, 200]).png().toBuffer()
  for (let i = 0; i < 3; i++) put(root, `cat/${i}.png`, png)
  for (let i = 0; i < 3; i++) put(root, `dog/${i}.png`, other)
  for (let i = 0; i < 3; i++) sparse(join(root, 'cat', `huge${i}.png`), 1500 * 2 ** 20)
  if (linux) {
    symlinkSync('/proc/self/pagemap', join(root, 'cat', 'pagemap.png'))
    symlinkSync('/dev/zero', join(root, 'cat', 'zero.png'))
    execFileSync('mkfifo', [join(root, 'cat', 'pipe.png')])
  }
})

describe('files that are not images to read whole', () => {
  it('the scan lists only regular files within the size cap; the rest are skipped with what they are', () => {
    const scan = scanFolder(root)
    const reason = (rel: string) => scan.skipped.find((s) => s.path === rel)?.reason
    for (let i = 0; i < 3; i++) expect(reason(`cat/huge${i}.png`)).toMatch(/^too large \(1500 MiB; the limit is 64 MiB\): not read/)
    expect(scan.files.map((f) => f.rel)).not.toContain('cat/huge0.png')
    if (linux) {
      expect(reason('cat/zero.png')).toMatch(/^a character device \(through a link\), not an image file; not read/)
      expect(reason('cat/pipe.png')).toMatch(/^a FIFO \(named pipe\), not an image file; not read/)
      // /proc's files say 0 bytes: listed, and told apart from an empty file by the reader's one extra byte.
      expect(scan.files.find((f) => f.rel === 'cat/pagemap.png')).toMatchObject({ size: 0 })
    }
  })

  it('dataset inspect reports each with its reason, reads none of them whole, and counts the real images', async () => {
    const before = rssMb()
    const r = await inspectDataset(root)
    expect(rssMb() - before).toBeLessThan(FLAT_MB)
    expect(r.classes).toEqual([{ name: 'cat', count: 3 }, { name: 'dog', count: 3 }])
    const reason = (rel: string) => r.skipped.find((s) => s.path === rel)?.reason
    expect(reason('cat/huge1.png')).toMatch(/too large/)
    if (linux) {
      expect(reason('cat/pagemap.png')).toMatch(/its size reads 0 bytes but it holds data: a special file \(such as one under \/proc\)/)
      expect(reason('cat/zero.png')).toMatch(/character device/)
      expect(reason('cat/pipe.png')).toMatch(/FIFO/)
    }
  })

  it('loading the folder for training uses the real images and skips the rest the same way', async () => {
    const before = rssMb()
    const d = await loadDataset(root, { height: 8, width: 8, channels: 3 }, { cacheDir: false })
    expect(rssMb() - before).toBeLessThan(FLAT_MB)
    expect(d.set.count).toBe(6)
    expect(d.skipped.map((s) => s.path)).toEqual(expect.arrayContaining(['cat/huge0.png', 'cat/huge2.png', ...(linux ? ['cat/pagemap.png', 'cat/zero.png', 'cat/pipe.png'] : [])]))
  })

  it('a contact sheet of the class holds its three real images, without a spike of memory', async () => {
    const before = rssMb()
    const s = await classSheet(root, 'cat', { count: 24, cacheDir: tmp('cnn-special-cache-') })
    expect(rssMb() - before).toBeLessThan(FLAT_MB)
    expect(s.png.subarray(1, 4).toString()).toBe('PNG')
    expect(s.total).toBe(linux ? 4 : 3) // the three images, and /proc's file of size 0, which yields no tile
  })

  it('the reader refuses a file that grew past the cap since the scan, and an empty file reads as empty', async () => {
    const dir = tmp('cnn-special-read-')
    await expect(readImageFile(sparse(join(dir, 'big.png'), FILE_SIZE_LIMIT + 1))).rejects.toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/^too large \(64 MiB; the limit is 64 MiB\)/) })
    expect((await readImageFile(put(dir, 'empty.png', Buffer.alloc(0)))).length).toBe(0)
    mkdirSync(join(dir, 'sub'))
    await expect(readImageFile(join(dir, 'sub'))).rejects.toMatchObject({ code: 'UNREADABLE', message: 'a folder, not an image file' })
  })

  it.skipIf(!linux)('on Linux: /dev/zero, /proc/self/pagemap and a FIFO are refused by the reader at once (the FIFO is never opened)', async () => {
    await expect(readImageFile('/dev/zero')).rejects.toMatchObject({ code: 'UNREADABLE', message: expect.stringMatching(/^a character device, not a regular file/) })
    await expect(readImageFile('/proc/self/pagemap')).rejects.toMatchObject({ code: 'UNREADABLE', message: expect.stringMatching(/size reads 0 bytes but it holds data/) })
    // A blocking read of a FIFO with no writer would never settle, and this test would time out.
    await expect(readImageFile(join(root, 'cat', 'pipe.png'))).rejects.toMatchObject({ code: 'UNREADABLE', message: expect.stringMatching(/^a FIFO/) })
  })
})
