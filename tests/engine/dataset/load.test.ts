// Loading folders into the model's input shape, the decoded cache, the split, and batches, checked value
// by value on tiny images whose pixels are known.
import { mkdtempSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { channelStats, contactSheet, createBatchSource, loadDataset, splitIndices, splitStratified } from '../../../src-engine/node/dataset/index.ts'
import { put, solid } from '../../fixtures/images/make.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
/** A 2x2 RGB PNG with the given 4 pixels (row-major). */
const png2x2 = (px: number[][]) => sharp(Buffer.from(px.flat()), { raw: { width: 2, height: 2, channels: 3 } }).png().toBuffer()

describe('loadDataset', () => {
  it('decodes into NHWC uint8 at the target size, classes sorted, labels by folder', async () => {
    const root = tmp('cnn-tiny-')
    put(root, 'b/1.png', await png2x2([[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]))
    put(root, 'a/1.png', await png2x2([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]))
    const d = await loadDataset(root, { height: 2, width: 2, channels: 3 }, { cacheDir: false })
    expect(d.set.classes).toEqual(['a', 'b'])
    expect(d.files).toEqual(['a/1.png', 'b/1.png'])
    expect(Array.from(d.set.labels)).toEqual([0, 1])
    expect(Array.from(d.set.pixels.subarray(0, 12))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(Array.from(d.set.pixels.subarray(12, 15))).toEqual([255, 0, 0])
  })

  it('converts channels, flattens alpha onto the background, and fits with stretch / cover / contain', async () => {
    const root = tmp('cnn-convert-')
    put(root, 'grey/1.png', await solid(4, 4, 1, [100]).png().toBuffer())
    put(root, 'clear/1.png', await solid(4, 4, 4, [0, 0, 0, 0]).png().toBuffer()) // fully transparent
    put(root, 'wide/1.png', await solid(8, 2, 3, [0, 200, 0]).png().toBuffer())
    const rgb = await loadDataset(root, { height: 4, width: 4, channels: 3, background: { r: 255, g: 0, b: 0 } }, { cacheDir: false })
    const at = (name: string) => rgb.set.pixels.subarray(rgb.files.indexOf(name) * 48, rgb.files.indexOf(name) * 48 + 48)
    expect(Array.from(at('grey/1.png').subarray(0, 3))).toEqual([100, 100, 100])
    expect(Array.from(at('clear/1.png').subarray(0, 3))).toEqual([255, 0, 0]) // the background shows through
    expect(Array.from(at('wide/1.png').subarray(0, 3))).toEqual([0, 200, 0]) // stretched: every pixel green
    const grey = await loadDataset(root, { height: 4, width: 4, channels: 1 }, { cacheDir: false })
    expect(grey.set.pixels.length).toBe(3 * 16)
    expect(grey.set.pixels[grey.files.indexOf('grey/1.png') * 16]).toBe(100)
    const contain = await loadDataset(root, { height: 4, width: 4, channels: 3, resize: 'contain', background: { r: 0, g: 0, b: 255 } }, { cacheDir: false })
    const w = contain.set.pixels.subarray(contain.files.indexOf('wide/1.png') * 48)
    expect(Array.from(w.subarray(0, 3))).toEqual([0, 0, 255]) // top row is padding
    const rows = [0, 1, 2, 3].map((r) => Array.from(w.subarray(r * 12, r * 12 + 3)).join(','))
    expect(rows.filter((r) => r === '0,200,0')).toHaveLength(1) // 8x2 scaled to 4x1, one row of image
    expect(rows.filter((r) => r === '0,0,255')).toHaveLength(3) // and three of padding
  })

  it('caches decoded images; a second load decodes nothing, a changed file is re-read alone', async () => {
    const root = tmp('cnn-cache-'), cacheDir = tmp('cnn-cachedir-')
    for (let i = 0; i < 5; i++) {
      put(root, `a/${i}.png`, await solid(3, 3, 3, [i, 0, 0]).png().toBuffer())
      put(root, `b/${i}.png`, await solid(3, 3, 3, [0, i, 0]).png().toBuffer())
    }
    const t = { height: 3, width: 3, channels: 3 as const }
    const first = await loadDataset(root, t, { cacheDir })
    expect([first.decoded, first.cached]).toEqual([10, 0])
    const second = await loadDataset(root, t, { cacheDir })
    expect([second.decoded, second.cached]).toEqual([0, 10])
    expect(second.set.pixels).toEqual(first.set.pixels)
    expect(second.fingerprint).toBe(first.fingerprint)
    const p = put(root, 'a/2.png', await solid(3, 3, 3, [77, 0, 0]).png().toBuffer())
    utimesSync(p, new Date(), new Date(Date.now() + 5000))
    const third = await loadDataset(root, t, { cacheDir })
    expect([third.decoded, third.cached]).toEqual([1, 9])
    expect(third.set.pixels[third.files.indexOf('a/2.png') * 27]).toBe(77)
    expect(third.fingerprint).not.toBe(first.fingerprint)
    const other = await loadDataset(root, { ...t, channels: 1 }, { cacheDir }) // another shape: its own cache
    expect(other.decoded).toBe(10)
  })

  it('a test folder must have the training classes', async () => {
    const root = tmp('cnn-testdir-')
    put(root, 'a/1.png', await solid(2, 2, 3, [1, 1, 1]).png().toBuffer())
    put(root, 'zebra/1.png', await solid(2, 2, 3, [1, 1, 1]).png().toBuffer())
    await expect(loadDataset(root, { height: 2, width: 2, channels: 3 }, { cacheDir: false, classes: ['a', 'b'] })).rejects.toThrow(/'zebra' that the training data does not have/)
  })

  it('contact sheets per class are PNGs, cached', async () => {
    const root = tmp('cnn-thumbs-'), cacheDir = tmp('cnn-thumbcache-')
    for (let i = 0; i < 3; i++) put(root, `a/${i}.png`, await solid(20, 10, 3, [i * 80, 0, 0]).png().toBuffer())
    put(root, 'b/0.png', await solid(5, 5, 3, [0, 0, 0]).png().toBuffer())
    const sheet = await contactSheet(root, 'a', { cacheDir, tile: 16, columns: 4 })
    const m = await sharp(sheet).metadata()
    expect([m.format, m.width, m.height]).toEqual(['png', 4 * 18 - 2, 16])
    expect(await contactSheet(root, 'a', { cacheDir, tile: 16, columns: 4 })).toEqual(sheet)
    await expect(contactSheet(root, 'nope', { cacheDir })).rejects.toThrow(/no class 'nope'/)
  })
})

describe('split and batches', () => {
  const set = (labels: number[], H = 2, W = 2, C = 1) => ({
    count: labels.length, height: H, width: W, channels: C, classes: ['a', 'b', 'c'],
    labels: Int32Array.from(labels), pixels: Uint8Array.from({ length: labels.length * H * W * C }, (_, i) => i % 256),
  })

  it('the split is stratified and reproducible', () => {
    const labels = Int32Array.from([...new Array(50).fill(0), ...new Array(30).fill(1), ...new Array(20).fill(2)])
    const a = splitIndices(labels, 3, 0.2, 7), b = splitIndices(labels, 3, 0.2, 7), c = splitIndices(labels, 3, 0.2, 8)
    expect(a).toEqual(b)
    expect(a.val).not.toEqual(c.val)
    const count = (idx: Int32Array, l: number) => Array.from(idx).filter((i) => labels[i] === l).length
    expect([count(a.val, 0), count(a.val, 1), count(a.val, 2)]).toEqual([10, 6, 4])
    expect(a.train.length + a.val.length).toBe(100)
    expect(new Set([...a.train, ...a.val]).size).toBe(100)
    const s = splitStratified(set([0, 0, 1, 1, 2, 2]), 0.5, 1)
    expect(Array.from(s.val.labels).sort()).toEqual([0, 1, 2])
  })

  it('batches scale to [0, 1] in NHWC order, and normalise with the given statistics', () => {
    const s = { count: 1, height: 1, width: 2, channels: 3, classes: ['a'], labels: Int32Array.of(0), pixels: Uint8Array.of(0, 51, 255, 102, 153, 204) }
    const x = new Float32Array(6), y = new Int32Array(1)
    const src = createBatchSource(s)
    src.startEpoch(0)
    expect(src.nextBatch(x, y, 4)).toBe(1)
    expect(Array.from(x)).toEqual([0, 0.2, 1, 0.4, 0.6, 0.8].map(Math.fround))
    expect(src.nextBatch(x, y, 4)).toBe(0)
    const stats = channelStats(s)
    expect(stats.mean.map((m) => +m.toFixed(4))).toEqual([0.2, 0.4, 0.9])
    const norm = createBatchSource(s, { normalize: stats })
    norm.startEpoch(0)
    norm.nextBatch(x, y, 1)
    expect(x[0]).toBeCloseTo(-1) // (0 - 0.2) / 0.2
    expect(x[3]).toBeCloseTo(1)
  })

  it('flip mirrors rows; shift moves the image and pads with zeros', () => {
    // one 1x3 grey image [10, 20, 30]
    const s = { count: 1, height: 1, width: 3, channels: 1, classes: ['a'], labels: Int32Array.of(0), pixels: Uint8Array.of(10, 20, 30) }
    const x = new Float32Array(3), y = new Int32Array(1)
    const seen = new Set<string>()
    const flip = createBatchSource(s, { augment: 'flip', seed: 1 })
    for (let e = 0; e < 20; e++) {
      flip.startEpoch(e)
      flip.nextBatch(x, y, 1)
      seen.add(Array.from(x, (v) => Math.round(v * 255)).join(','))
    }
    expect(seen).toEqual(new Set(['10,20,30', '30,20,10']))
    seen.clear()
    const shift = createBatchSource({ ...s, height: 1 }, { augment: 'shift', maxShift: 1, seed: 1 })
    for (let e = 0; e < 40; e++) {
      shift.startEpoch(e)
      shift.nextBatch(x, y, 1)
      seen.add(Array.from(x, (v) => Math.round(v * 255)).join(','))
    }
    // shifted by -1, 0 or +1 columns (rows can't move in a 1-row image without leaving it black)
    for (const v of seen) expect(['10,20,30', '20,30,0', '0,10,20', '0,0,0']).toContain(v)
    expect(seen.has('20,30,0') && seen.has('0,10,20')).toBe(true)
  })

  it('shuffles per epoch with the seed, the same way every run, and keeps order without shuffle', () => {
    const s = set([0, 1, 2, 0, 1, 2, 0, 1])
    const order = (src: ReturnType<typeof createBatchSource>, epoch: number) => {
      const x = new Float32Array(8 * 4), y = new Int32Array(8)
      src.startEpoch(epoch)
      src.nextBatch(x, y, 8)
      return Array.from(x.filter((_, i) => i % 4 === 0), (v) => Math.round(v * 255) / 4)
    }
    const a = createBatchSource(s, { shuffle: true, seed: 5 }), b = createBatchSource(s, { shuffle: true, seed: 5 })
    expect(order(a, 0)).toEqual(order(b, 0))
    expect(order(a, 0)).not.toEqual(order(a, 1))
    expect([...order(a, 1)].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(order(createBatchSource(s), 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })
})
