// The decoded-image cache: capped, least recently used evicted first, and `cnn-studio cache` shows each
// folder in it and clears it. Real folders decoded by sharp, a real cache folder.
import { mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDataset } from '../../src-engine/node/dataset/index.ts'
import { cli } from '../helpers/cli.ts'
import { put, solid } from '../fixtures/images/make.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const target = { height: 16, width: 16, channels: 3 as const }
async function folder(name: string, images: number): Promise<string> {
  const root = join(tmp('cnn-cache-data-'), name)
  for (let i = 0; i < images; i++) put(root, `${i % 2 ? 'a' : 'b'}/${i}.png`, await solid(20, 20, 3, [i * 3, 100, 200 - i]).png().toBuffer())
  return root
}
const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin'))
const saved = process.env.CNN_STUDIO_CACHE_MAX
afterEach(() => {
  if (saved === undefined) delete process.env.CNN_STUDIO_CACHE_MAX
  else process.env.CNN_STUDIO_CACHE_MAX = saved
})

describe('the decoded-image cache', () => {
  it('evicts the least recently used folder beyond its cap; a folder read again is kept', async () => {
    const cache = tmp('cnn-cache-')
    const [a, b, c] = [await folder('a', 40), await folder('b', 40), await folder('c', 40)]
    await loadDataset(a, target, { cacheDir: cache })
    const one = statSync(join(cache, files(cache)[0])).size // 40 images of 16x16x3 and the header
    process.env.CNN_STUDIO_CACHE_MAX = String(Math.floor(2.5 * one)) // room for two folders
    await new Promise((r) => setTimeout(r, 20)) // distinct mtimes
    await loadDataset(b, target, { cacheDir: cache })
    await new Promise((r) => setTimeout(r, 20))
    expect((await loadDataset(a, target, { cacheDir: cache })).cached).toBe(40) // a is used again: now the newest
    await new Promise((r) => setTimeout(r, 20))
    await loadDataset(c, target, { cacheDir: cache })
    expect(files(cache)).toHaveLength(2)
    expect((await loadDataset(a, target, { cacheDir: cache })).cached).toBe(40) // kept
    expect((await loadDataset(b, target, { cacheDir: cache })).decoded).toBe(40) // evicted: decoded again
  })

  it('cnn-studio cache shows each folder with its input size and images, and --clear empties it', async () => {
    const cache = tmp('cnn-cache-')
    const a = await folder('shown', 12)
    await loadDataset(a, target, { cacheDir: cache })
    const env = { ...process.env, CNN_STUDIO_CACHE: cache, CNN_STUDIO_CACHE_MAX: '500M' }
    const j = JSON.parse(cli(['cache', '--json'], { env }).stdout)
    expect(j).toMatchObject({ dir: cache, limit: 500 * 2 ** 20 })
    expect(j.files).toEqual([expect.objectContaining({ root: a, height: 16, width: 16, channels: 3, resize: 'stretch', images: 12, current: true })])
    expect(j.bytes).toBe(j.files[0].bytes)
    const human = cli(['cache'], { env })
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(a)
    expect(human.stdout).toMatch(/16x16x3 stretch/)
    const cleared = JSON.parse(cli(['cache', '--clear', '--json'], { env }).stdout)
    expect(cleared.cleared).toEqual({ bytes: j.bytes, files: 1 })
    expect(cleared.files).toEqual([])
    expect(files(cache)).toEqual([])
    expect(cli(['cache'], { env }).stdout).toMatch(/no decoded images cached/)
  })

  it('a cache folder that cannot be written only costs time: the images are decoded and used', async () => {
    const blocker = join(tmp('cnn-cache-'), 'file')
    put(blocker, '', 'x')
    const d = await loadDataset(await folder('ro', 6), target, { cacheDir: join(blocker, 'sub') })
    expect(d.set.count).toBe(6)
  })
})
