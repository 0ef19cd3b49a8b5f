// The trainer on real worker threads with the fast kernels: it learns, agrees across worker counts,
// stops cleanly on divergence, pauses/resumes/stops, and round-trips its weights.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { randomSource } from '../../../src-engine/core/data/synthetic.ts'
import { createTrainer } from '../../../src-engine/node/trainer/index.ts'
import type { Hyper } from '../../../src-engine/core/train/types.ts'
import { emptyStepProfile, type TrainerProfile } from '../../../src-engine/node/trainer/profile.ts'
import { decodeWeights, firstNonFinite } from '../../../src-engine/core/train/weights.ts'
import { chainModel } from '../../helpers/graphs.ts'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeMnistFolder } from '../../fixtures/mnist.ts'
import { createBatchSource, loadDataset, splitStratified } from '../../../src-engine/node/dataset/index.ts'

const template = (name: string) => parseModelFile(readFileSync(new URL(`../../../resources/templates/${name}.cnn.json`, import.meta.url), 'utf8'))
const hyper = (h: Partial<Hyper>): Hyper => ({ epochs: 1, batchSize: 16, optimizer: 'adam', lr: 0.001, momentum: 0.9, seed: 1, ...h })
const small = chainModel([8, 8, 3], [
  ['c1', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
  ['c2', 'conv2d', { filters: 8, kernel: 3 }], ['r2', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'],
])

describe('trainer', () => {
  it('overfits a fixed batch: the training loss goes to near zero', async () => {
    const data = randomSource(32, [8, 8, 3], 4, 3)
    const t = createTrainer({ model: small, train: data, hyper: hyper({ epochs: 150, batchSize: 32, lr: 0.01 }), workers: 2 })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('completed')
    expect(r.epochs[0].trainLoss).toBeGreaterThan(1) // ~ln 4 at the start
    expect(r.epochs.at(-1)!.trainLoss).toBeLessThan(0.05)
    expect(r.epochs.at(-1)!.trainAccuracy).toBe(1)
  })

  it('gives the same losses with 1 and 2 workers (the gradient is summed across shards)', async () => {
    const losses: number[][] = []
    for (const workers of [1, 2]) {
      const t = createTrainer({ model: small, train: randomSource(80, [8, 8, 3], 4, 5), hyper: hyper({ epochs: 3, batchSize: 20, optimizer: 'sgd', lr: 0.05 }), workers })
      const r = await t.run()
      await t.close()
      losses.push(r.epochs.map((e) => e.trainLoss))
    }
    for (let e = 0; e < 3; e++) expect(losses[1][e]).toBeCloseTo(losses[0][e], 4)
  })

  it('a checkpoint carries the sharded optimizer state: 3 epochs of Adam on 3 workers = 1 epoch, then a resume on 2 workers for 2 more', async () => {
    const data = () => randomSource(60, [8, 8, 3], 4, 7)
    const straight = createTrainer({ model: small, train: data(), hyper: hyper({ epochs: 3, batchSize: 20, lr: 0.01 }), workers: 3 })
    const all = await straight.run()
    await straight.close()
    let checkpoint: Uint8Array | null = null
    const first = createTrainer({ model: small, train: data(), hyper: hyper({ epochs: 1, batchSize: 20, lr: 0.01 }), workers: 3, onEpoch: (_e, weights) => { checkpoint = weights() } })
    await first.run()
    await first.close()
    const rest = createTrainer({ model: small, train: data(), hyper: hyper({ epochs: 3, batchSize: 20, lr: 0.01 }), workers: 2, initialWeights: checkpoint!, startEpoch: 1 })
    const resumed = await rest.run()
    await rest.close()
    // Adam's moments and step count came back: a reset optimizer would take its first, largest steps again.
    expect(resumed.epochs.map((e) => e.trainLoss)).toEqual(all.epochs.slice(1).map((e) => expect.closeTo(e.trainLoss, 4)))
  })

  it('plans for the images a step has: 3 images at batch 32 on 4 workers start 3, and a larger set is evaluated in steps that fit', async () => {
    const profile: TrainerProfile = { step: emptyStepProfile(), layers: [], workerTimings: [] }
    const a = createTrainer({ model: small, train: randomSource(3, [8, 8, 3], 4, 6), hyper: hyper({ epochs: 2, batchSize: 32 }), workers: 4, profile })
    const r = await a.run()
    expect(r.status).toBe('completed')
    expect(profile.workerTimings.length).toBe(3) // one image each: the estimate's plannedWorkers and shardBatch 1
    const test = randomSource(20, [8, 8, 3], 4, 8)
    const chunked = await a.evaluate(test)
    // The same weights in a trainer whose steps hold all 20 images.
    const b = createTrainer({ model: small, train: randomSource(20, [8, 8, 3], 4, 6), hyper: hyper({ epochs: 0, batchSize: 32 }), workers: 1, initialWeights: a.exportWeights() })
    const whole = await b.evaluate(test)
    await Promise.all([a.close(), b.close()])
    expect(chunked.confusion).toEqual(whole.confusion)
    expect(chunked.confusion.flat().reduce((x, y) => x + y, 0)).toBe(20)
    expect(chunked.loss).toBeCloseTo(whole.loss, 5)
  })

  it('fast and reference kernels train alike', async () => {
    const run = async (kernels: 'fast' | 'reference') => {
      const t = createTrainer({ model: small, train: randomSource(32, [8, 8, 3], 4, 9), hyper: hyper({ epochs: 2, batchSize: 16 }), workers: 1, kernels })
      const r = await t.run()
      await t.close()
      return r.epochs.map((e) => e.trainLoss)
    }
    const [f, r] = [await run('fast'), await run('reference')]
    expect(f[1]).toBeCloseTo(r[1], 4)
  })

  it('a diverging run ends as diverged with advice, not a throw', async () => {
    const t = createTrainer({ model: small, train: randomSource(64, [8, 8, 3], 4, 2), hyper: hyper({ epochs: 5, optimizer: 'sgd', lr: 1e30, momentum: 0.9 }), workers: 1 })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('diverged')
    expect(r.message).toMatch(/lower the learning rate/)
  })

  it('weights the step itself makes infinite end the run as diverged before the epoch writes them (issue 21)', async () => {
    // One step an epoch: its step is the epoch's last, so no later loss could show the weights are gone. Inputs
    // of 1e18 keep the step's loss and gradient finite (logits ~1e18, gradients ~1e17); lr 1e30 overflows float32.
    const src = randomSource(16, [8, 8, 3], 4, 2)
    const huge = { ...src, startEpoch: (e: number) => src.startEpoch(e), nextBatch: (x: Float32Array, y: Int32Array, max: number) => {
      const n = src.nextBatch(x, y, max)
      for (let i = 0; i < x.length; i++) x[i] *= 1e18
      return n
    } }
    const written: Uint8Array[] = []
    const t = createTrainer({
      model: small, train: huge, hyper: hyper({ epochs: 3, batchSize: 16, optimizer: 'sgd', lr: 1e30, momentum: 0 }), workers: 1,
      onEpoch: (_e, weights) => { written.push(weights()) },
    })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('diverged')
    expect(r.message).toMatch(/epoch 1, step 1: the weights became (NaN|[+-]infinity) \(in \w+\.(weight|bias)\) after the optimizer's step.*lower the learning rate/)
    for (const w of written) expect(firstNonFinite(decodeWeights(w).tensors)).toBeNull()
    expect(written).toHaveLength(0)
  })

  it('pauses, resumes and stops between steps; events carry the step and the rate', async () => {
    // The next step is on the workers before this one is reported (index.ts), so a pause or stop asked while
    // step k is reported takes effect after step k + 1: that one ran, so it is reported too; nothing after.
    const steps: number[] = []
    let whilePaused: number | null = null
    const t: ReturnType<typeof createTrainer> = createTrainer({
      model: small, train: randomSource(160, [8, 8, 3], 4), hyper: hyper({ epochs: 100, batchSize: 16 }), workers: 1,
      onStep: (e) => {
        steps.push(e.step)
        expect(e.lr).toBe(0.001)
        expect(e.stepsPerEpoch).toBe(10)
        if (steps.length === 3) {
          void t.pause().then((halted) => {
            expect(halted).toBe(true)
            const at = steps.length
            setTimeout(() => {
              whilePaused = steps.length - at // nothing ran while paused
              t.resume()
            }, 100)
          })
        }
        if (steps.length === 7) t.stop()
      },
    })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('stopped')
    expect(whilePaused).toBe(0)
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('a pause resolves true once no step is in flight, and false when a stop comes before it halts', async () => {
    let steps = 0
    let halted: Promise<boolean> | null = null
    const t: ReturnType<typeof createTrainer> = createTrainer({
      model: small, train: randomSource(160, [8, 8, 3], 4), hyper: hyper({ epochs: 100, batchSize: 16 }), workers: 1,
      onStep: () => {
        steps++
        // asked from outside the step loop, while the next step may already be on the workers
        if (steps === 2) setTimeout(() => (halted = t.pause()), 0)
      },
    })
    const running = t.run()
    await new Promise<void>((r) => { const wait = () => (halted ? r() : setTimeout(wait, 1)); wait() })
    expect(await halted).toBe(true)
    const at = steps
    await new Promise((r) => setTimeout(r, 100))
    expect(steps).toBe(at) // nothing reported after the halt
    const again = t.pause() // asked twice: the same halt
    expect(await again).toBe(true)
    t.resume()
    const late = t.pause()
    t.stop() // before the loop reaches its next step boundary
    expect(await late).toBe(false)
    expect((await running).status).toBe('stopped')
    await t.close()
  })

  it('exports weights that reproduce the same predictions, and refuses weights of another model', async () => {
    const val = randomSource(24, [8, 8, 3], 4, 11)
    const a = createTrainer({ model: small, train: randomSource(48, [8, 8, 3], 4), hyper: hyper({ epochs: 2 }), workers: 2 })
    await a.run()
    const before = await a.evaluate(val)
    const blob = a.exportWeights()
    await a.close()
    const b = createTrainer({ model: small, train: randomSource(48, [8, 8, 3], 4), hyper: hyper({ seed: 99 }), workers: 1, initialWeights: blob })
    const after = await b.evaluate(val)
    await b.close()
    expect(after.loss).toBeCloseTo(before.loss, 5)
    expect(after.confusion).toEqual(before.confusion)
    expect(after.confusion.flat().reduce((s, v) => s + v, 0)).toBe(24)
    const other = chainModel([8, 8, 3], [['f', 'flatten'], ['fc', 'dense', { units: 4 }], ['out', 'softmax']])
    const c = createTrainer({ model: other, train: randomSource(8, [8, 8, 3], 4), hyper: hyper({}), workers: 1, initialWeights: blob })
    await expect(c.evaluate(val)).rejects.toThrow(/do not fit this model: fc\.weight/)
    await c.close()
  })

  it('refuses a model with errors before starting any thread', () => {
    const bad = chainModel([8, 8, 3], [['fc', 'dense', { units: 4 }], ['out', 'softmax']])
    expect(() => createTrainer({ model: bad, train: randomSource(8, [8, 8, 3], 4), hyper: hyper({}) })).toThrow(/NEEDS_FLATTEN|feature map/)
  })

  it('learns real handwritten digits from a folder of PNGs: LeNet-5 reaches at least 95% validation accuracy', async () => {
    // 750 digits per class written as PNG files, read back through the dataset loader, split 80/20.
    const root = await writeMnistFolder(mkdtempSync(join(tmpdir(), 'cnn-digits-')), 750)
    const { set } = await loadDataset(root, { height: 28, width: 28, channels: 1 }, { cacheDir: false })
    expect(set.count).toBe(7500)
    const { train, val } = splitStratified(set, 0.2, 1)
    const t = createTrainer({
      model: template('lenet5'),
      train: createBatchSource(train, { shuffle: true, seed: 1 }),
      val: createBatchSource(val),
      hyper: hyper({ epochs: 5, batchSize: 32, lr: 0.002, schedule: { type: 'cosine' } }),
    })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('completed')
    expect(r.epochs.at(-1)!.valAccuracy).toBeGreaterThanOrEqual(0.95)
  })
})
