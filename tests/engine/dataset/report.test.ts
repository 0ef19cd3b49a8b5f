// The health report on a messy folder of real files: every kind of image is read, every broken file is
// skipped with its reason, and the counts, sizes, channels, duplicates and warnings are as built.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { inspectDataset, loadDataset, DatasetError } from '../../../src-engine/node/dataset/index.ts'
import { bmp24, loop, pngBombHeader, put, solid } from '../../fixtures/images/make.ts'
import { cli } from '../../helpers/cli.ts'

let root: string
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cnn-messy-'))
  // cat: 6 good images of every kind
  put(root, 'cat/rgb.png', await solid(10, 8, 3, [200, 10, 10]).png().toBuffer())
  put(root, 'cat/grey.png', await solid(12, 12, 1, [90]).png().toBuffer())
  put(root, 'cat/alpha.png', await solid(7, 9, 4, [0, 0, 255, 128]).png().toBuffer())
  put(root, 'cat/palette.png', await solid(16, 16, 3, [10, 200, 30]).png({ palette: true, colours: 4 }).toBuffer())
  put(root, 'cat/onebit.png', await solid(16, 16, 1, [255]).png({ palette: true, colours: 2 }).toBuffer())
  put(root, 'cat/photo.jpg', await solid(33, 17, 3, [120, 130, 140]).jpeg().toBuffer())
  put(root, 'cat/sub/nested.webp', await solid(5, 5, 3, [1, 2, 3]).webp().toBuffer())
  // dog: 4 images, one a GIF with a .png name (content decides), one BMP, one TIFF, one a copy of a cat
  put(root, 'dog/misnamed.png', await solid(8, 8, 3, [50, 60, 70]).gif().toBuffer())
  put(root, 'dog/bitmap.bmp', bmp24(6, 4, [9, 99, 199]))
  put(root, 'dog/scan.tiff', await solid(9, 9, 3, [30, 30, 30]).tiff().toBuffer())
  put(root, 'dog/copy-of-cat.png', readFileSync(join(root, 'cat/rgb.png')))
  // broken ones, in dog
  const good = await solid(64, 64, 3, [5, 5, 5]).jpeg().toBuffer()
  put(root, 'dog/truncated.jpg', good.subarray(0, Math.floor(good.length / 2)))
  put(root, 'dog/empty.png', Buffer.alloc(0))
  put(root, 'dog/notes.png', 'this is a text file with a .png name')
  put(root, 'dog/bomb.png', pngBombHeader())
  loop(root, 'dog/loop', '..')
  // hidden files are ignored; an empty class is reported
  put(root, 'cat/.DS_Store', 'junk')
  put(root, '.hidden/x.png', 'junk')
  put(root, 'empty/.keep', '')
  put(root, 'stray.png', readFileSync(join(root, 'cat/rgb.png')))
})

describe('dataset health report', () => {
  it('counts the readable images per class, by content not extension', async () => {
    const r = await inspectDataset(root)
    expect(r.classes).toEqual([{ name: 'cat', count: 7 }, { name: 'dog', count: 4 }, { name: 'empty', count: 0 }])
    expect(r.images).toBe(11)
    expect(r.formats).toMatchObject({ png: 6, jpeg: 1, webp: 1, gif: 1, bmp: 1, tiff: 1 })
    expect(r.sizes).toEqual({ minWidth: 5, maxWidth: 33, minHeight: 4, maxHeight: 17 })
    expect(r.channels.grey).toBe(1) // grey.png (the 1-bit PNG is a 2-colour palette, read as RGB)
    expect(r.channels.rgb).toBe(10)
    expect(r.channels.alpha).toBe(2) // alpha.png, and the GIF (libvips gives GIFs an alpha band)
    expect(r.usable).toBe(true)
  })

  it('skips every broken file with a reason, and never fails', async () => {
    const r = await inspectDataset(root)
    const reason = (p: string) => r.skipped.find((s) => s.path === p)?.reason ?? ''
    expect(reason('dog/truncated.jpg')).toMatch(/truncated|damaged|decodable/)
    expect(reason('dog/empty.png')).toMatch(/empty \(zero-byte\)/)
    expect(reason('dog/notes.png')).toMatch(/not an image the studio reads/)
    expect(reason('dog/bomb.png')).toMatch(/30000x30000.*decompression bomb/)
    expect(reason('dog/loop')).toMatch(/symbolic link loop/)
    expect(reason('stray.png')).toMatch(/not inside a class folder/)
    expect(r.skipped.some((s) => s.path.includes('.DS_Store') || s.path.includes('.hidden'))).toBe(false)
  })

  it('finds exact duplicates across classes and warns with what to do', async () => {
    const r = await inspectDataset(root)
    expect(r.duplicates).toEqual([['cat/rgb.png', 'dog/copy-of-cat.png']])
    const codes = r.warnings.map((w) => w.code)
    expect(codes).toEqual(expect.arrayContaining(['DUPLICATE_ACROSS_CLASSES', 'EMPTY_CLASS', 'TINY_CLASS', 'MIXED_SIZES', 'MIXED_CHANNELS', 'SKIPPED_FILES']))
    expect(r.warnings.find((w) => w.code === 'DUPLICATE_ACROSS_CLASSES')!.message).toContain('cat/rgb.png')
  })

  it('flags duplicates that the validation split would put on both sides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-leak-'))
    for (let i = 0; i < 10; i++) {
      const a = await solid(4, 4, 3, [i * 20, 0, 0]).png().toBuffer()
      put(dir, `a/${i}.png`, a)
      put(dir, `a/copy-${i}.png`, a) // every image twice within class a
      put(dir, `b/${i}.png`, await solid(4, 4, 3, [0, i * 20, 0]).png().toBuffer())
    }
    const r = await inspectDataset(dir, { valSplit: 0.5, seed: 3 })
    expect(r.warnings.map((w) => w.code)).toContain('SPLIT_LEAKAGE')
    expect(r.warnings.map((w) => w.code)).toContain('DUPLICATES')
  })

  it('refuses what cannot be trained on: no images, or one class', async () => {
    const none = mkdtempSync(join(tmpdir(), 'cnn-none-'))
    put(none, 'a/readme.txt', 'no images here')
    const r0 = await inspectDataset(none)
    expect(r0.usable).toBe(false)
    expect(r0.problem).toMatch(/no class folder with a usable image/)
    const one = mkdtempSync(join(tmpdir(), 'cnn-one-'))
    put(one, 'only/1.png', await solid(4, 4, 1, [1]).png().toBuffer())
    expect((await inspectDataset(one)).problem).toMatch(/one class only \('only'\)/)
    await expect(loadDataset(one, { height: 4, width: 4, channels: 1 }, { cacheDir: false })).rejects.toThrow(DatasetError)
  })

  it('the CLI: spec keys with --json, exit 0 / 1 / 2', () => {
    const r = cli(['dataset', 'inspect', root, '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    for (const k of ['root', 'classes', 'images', 'skipped', 'sizes', 'channels', 'duplicates', 'warnings']) expect(j).toHaveProperty(k)
    expect(j.skipped[0]).toHaveProperty('path')
    expect(j.skipped[0]).toHaveProperty('reason')
    const human = cli(['dataset', 'inspect', root])
    expect(human.stdout).toMatch(/11 images in 3 classes/)
    expect(human.stdout).toMatch(/warning DUPLICATE_ACROSS_CLASSES/)
    const one = mkdtempSync(join(tmpdir(), 'cnn-one-cli-'))
    put(one, 'only/readme.txt', 'x')
    expect(cli(['dataset', 'inspect', one]).code).toBe(1)
    const missing = cli(['dataset', 'inspect', join(root, 'nope')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no such folder/)
  })
})
