// A whole training step on the GPU: the optimizers equal core/train/optimizer.ts on the CPU network,
// dropout's seeded masks behave as the CPU layer's, evaluation and prediction use the running statistics,
// and one epoch of the sample dataset (real PNGs, decoded by sharp) ends at the CPU engine's loss.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { GpuNetwork } from '../../../src-engine/core/gpu/network.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { createOptimizer, type OptimizerSettings } from '../../../src-engine/core/train/optimizer.ts'
import { releaseGpu } from '../../../src-engine/node/gpu/load.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'
import { gpu, noGpu, worst } from './device.ts'

afterAll(releaseGpu)

const small = () => chainModel([6, 6, 2], [
  ['c', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['r', 'relu'], ['p', 'maxpool2d', { size: 2 }],
  ['bn', 'batchnorm'], ['f', 'flatten'], ['d', 'dense', { units: 5 }], ['t', 'tanh'], ['fc', 'dense', { units: 3 }], ['out', 'softmax'],
])

function batch(size: number, inputSize: number, classes: number, seed: number) {
  const rng = new Rng(seed)
  return { input: Float32Array.from({ length: size * inputSize }, () => rng.normal()), labels: Int32Array.from({ length: size }, () => rng.int(classes)) }
}

describe.skipIf(!gpu)(`GPU training step ${noGpu}`, () => {
  const settings: [string, OptimizerSettings, number][] = [
    ['SGD with momentum and weight decay', { optimizer: 'sgd', momentum: 0.9, weightDecay: 1e-3 }, 0.1],
    ['SGD with Nesterov momentum', { optimizer: 'sgd', momentum: 0.8, nesterov: true }, 0.1],
    ['Adam with L2', { optimizer: 'adam', momentum: 0, weightDecay: 1e-3 }, 0.01],
    ['AdamW', { optimizer: 'adamw', momentum: 0, weightDecay: 0.05, beta1: 0.8, beta2: 0.99 }, 0.01],
  ]
  it.each(settings)('%s: three steps equal the CPU optimizer on the CPU network, state and step count included', async (_name, s, lr) => {
    const n = 4
    const g = new GpuNetwork(gpu!, analyzed(small()), n, 11)
    const ref = new Network(analyzed(small()), referenceKernels('float64'), n, 11)
    ref.paramBlock.set(await g.readParams())
    const decay = new Uint8Array(ref.paramBlock.length)
    for (const p of ref.layout()) if (p.decay) decay.fill(1, p.offset, p.offset + p.size)
    const opt = createOptimizer(ref.paramBlock.length, decay, s)
    g.setOptimizer(s)
    for (let step = 0; step < 3; step++) {
      const { input, labels } = batch(n, g.inputSize, g.classes, 20 + step)
      ref.input.set(input)
      ref.forward(n, true)
      const want = ref.backward(labels, n, 1 / n)
      opt.step(ref.paramBlock, ref.gradBlock, lr)
      const got = await g.trainStep(input, labels, n, lr)
      expect(Math.abs(got.lossSum - want.lossSum)).toBeLessThan(1e-4 * want.lossSum)
    }
    const params = await g.readParams()
    for (const { name, offset, size } of g.layout) {
      const { err, scale } = worst(params.subarray(offset, offset + size), ref.paramBlock.subarray(offset, offset + size))
      expect(err, name).toBeLessThan(1e-4 * Math.max(scale, 1e-2))
    }
    const { err, scale } = worst(await g.optimizerState(), opt.state())
    expect(err).toBeLessThan(1e-4 * Math.max(scale, 1e-2))
    g.destroy()
  })

  it('dropout: a seeded mask of about `rate` zeros, the rest scaled by 1/(1-rate), the gradient through the same mask, new masks each step, identity in evaluation', async () => {
    const model = chainModel([8, 8, 2], [['c', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['drop', 'dropout', { rate: 0.25 }], ['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])
    const n = 4
    const { input, labels } = batch(n, 128, 2, 3)
    const masks: Float32Array[] = []
    for (const seed of [5, 5]) {
      const g = new GpuNetwork(gpu!, analyzed(model), n, seed)
      for (let step = 0; step < 2; step++) {
        await g.trainStep(input, labels, n)
        const len = n * 256
        const x = await gpu!.read(g.buffersOf('c')!.out, len), y = await gpu!.read(g.buffersOf('drop')!.out, len)
        const dy = await gpu!.read(g.buffersOf('drop')!.dOut, len), dx = await gpu!.read(g.buffersOf('c')!.dOut, len)
        const mask = y.map((v, i) => (v === 0 ? 0 : v / x[i]))
        const zeros = mask.filter((m) => m === 0).length / len
        expect(zeros).toBeGreaterThan(0.18)
        expect(zeros).toBeLessThan(0.32)
        for (let i = 0; i < len; i++) {
          if (mask[i] !== 0) expect(mask[i]).toBeCloseTo(1 / 0.75, 5)
          expect(dx[i]).toBeCloseTo(dy[i] * mask[i], 6)
        }
        masks.push(mask)
      }
      await g.evaluate(input, labels, n)
      expect(await gpu!.read(g.buffersOf('drop')!.out, n * 256)).toEqual(await gpu!.read(g.buffersOf('c')!.out, n * 256))
      g.destroy()
    }
    expect(masks[2]).toEqual(masks[0]) // the same seed, the same masks
    expect(masks[1]).not.toEqual(masks[0]) // each step its own
  })

  it('a buffer over the device\'s binding limit is refused by name, before any dispatch could silently skip it', () => {
    const limit = Math.min(gpu!.device.limits.maxStorageBufferBindingSize, gpu!.device.limits.maxBufferSize)
    expect(() => gpu!.buffer(limit / 4 + 1, 'c1 out')).toThrow(/^c1 out: \d+ bytes is more than this GPU binds in one buffer .*use a smaller batch size, or --device cpu$/)
  })

  it('evaluation and prediction use the running statistics, as the CPU network in eval', async () => {
    const n = 5
    const g = new GpuNetwork(gpu!, analyzed(small()), n, 4)
    const ref = new Network(analyzed(small()), referenceKernels('float64'), n, 4)
    ref.paramBlock.set(await g.readParams())
    const { input, labels } = batch(n, g.inputSize, g.classes, 9)
    ref.input.set(input)
    ref.forward(n, true)
    await g.trainStep(input, labels, n) // moves the running statistics
    const other = batch(n, g.inputSize, g.classes, 10)
    ref.input.set(other.input)
    const probs = ref.forward(n, false)
    const want = ref.evaluate(other.labels, n)
    const got = await g.evaluate(other.input, other.labels, n)
    expect(got.lossSum).toBeCloseTo(want.lossSum, 4)
    expect(got.correct).toBe(want.correct)
    const p = await g.predict(other.input, n)
    const { err } = worst(p, probs, n * 3)
    expect(err).toBeLessThan(1e-5)
    // The per-layer profile (bench --profile) covers every layer that runs a pass; its times are not asserted.
    expect((await g.profile(n, 1)).map((l) => l.id)).toEqual(ref.layers.map((l) => l.info.id))
    g.destroy()
  })
})

const SAMPLE = new URL('../../../resources/sample-dataset/shapes', import.meta.url).pathname

/**
 * The sample's images are made SIZE x SIZE (small: SwiftShader runs on the CPU). Not 16x16:
 * there the CPU engine takes Winograd F(8x8, 3x3) (core/kernels/plan.ts), whose rounding, ten times F(6x6)'s,
 * an epoch of SGD at this rate grows into a loss 1.5% off any other float32 run's: the check would measure the
 * CPU's rounding, not the GPU. At 20x20 the CPU takes F(4x4) and F(6x6), as close as they were at 16x16.
 */
const SIZE = 20

/** The sample's images, SIZE x SIZE, RGB in [0, 1], and their labels (classes by folder name, sorted). */
async function sample(): Promise<{ images: Float32Array; labels: Int32Array; classes: number }> {
  const classes = readdirSync(SAMPLE).sort()
  const files = classes.flatMap((c, k) => readdirSync(join(SAMPLE, c)).sort().map((f) => [join(SAMPLE, c, f), k] as const))
  const images = new Float32Array(files.length * SIZE * SIZE * 3)
  const labels = new Int32Array(files.length)
  await Promise.all(files.map(async ([file, k], i) => {
    const raw = await sharp(file).removeAlpha().resize(SIZE, SIZE).raw().toBuffer()
    for (let j = 0; j < raw.length; j++) images[i * SIZE * SIZE * 3 + j] = raw[j] / 255
    labels[i] = k
  }))
  return { images, labels, classes: classes.length }
}

describe.skipIf(!gpu)(`GPU: one epoch of the sample dataset ${noGpu}`, () => {
  it('ends at the CPU engine\'s loss on the same seed and order (SGD with momentum, batchnorm, branches of none: a small CNN)', async () => {
    const model = chainModel([SIZE, SIZE, 3], [
      ['c1', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2 }],
      ['c2', 'conv2d', { filters: 12, kernel: 3, padding: 'same', bias: false }], ['bn', 'batchnorm'], ['r2', 'relu'], ['p2', 'maxpool2d', { size: 2 }],
      ['gap', 'globalavgpool'], ['fc', 'dense', { units: 3 }], ['out', 'softmax'],
    ])
    const data = await sample()
    expect(data.labels.length).toBeGreaterThan(300)
    const B = 16, S = SIZE * SIZE * 3
    const g = new GpuNetwork(gpu!, analyzed(model), B, 1)
    const cpu = new Network(analyzed(model), await fastKernels(), B, 1)
    expect(worst(await g.readParams(), cpu.paramBlock).err).toBe(0) // the same seed draws the same weights
    const s: OptimizerSettings = { optimizer: 'sgd', momentum: 0.9 }
    const decay = new Uint8Array(cpu.paramBlock.length)
    const opt = createOptimizer(cpu.paramBlock.length, decay, s)
    g.setOptimizer(s)
    const order = Int32Array.from({ length: data.labels.length }, (_, i) => i)
    new Rng(2).shuffle(order)
    const x = new Float32Array(B * S), y = new Int32Array(B)
    let cpuLoss = 0, gpuLoss = 0, gpuCorrect = 0, cpuCorrect = 0
    for (let at = 0; at < order.length; at += B) {
      const n = Math.min(B, order.length - at)
      for (let k = 0; k < n; k++) {
        x.set(data.images.subarray(order[at + k] * S, (order[at + k] + 1) * S), k * S)
        y[k] = data.labels[order[at + k]]
      }
      cpu.input.set(x.subarray(0, n * S))
      cpu.forward(n, true)
      const c = cpu.backward(y, n, 1 / n)
      opt.step(cpu.paramBlock, cpu.gradBlock, 0.05)
      const r = await g.trainStep(x, y, n, 0.05)
      cpuLoss += c.lossSum
      gpuLoss += r.lossSum
      cpuCorrect += c.correct
      gpuCorrect += r.correct
    }
    const images = order.length
    console.log(`one epoch of the sample: CPU loss ${(cpuLoss / images).toFixed(5)} (${cpuCorrect} right), GPU ${(gpuLoss / images).toFixed(5)} (${gpuCorrect} right)`)
    expect(cpuLoss / images).toBeLessThan(Math.log(3)) // it learned something
    expect(Math.abs(gpuLoss - cpuLoss) / cpuLoss).toBeLessThan(1e-3)
    expect(Math.abs(gpuCorrect - cpuCorrect)).toBeLessThanOrEqual(2)
    const { err, scale } = worst(await g.readParams(), cpu.paramBlock)
    expect(err).toBeLessThan(1e-3 * scale)
    g.destroy()
  })
})
