// Contact sheets in the cache folder (issue 21, item 10): a disk that fills while a sheet is written leaves
// no torn PNG under the sheet's name (it would be served as a broken image from then on), and the sheets
// of one class viewed at many counts do not pile up. The full disk is a child process's file-size limit
// (ulimit -f): its writes fail with EFBIG after writing what fits, as on a full disk, and no disk is filled.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { classSheet } from '../../../src-engine/node/dataset/index.ts'
import { SHEETS_PER_CLASS } from '../../../src-engine/node/dataset/thumbnails.ts'
import { put } from '../../fixtures/images/make.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const sheets = (cache: string) => readdirSync(join(cache, 'thumbnails'))

/** Noise compresses badly: 24 tiles of it make a sheet of some 100 KB, well past the child's 8 KB. */
async function noise(seed: number): Promise<Buffer> {
  const px = Buffer.alloc(32 * 32 * 3)
  let x = seed * 2654435761
  for (let i = 0; i < px.length; i++) px[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24
  return sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer()
}

let root: string
beforeAll(async () => {
  root = join(tmp('cnn-sheets-'), 'data')
  for (let i = 0; i < 24; i++) put(root, `cat/${String(i).padStart(2, '0')}.png`, await noise(i + 1))
  for (let i = 0; i < 4; i++) put(root, `dog/${i}.png`, await noise(100 + i))
})

describe('contact sheets in the cache', () => {
  it.skipIf(process.platform === 'win32')('a write that fails part-way (a full disk) leaves no sheet and no temporary; the next request builds it whole', async () => {
    const cache = tmp('cnn-sheets-cache-')
    const child = join(import.meta.dirname, 'sheet-child.ts')
    // bash's ulimit -f counts KiB: the sheet's write fails after 8 KiB, as a disk with 8 KiB left would.
    const r = spawnSync('bash', ['-c', 'ulimit -f 8 && exec "$0" "$@"', process.execPath, child, root, 'cat', cache], { encoding: 'utf8' })
    expect(sheets(cache)).toEqual([]) // not a torn 8 KiB PNG under the sheet's name, nor a temporary
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).bytes).toBeGreaterThan(8 * 1024) // the sheet was made and served, only not kept
    const s = await classSheet(root, 'cat', { cacheDir: cache })
    const [name] = sheets(cache)
    expect(sheets(cache)).toHaveLength(1)
    expect(statSync(join(cache, 'thumbnails', name)).size).toBe(s.png.length)
    expect((await sharp(join(cache, 'thumbnails', name)).metadata()).height).toBe(3 * 50 - 2) // 24 tiles, 8 a row
  })

  it(`a class viewed at many counts keeps its ${SHEETS_PER_CLASS} most recent sheets; other classes' stay`, async () => {
    const cache = tmp('cnn-sheets-evict-')
    await classSheet(root, 'dog', { cacheDir: cache })
    for (let count = 1; count <= 12; count++) await classSheet(root, 'cat', { count, cacheDir: cache })
    expect(sheets(cache)).toHaveLength(SHEETS_PER_CLASS + 1)
    // The newest is served from the cache: asking again writes nothing new.
    const before = sheets(cache).sort()
    await classSheet(root, 'cat', { count: 12, cacheDir: cache })
    expect(sheets(cache).sort()).toEqual(before)
  })
})
