// The trainer on the GPU keeps the CPU trainer's contract: the same losses epoch by epoch on the same seed
// and data, pause/resume/stop between steps, divergence ended with advice, evaluation with a confusion
// matrix, and checkpoints in the CPU's format, so a run stopped on one device continues on the other.
import { afterAll, describe, expect, it } from 'vitest'
import { randomSource } from '../../../src-engine/core/data/synthetic.ts'
import type { Hyper } from '../../../src-engine/core/train/types.ts'
import { decodeWeights } from '../../../src-engine/core/train/weights.ts'
import { releaseGpu } from '../../../src-engine/node/gpu/load.ts'
import { createGpuTrainer } from '../../../src-engine/node/gpu/trainer.ts'
import { createTrainer } from '../../../src-engine/node/trainer/index.ts'
import { chainModel } from '../../helpers/graphs.ts'
import { gpu, noGpu } from './device.ts'

afterAll(releaseGpu)

const hyper = (h: Partial<Hyper>): Hyper => ({ epochs: 2, batchSize: 16, optimizer: 'sgd', lr: 0.05, momentum: 0.9, seed: 1, ...h })
// No bias before the batchnorm: it would have no effect on the loss, and Adam would turn its float noise (a gradient of ~1e-8 that is 0 in exact arithmetic) into steps of the learning rate that differ by device.
const small = chainModel([8, 8, 3], [
  ['c1', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
  ['c2', 'conv2d', { filters: 8, kernel: 3, bias: false }], ['bn', 'batchnorm'], ['r2', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 4 }], ['out', 'softmax'],
])

describe.skipIf(!gpu)(`GPU trainer ${noGpu}`, () => {
  // SGD: Adam scales every step to the learning rate, so a gradient that is ~0 (a dead ReLU's bias: 0 on one
  // device, 1e-12 on the other as the sums' order differs) moves a weight by lr on one only. Adam's arithmetic
  // is held to the CPU's step by step in training.test.ts.
  it('trains to the CPU trainer\'s losses (train and validation) on the same seed and data; checkpoints in the same format', async () => {
    const runs = []
    for (const make of [createTrainer, createGpuTrainer]) {
      const t = make({ model: small, train: randomSource(48, [8, 8, 3], 4, 5), val: randomSource(20, [8, 8, 3], 4, 6), hyper: hyper({}), workers: 1 })
      const r = await t.run()
      const ev = await t.evaluate(randomSource(20, [8, 8, 3], 4, 6))
      runs.push({ r, ev, names: [...decodeWeights(t.exportWeights()).tensors.keys()] })
      await t.close()
    }
    const [cpu, g] = runs
    expect(g.r.status).toBe('completed')
    for (let e = 0; e < 2; e++) {
      expect(g.r.epochs[e].trainLoss).toBeCloseTo(cpu.r.epochs[e].trainLoss, 4)
      expect(g.r.epochs[e].valLoss!).toBeCloseTo(cpu.r.epochs[e].valLoss!, 4)
    }
    expect(g.ev.confusion).toEqual(cpu.ev.confusion)
    expect(g.ev.loss).toBeCloseTo(cpu.ev.loss, 4)
    expect(g.names).toEqual(cpu.names)
  })

  it('a checkpoint of the GPU continues on the CPU (and the other way) as a CPU-only run does', async () => {
    const train = () => randomSource(32, [8, 8, 3], 4, 7)
    const straight = createTrainer({ model: small, train: train(), hyper: hyper({}), workers: 1 })
    const whole = await straight.run()
    await straight.close()
    let checkpoint: Uint8Array | null = null
    const first = createGpuTrainer({ model: small, train: train(), hyper: hyper({ epochs: 1 }), onEpoch: (_e, w) => { checkpoint = w() } })
    await first.run()
    await first.close()
    const second = createTrainer({ model: small, train: train(), hyper: hyper({}), workers: 1, initialWeights: checkpoint!, startEpoch: 1 })
    const rest = await second.run()
    const back = createGpuTrainer({ model: small, train: train(), hyper: hyper({ epochs: 3 }), initialWeights: second.exportWeights(), startEpoch: 2 })
    const third = await back.run()
    await Promise.all([second.close(), back.close()])
    expect(rest.epochs.map((e) => e.epoch)).toEqual([2])
    expect(rest.epochs[0].trainLoss).toBeCloseTo(whole.epochs[1].trainLoss, 4)
    expect(third.epochs.map((e) => e.epoch)).toEqual([3])
    expect(third.epochs[0].trainLoss).toBeLessThan(whole.epochs[0].trainLoss)
  })

  it('pauses (the weights synced), resumes and stops between steps', async () => {
    const steps: number[] = []
    let pausedWeights: Uint8Array | null = null
    const t: ReturnType<typeof createGpuTrainer> = createGpuTrainer({
      model: small, train: randomSource(64, [8, 8, 3], 4), hyper: hyper({ epochs: 100 }),
      onStep: (e) => {
        steps.push(e.step)
        if (steps.length === 2) {
          void t.pause().then((halted) => {
            expect(halted).toBe(true)
            expect(steps.length).toBe(2) // nothing ran while paused
            pausedWeights = t.exportWeights()
            t.resume()
          })
        }
        if (steps.length === 5) t.stop()
      },
    })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('stopped')
    expect(steps.length).toBe(5)
    expect(decodeWeights(pausedWeights!).tensors.get('c1.weight')!.length).toBe(3 * 3 * 3 * 8)
  })

  it('a diverging run ends as diverged with advice, not a throw', async () => {
    const t = createGpuTrainer({ model: small, train: randomSource(64, [8, 8, 3], 4, 2), hyper: hyper({ epochs: 5, lr: 1e30 }) })
    const r = await t.run()
    await t.close()
    expect(r.status).toBe('diverged')
    expect(r.message).toMatch(/lower the learning rate/)
  })
})
