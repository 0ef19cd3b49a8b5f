// What changed between two runs, image by image (issue 22 scope 1), on a real SQLite file and real PNGs.
// Two runs of one tiny network (flatten, dense, softmax on 4x4 grey images) whose weights are set by hand:
// each calls an image "light" when its mean brightness passes a threshold, 0.5 for A and 0.3 for B, with the
// confidence sigmoid(20 (mean - threshold)). On uniform grey images of chosen brightness the confusion-matrix
// diff, the fixed and broken lists and their order are known before anything runs.
import { existsSync, mkdtempSync, renameSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'
import { classCounts, loadDataset } from '../../../src-engine/node/dataset/index.ts'
import { createHost } from '../../../src-main/host/host.ts'
import { diffEvaluations, predictionDiff } from '../../../src-main/services/compare-predictions.ts'
import { ServiceError } from '../../../src-main/services/errors.ts'
import { evaluateRun, storedTestKey } from '../../../src-main/services/insight/evaluate.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import type { PredictionDiff } from '../../../src-main/api/contract.ts'
import { chainModel } from '../../helpers/graphs.ts'
import { cli } from '../../helpers/cli.ts'

const work = mkdtempSync(join(tmpdir(), 'cnn-prediction-diff-'))
const cacheDir = join(work, 'cache')
const db = join(work, 'runs.db')
const model = chainModel([4, 4, 1], [['flat', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])
const K = 20
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

/** Weights calling "light" (class 1) above `threshold` of mean brightness: dense w [16 in, 2 units] row-major. */
function thresholdWeights(threshold: number): Uint8Array {
  const w = new Float32Array(32)
  for (let i = 0; i < 16; i++) w[i * 2 + 1] = K / 16
  return encodeWeights([{ name: 'fc.weight', data: w }, { name: 'fc.bias', data: Float32Array.of(0, -K * threshold) }])
}

async function grey(dir: string, name: string, level: number): Promise<number> {
  mkdirSync(dir, { recursive: true })
  const v = Math.round(level * 255)
  await sharp(Buffer.alloc(16, v), { raw: { width: 4, height: 4, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, name))
  return v / 255
}

// The test folder: file names chosen so that their order is not the order of confidence.
const TEST: [cls: 'dark' | 'light', name: string, level: number][] = [
  ['dark', 'd1.png', 0.1], ['dark', 'd2.png', 0.46], ['dark', 'd3.png', 0.39], ['dark', 'd4.png', 0.8],
  ['light', 'l1.png', 0.33], ['light', 'l2.png', 0.43], ['light', 'l3.png', 0.2], ['light', 'l4.png', 0.9],
]
const testDir = join(work, 'test')
const otherDir = join(work, 'other')
const trainDir = join(work, 'train')
const mean = new Map<string, number>()
let runA = '', runB = '', runC = ''

function record(store: Store, name: string, threshold: number, settings: Record<string, unknown>, dataset: { fingerprint: string; counts: number[] }, root = trainDir): string {
  const datasetId = store.saveDataset({ root, fingerprint: dataset.fingerprint, classes: ['dark', 'light'], counts: dataset.counts })
  const id = store.createRun({ name, settings: { datasetDir: root, testDir: null, valSplit: 0.2, seed: 1, ...settings }, modelId: store.saveModel(model).id, datasetId, splitSeed: 1 })
  store.recordEpoch(id, { epoch: 1, trainLoss: 0.5, trainAccuracy: 0.8, valLoss: 0.5, valAccuracy: 0.8, lr: 0.01, seconds: 1, imagesPerSecond: 1 }, [], thresholdWeights(threshold))
  store.setStatus(id, 'completed')
  return id
}

beforeAll(async () => {
  for (const [cls, name, level] of TEST) mean.set(join(testDir, cls, name), await grey(join(testDir, cls), name, level))
  // A training folder the runs split (10 a class, so 2 a class held out), and a folder sharing no file with the test one.
  for (let i = 0; i < 10; i++) {
    await grey(join(trainDir, 'dark'), `t${i}.png`, 0.05 + 0.05 * i)
    await grey(join(trainDir, 'light'), `t${i}.png`, 0.5 + 0.05 * i)
  }
  await grey(join(otherDir, 'dark'), 'o1.png', 0.4)
  await grey(join(otherDir, 'light'), 'o2.png', 0.4)
  const d = await loadDataset(trainDir, { height: 4, width: 4, channels: 1 }, { cacheDir: false })
  const dataset = { fingerprint: d.fingerprint, counts: classCounts(d.set) }
  const store = new Store(db)
  runA = record(store, 'threshold 0.5', 0.5, {}, dataset)
  runB = record(store, 'threshold 0.3', 0.3, {}, dataset)
  runC = record(store, 'other seed', 0.4, { seed: 2 }, dataset)
  store.close()
}, 120_000)

async function withStore<T>(fn: (s: Store) => Promise<T>): Promise<T> {
  const store = new Store(db)
  try {
    return await fn(store)
  } finally {
    store.close()
  }
}
const path = (cls: string, name: string) => join(testDir, cls, name)
const paths = (d: PredictionDiff, idx: number[]) => idx.map((i) => d.images[i].path)

describe('the prediction diff of two runs on a test folder', () => {
  let d: PredictionDiff
  beforeAll(async () => {
    d = await withStore((s) => predictionDiff(s, runA, runB, { testDir, cacheDir }))
  }, 120_000)

  it('gives both confusion matrices on the same images and B minus A cell by cell', () => {
    expect(d.source).toMatchObject({ split: 'test', folder: testDir })
    expect(d.classes).toEqual(['dark', 'light'])
    expect(d.count).toBe(8)
    expect(d.confusion.a).toEqual([[3, 1], [3, 1]])
    expect(d.confusion.b).toEqual([[1, 3], [1, 3]])
    expect(d.confusion.diff).toEqual([[-2, 2], [-2, 2]])
    expect(d.a).toMatchObject({ runId: runA, name: 'threshold 0.5', correct: 4, accuracy: 0.5, checkpoint: { kind: 'best', epoch: 1 } })
    expect(d.b).toMatchObject({ runId: runB, correct: 4, accuracy: 0.5 })
    expect(d.counts).toEqual({ fixed: 2, broken: 2, bothRight: 2, bothWrong: 2, otherWrong: 0, changed: 4 })
  })

  it('lists fixed by B most confident B first, and broken by B most confident A first, with both runs\' guesses', () => {
    expect(paths(d, d.fixed)).toEqual([path('light', 'l2.png'), path('light', 'l1.png')])
    expect(paths(d, d.broken)).toEqual([path('dark', 'd3.png'), path('dark', 'd2.png')])
    const l2 = d.images[d.fixed[0]]
    expect(l2).toMatchObject({ true: 1, a: { predicted: 0 }, b: { predicted: 1 } })
    expect(l2.b.confidence).toBeCloseTo(sigmoid(K * (mean.get(l2.path)! - 0.3)), 4)
    expect(l2.a.confidence).toBeCloseTo(1 - sigmoid(K * (mean.get(l2.path)! - 0.5)), 4)
    const d3 = d.images[d.broken[0]]
    expect(d3.a.confidence).toBeCloseTo(1 - sigmoid(K * (mean.get(d3.path)! - 0.5)), 4)
    expect(d.images[d.broken[0]].a.confidence).toBeGreaterThan(d.images[d.broken[1]].a.confidence)
    expect(d.images.every((im) => im.thumbnail?.startsWith('data:image/png'))).toBe(true)
  })

  it('gives each changed cell the images that came in and went out', () => {
    expect(d.cells.map((c) => [c.true, c.predicted, c.a, c.b, c.delta])).toEqual([[0, 0, 3, 1, -2], [0, 1, 1, 3, 2], [1, 0, 3, 1, -2], [1, 1, 1, 3, 2]])
    const [darkOk, darkAsLight, lightAsDark, lightOk] = d.cells
    expect(paths(d, darkOk.left)).toEqual([path('dark', 'd3.png'), path('dark', 'd2.png')])
    expect(darkOk.entered).toEqual([])
    // d2 (0.46) is further above B's threshold than d3 (0.39): B is surer of it.
    expect(paths(d, darkAsLight.entered)).toEqual([path('dark', 'd2.png'), path('dark', 'd3.png')])
    expect(paths(d, lightAsDark.left)).toEqual([path('light', 'l1.png'), path('light', 'l2.png')])
    expect(paths(d, lightOk.entered)).toEqual([path('light', 'l2.png'), path('light', 'l1.png')])
  })

  it('keeps each run\'s evaluation of the chosen folder under its own key', async () => {
    const kept = await withStore(async (s) => [s.storedEvaluation(runA, storedTestKey(testDir), 'best'), s.storedEvaluation(runB, storedTestKey(testDir), 'best')])
    expect(kept.every((k) => k?.epoch === 1)).toBe(true)
    // The run page's own evaluations are left alone.
    expect(await withStore(async (s) => s.storedEvaluation(runA, 'test', 'best'))).toBeNull()
  })
})

describe('the prediction diff on the validation split both runs share', () => {
  it('uses the split when the runs share folder, seed and share, and reads it back from the database the second time', async () => {
    const host = createHost({ dbPath: db, cacheDir })
    let first: PredictionDiff
    try {
      const r = await host.invoke('runs.predictionDiff', { a: runA, b: runB })
      expect(r.ok, JSON.stringify(r).slice(0, 400)).toBe(true)
      first = (r as { result: PredictionDiff }).result
      expect(first.source).toMatchObject({ split: 'val', folder: trainDir })
      expect(first.source.description).toMatch(/validation split both runs hold out .*seed 1, 20%/)
      expect(first.count).toBe(4) // 20% of 10 a class
      // The same images as each run's own evaluation: the diff is their confusion matrices subtracted.
      const ea = (await host.invoke('runs.evaluation', { runId: runA })) as { result: { confusion: number[][]; count: number } }
      const eb = (await host.invoke('runs.evaluation', { runId: runB })) as { result: { confusion: number[][] } }
      expect(first.confusion.a).toEqual(ea.result.confusion)
      expect(first.confusion.diff).toEqual(eb.result.confusion.map((row, t) => row.map((v, p) => v - ea.result.confusion[t][p])))
    } finally {
      host.close()
    }
    // With the training folder gone, only the kept evaluations can answer: no inference runs the second time.
    const moved = `${trainDir}-moved`
    renameSync(trainDir, moved)
    try {
      const again = createHost({ dbPath: db, cacheDir })
      try {
        const r = await again.invoke('runs.predictionDiff', { a: runA, b: runB })
        expect(r.ok, JSON.stringify(r).slice(0, 400)).toBe(true)
        expect((r as { result: PredictionDiff }).result).toEqual(first)
      } finally {
        again.close()
      }
    } finally {
      renameSync(moved, trainDir)
    }
  }, 120_000)
})

describe('refusals', () => {
  it('says why two runs share no validation images and what to pick, over the contract', async () => {
    const host = createHost({ dbPath: db, cacheDir })
    try {
      const r = await host.invoke('runs.predictionDiff', { a: runA, b: runC })
      expect(r).toMatchObject({ ok: false, error: { code: 'NO_SHARED_IMAGES' } })
      const msg = (r as { error: { message: string } }).error.message
      expect(msg).toMatch(/not validated on the same images: they split it with different seeds \(1 and 2\)/)
      expect(msg).toMatch(/pick a test folder both can read, one sub-folder per class \(dark, light\)/)
      // With a test folder named, the same pair compares.
      const ok = await host.invoke('runs.predictionDiff', { a: runA, b: runC, testDir })
      expect(ok.ok, JSON.stringify(ok).slice(0, 400)).toBe(true)
    } finally {
      host.close()
    }
  }, 120_000)

  it('refuses evaluations that share no image', async () => {
    const [ea, eb] = await withStore(async (s) => [await evaluateRun(s, runA, { split: 'test', testDir, cacheDir }), await evaluateRun(s, runB, { split: 'test', testDir: otherDir, cacheDir })])
    let err: unknown
    try {
      diffEvaluations(ea, eb, { a: 'A', b: 'B' }, { split: 'test', description: '' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ServiceError)
    expect(err).toMatchObject({ code: 'NO_SHARED_IMAGES' })
    expect((err as Error).message).toMatch(/share no image: .* on 8 images of .*test, .* on 2 of .*other; pick a test folder both can read/)
  }, 120_000)

  it('refuses hostile or wrong requests at the boundary', async () => {
    const host = createHost({ dbPath: db, cacheDir })
    try {
      for (const payload of [{ a: runA, b: runA }, { a: runA }, { a: runA, b: 'r_../../x' }, { a: runA, b: runB, testDir: 'x'.repeat(5000) }, { a: runA, b: runB, extra: 1 }]) {
        expect(await host.invoke('runs.predictionDiff', payload)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
      }
      expect(await host.invoke('runs.predictionDiff', { a: runA, b: 'r_nosuchrun' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    } finally {
      host.close()
    }
  })
})

describe('cnn-studio runs diff', () => {
  const env = { ...process.env, CNN_STUDIO_CACHE: cacheDir }
  it('prints the diff matrix and both lists, --json the whole diff, and refuses runs that share no images with exit 2', () => {
    const human = cli(['runs', 'diff', runA, runB, '--test-dir', testDir, '--db', db], { env })
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/on the test folder .*test: 8 images\naccuracy 50\.0% -> 50\.0%; both right 2, both wrong 2\n/)
    expect(human.stdout).toMatch(/│ dark +│ -2 \(3 -> 1\) +│ \+2 \(1 -> 3\) +│/)
    expect(human.stdout).toMatch(/fixed by B \(A wrong, B right\) \(2\), most confident first:\n {2}light\/l2\.png: light, B 9\d\.\d% right; A said dark \(\d+\.\d%\)\n {2}light\/l1\.png/)
    expect(human.stdout).toMatch(/broken by B \(A right, B wrong\) \(2\), most confident first:\n {2}dark\/d3\.png: dark, A 9\d\.\d% right; B said light/)
    const json = cli(['runs', 'diff', runA, runB, '--test-dir', testDir, '--db', db, '--json'], { env })
    expect(json.code, json.stderr).toBe(0)
    const d = JSON.parse(json.stdout) as PredictionDiff
    expect(d.confusion.diff).toEqual([[-2, 2], [-2, 2]])
    expect(paths(d, d.fixed)).toEqual([path('light', 'l2.png'), path('light', 'l1.png')])
    const refused = cli(['runs', 'diff', runA, runC, '--db', db], { env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/different seeds \(1 and 2\).*--test-dir DIR/)
  }, 120_000)
})

describe('a train/test root', () => {
  it('names its validation images by their files under train/, so the diff can open them', async () => {
    const root = join(work, 'root')
    for (let i = 0; i < 10; i++) {
      await grey(join(root, 'train', 'dark'), `t${i}.png`, 0.05 + 0.05 * i)
      await grey(join(root, 'train', 'light'), `t${i}.png`, 0.5 + 0.05 * i)
    }
    await grey(join(root, 'test', 'dark'), 'x.png', 0.2)
    await grey(join(root, 'test', 'light'), 'y.png', 0.8)
    const d = await loadDataset(join(root, 'train'), { height: 4, width: 4, channels: 1 }, { cacheDir: false })
    const dataset = { fingerprint: d.fingerprint, counts: classCounts(d.set) }
    const [ra, rb] = await withStore(async (s) => [
      record(s, 'root A', 0.5, { testDir: join(root, 'test') }, dataset, root),
      record(s, 'root B', 0.3, { testDir: join(root, 'test') }, dataset, root),
    ])
    const e = await withStore((s) => evaluateRun(s, ra, { split: 'val', cacheDir }))
    expect(e.predictions).toHaveLength(4)
    expect(e.predictions.filter((p) => !existsSync(p.path))).toEqual([])
    const diff = await withStore((s) => predictionDiff(s, ra, rb, { cacheDir }))
    expect(diff.source.split).toBe('val')
    expect(diff.images.every((im) => im.path.startsWith(join(root, 'train')) && existsSync(im.path))).toBe(true)
  }, 120_000)
})
