// What `runs.insight` and `runs.predict` (and `cnn-studio predict`) read when the page or a user names a
// path (issue 21, items 1, 5 and 16): only regular files, bounded, off the event loop. /dev/zero never ends,
// /proc/self/pagemap says 0 bytes and reads as hundreds of GiB, a FIFO blocks its reader until someone
// writes (on the event loop, every client of `serve` with it), a sparse file says 1.5 GB: each is a coded
// error naming the path, at once. A folder is listed by the dataset scan's walker with its caps, links
// followed (each real file once), and one request expands to at most PREDICT_IMAGE_LIMIT images.
import { execFileSync } from 'node:child_process'
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import type { PredictReport } from '../../../src-main/api/contract.ts'
import { PREDICT_IMAGE_LIMIT } from '../../../src-main/services/insight/images.ts'
import { cli } from '../../helpers/cli.ts'
import { syntheticFolder } from '../export/folders.ts'

const linux = process.platform === 'linux'
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const shapes = parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
let host: Host, runId: string, data: string, base: string, db: string, fifo: string, huge: string

beforeAll(async () => {
  base = tmp('cnn-robust-reads-')
  db = join(base, 'x.db')
  data = await syntheticFolder(join(base, 'data'), { classes: 3, perClass: 4, size: 32, channels: 3 })
  host = createHost({ dbPath: db, cacheDir: join(base, 'cache') })
  const r = await host.invoke('runs.start', { model: shapes, datasetDir: data, settings: { epochs: 1, batchSize: 4, workers: 1 } })
  if (!r.ok) throw new Error(r.error.message)
  runId = (r.result as { runId: string }).runId
  await host.service.whenIdle()
  huge = join(base, 'huge.png')
  const fd = openSync(huge, 'w')
  ftruncateSync(fd, 1500 * 2 ** 20) // sparse: 1.5 GB by its size, no disk
  closeSync(fd)
  fifo = join(base, 'pipe.png')
  if (linux) execFileSync('mkfifo', [fifo])
}, 120_000)
afterAll(() => host?.close())

const insight = (path: string) => host.invoke('runs.insight', { runId, image: { path } })
const predict = (paths: string[]) => host.invoke('runs.predict', { runId, images: paths.map((path) => ({ path })) })

describe('runs.insight reads only a regular image file, bounded', () => {
  it('a sparse 1.5 GB file is TOO_LARGE with its size and the cap, unread', async () => {
    expect(await insight(huge)).toEqual({ ok: false, error: { code: 'TOO_LARGE', message: expect.stringMatching(/huge\.png: too large \(1500 MiB; the limit is 64 MiB\): not read/) } })
  })

  it.skipIf(!linux)('on Linux: /dev/zero, /proc/self/pagemap and a FIFO with no writer are UNREADABLE, named, at once', async () => {
    expect(await insight('/dev/zero')).toEqual({ ok: false, error: { code: 'UNREADABLE', message: expect.stringMatching(/^\/dev\/zero: a character device, not a regular file: not read \(give the path of an image file\)/) } })
    expect(await insight('/proc/self/pagemap')).toEqual({ ok: false, error: { code: 'UNREADABLE', message: expect.stringMatching(/^\/proc\/self\/pagemap: its size reads 0 bytes but it holds data: a special file/) } })
    // Read on the event loop, a FIFO with no writer would block this test (and every client of serve) forever.
    expect(await insight(fifo)).toEqual({ ok: false, error: { code: 'UNREADABLE', message: expect.stringMatching(/pipe\.png: a FIFO \(named pipe\), not a regular file/) } })
    // The host still answers: nothing was left blocked.
    expect((await insight(join(data, 'class-00', '0.png'))).ok).toBe(true)
  })
})

describe('runs.predict lists folders with the scan\'s rules', () => {
  it('follows linked images and folders, counts a file once, and lists what it skips with the reason', async () => {
    const dir = join(base, 'mixed')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'a.png'), readFileSync(join(data, 'class-00', '0.png')))
    symlinkSync(join(data, 'class-01', '0.png'), join(dir, 'linked.png'))
    symlinkSync(join(data, 'class-01'), join(dir, 'linked-folder'))
    symlinkSync(dir, join(dir, 'sub', 'loop'))
    symlinkSync(huge, join(dir, 'huge.png'))
    if (linux) symlinkSync('/dev/null', join(dir, 'null.png'))
    const r = await predict([dir])
    if (!r.ok) throw new Error(r.error.message)
    const p = r.result as PredictReport
    expect(p.predictions.map((x) => x.path.slice(dir.length + 1))).toEqual(['a.png', ...[0, 1, 2, 3].map((i) => `linked-folder/${i}.png`)])
    const why = (rel: string) => p.skipped.find((s) => s.path === join(dir, rel))?.reason
    expect(why('linked.png')).toMatch(/the same file as linked-folder\/0\.png \(a link\); counted once/)
    expect(why('sub/loop')).toMatch(/symbolic link loop/)
    expect(why('huge.png')).toMatch(/^too large \(1500 MiB/)
    if (linux) expect(why('null.png')).toMatch(/^a character device \(through a link\), not an image file/)
  })

  it.skipIf(!linux)('on Linux: a device or FIFO named as the path is UNREADABLE, saying what it is and what to give', async () => {
    expect(await predict([fifo])).toEqual({ ok: false, error: { code: 'UNREADABLE', message: `${fifo} is a FIFO (named pipe), not an image file or a folder: give the path of an image file or of a folder of images` } })
    expect(await predict(['/dev/null'])).toMatchObject({ ok: false, error: { code: 'UNREADABLE', message: expect.stringMatching(/^\/dev\/null is a character device/) } })
  })

  it(`one request expands to at most ${PREDICT_IMAGE_LIMIT.toLocaleString('en-US')} images: a folder named twice past it is TOO_LARGE, before any decoding`, async () => {
    const dir = join(base, 'many')
    mkdirSync(dir)
    // Empty files: the listing is what is capped, so they are never read.
    const half = PREDICT_IMAGE_LIMIT / 2 + 1
    for (let i = 0; i < half; i++) writeFileSync(join(dir, `${i}.png`), '')
    expect(await predict([dir, dir])).toEqual({ ok: false, error: { code: 'TOO_LARGE', message: `${dir}: one request predicts at most ${PREDICT_IMAGE_LIMIT.toLocaleString('en-US')} images, and this folder with the request's other images holds more: predict a smaller folder, or split it over several requests` } })
  })
})

describe.skipIf(!linux)('cnn-studio predict on Linux', () => {
  it('/proc/self/pagemap is skipped with the reason (exit 1, no image); a FIFO is bad input (exit 2), not a raw scandir error', () => {
    const env = { ...process.env, CNN_STUDIO_CACHE: join(base, 'cache') }
    const r = cli(['predict', runId, '/proc/self/pagemap', '--db', db], { env })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/skipped \/proc\/self\/pagemap: its size reads 0 bytes but it holds data/)
    const f = cli(['predict', runId, fifo, '--db', db], { env })
    expect(f.code).toBe(2)
    expect(f.stderr).toBe(`cnn-studio: ${fifo} is a FIFO (named pipe), not an image file or a folder: give the path of an image file or of a folder of images\n`)
  })
})
