// Dataset layouts: a root with train/ and test/ (and val/ or valid/) of class folders is one dataset with
// its splits; a dataset whose classes are literally named "train" and "test" stays a dataset of those classes.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatasetError, detectLayout, inspectDataset } from '../../../src-engine/node/dataset/index.ts'
import { solid, put } from '../../fixtures/images/make.ts'
import { makeSplitRoot, SPLIT_CLASSES } from '../../fixtures/split-root.ts'

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `cnn-layout-${name}-`))

describe('split layout detection', () => {
  it('recognises train/ and test/ (any case) and val/ or valid/, each holding class folders', async () => {
    const root = tmp('tt')
    await makeSplitRoot(root, { train: 2, test: 1, val: 1, names: { train: 'Train', val: 'valid' } })
    const l = detectLayout(root)
    expect(l).toMatchObject({ train: join(root, 'Train'), test: join(root, 'test'), val: join(root, 'valid'), names: { train: 'Train', test: 'test', val: 'valid' } })
  })

  it('reads classes literally named "train" and "test", with their images directly inside, as classes', async () => {
    const root = tmp('literal')
    for (const c of ['train', 'test']) for (let i = 0; i < 3; i++) put(root, `${c}/${i}.png`, await solid(8, 8, 3, [i * 40, c === 'train' ? 200 : 20, 9]).png().toBuffer())
    expect(detectLayout(root)).toBeNull()
    const r = await inspectDataset(root)
    expect(r.classes.map((c) => [c.name, c.count])).toEqual([['test', 3], ['train', 3]])
    expect(r.splits).toBeUndefined()
    expect(r.usable).toBe(true)
  })

  it('needs a test or validation folder beside train/', async () => {
    const root = tmp('alone')
    await makeSplitRoot(root, { train: 1, test: 0 })
    rmSync(join(root, 'test'), { recursive: true, force: true })
    expect(detectLayout(root)).toBeNull()
  })
})

describe('the report of a train/test root', () => {
  it('gives the classes of train/, the images per split and per class per split', async () => {
    const root = tmp('report')
    await makeSplitRoot(root, { train: 6, test: 2, val: 3 })
    const r = await inspectDataset(root)
    expect(r.classes.map((c) => c.name)).toEqual([...SPLIT_CLASSES])
    expect(r.splits).toEqual({ train: 18, test: 6, val: 9 })
    expect(r.classes[0]).toEqual({ name: 'blue', count: 6, splits: { train: 6, test: 2, val: 3 } })
    expect(r.images).toBe(33)
    expect(r.layout).toEqual({ train: join(root, 'train'), test: join(root, 'test'), val: join(root, 'val') })
    expect(r.usable).toBe(true)
    expect(r.warnings.map((w) => w.code)).not.toContain('CLASS_IMBALANCE')
  })

  it('is not usable when a split misses a class, or has one train/ does not', async () => {
    const root = tmp('missing')
    await makeSplitRoot(root, { train: 3, test: 2 })
    rmSync(join(root, 'test/green'), { recursive: true })
    put(root, 'test/purple/0.png', await solid(8, 8, 3, [120, 0, 120]).png().toBuffer())
    const r = await inspectDataset(root)
    expect(r.usable).toBe(false)
    expect(r.problem).toMatch(/test\/ has no images of class 'green'/)
    expect(r.problem).toMatch(/test\/ has class folder 'purple' that train\/ does not have/)
  })

  it('flags a picture in two split folders as leakage, naming both files', async () => {
    const root = tmp('leak')
    await makeSplitRoot(root, { train: 3, test: 2 })
    copyFileSync(join(root, 'train/red/0.png'), join(root, 'test/red/copy.png'))
    const r = await inspectDataset(root, { valSplit: 0 })
    expect(r.leakage).toEqual([['train/red/0.png', 'test/red/copy.png']])
    const w = r.warnings.find((x) => x.code === 'SPLIT_LEAKAGE')
    expect(w?.message).toMatch(/more than one split folder/)
    expect(r.warnings.map((x) => x.code)).not.toContain('DUPLICATES') // not a copy that counts twice in training
  })

  it('stops a read when cancelled, with CANCELLED', async () => {
    const root = tmp('cancel')
    await makeSplitRoot(root, { train: 4, test: 1 })
    const ac = new AbortController()
    let seen = 0
    const read = inspectDataset(root, { signal: ac.signal, onSeen: (n) => (seen = n), onProgress: (done) => { if (done === 2) ac.abort() } })
    await expect(read).rejects.toSatisfy((e) => e instanceof DatasetError && e.code === 'CANCELLED')
    expect(seen).toBe(15)
    const before = new AbortController()
    before.abort()
    await expect(inspectDataset(root, { signal: before.signal })).rejects.toSatisfy((e) => e instanceof DatasetError && e.code === 'CANCELLED')
  })
})
