// The training memory estimate: hand-worked figures for a small net, and the per-worker part against
// what the engine really reserves in its WebAssembly memory (the fast kernels' bump allocator).
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { analyzeGraph, parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { PACK_A_BYTES, PACK_B_BYTES } from '../../../src-engine/core/kernels/plan.ts'
import { estimateTrainingMemory, WASM_MEMORY_LIMIT } from '../../../src-engine/core/nn/memory.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'
import { deadEnd } from './models.ts'

const PACK = PACK_A_BYTES + PACK_B_BYTES
const tiny = () => analyzed(chainModel([8, 8, 1], [
  ['c', 'conv2d', { filters: 4, kernel: 3 }], ['r', 'relu'], ['f', 'flatten'], ['d', 'dense', { units: 2 }], ['s', 'softmax'],
]))

describe('estimateTrainingMemory', () => {
  it('gives the hand-worked figures of a small conv net', () => {
    // params: conv 3*3*1*4 + 4 = 40, dense 144*2 + 2 = 290: 330 floats.
    const m = estimateTrainingMemory(tiny(), { batchSize: 4, optimizer: 'adam', workers: 2, datasetImages: 10 })
    expect(m.weights).toBe((2 + 2) * 330 * 4) // two workers, the master, the checkpoint
    expect(m.gradients).toBe(3 * 330 * 4) // two workers and the coordinator's sum
    expect(m.optimizerState).toBe((3 * (2 * 330 + 1) + 330) * 4) // m, v, t; its checkpoint copy and blob; the decay mask
    expect(m.dataset).toBe(2 * 10 * 64) // uint8 8x8x1, set + split copies
    // One worker, shard 2 (64-byte aligned): input 512; conv out+dOut 2*1152 (the ReLU is fused);
    // flatten 2*1152; dense 2*64; softmax 2*64; dlogits 64; labels+predictions 128. Conv scratch: one input
    // channel runs the direct conv, which packs the 9x4 weights into one panel of 8 columns (72 floats) and
    // keeps a padded copy of the 8x8 image (64) and two conv rows (2*6*4 = 48): 736 -> 768 bytes. Its weight
    // gradient asks for the same, and no input gradient goes into the image.
    const worker = 512 + 2304 + 2304 + 128 + 128 + 768 + 64 + 128 + PACK
    expect(m.activations).toBe(2 * worker + 2 * 4 * (64 * 4 + 4))
    const sum = m.weights + m.gradients + m.optimizerState + m.activations + m.dataset
    expect(m.total).toBeGreaterThan(sum) // plus the runtime
    expect(estimateTrainingMemory(tiny(), { batchSize: 4, optimizer: 'sgd', workers: 2 }).optimizerState).toBe(4 * 330 * 4)
  })

  it('grows with the batch, the workers, the dataset and Adam, and never throws on a broken graph', () => {
    const a = tiny()
    const base = estimateTrainingMemory(a, { batchSize: 16, optimizer: 'sgd' })
    expect(estimateTrainingMemory(a, { batchSize: 64, optimizer: 'sgd' }).activations).toBeGreaterThan(base.activations)
    expect(estimateTrainingMemory(a, { batchSize: 16, optimizer: 'sgd', workers: 4 }).weights).toBe(2 * base.weights)
    expect(estimateTrainingMemory(a, { batchSize: 16, optimizer: 'adamw' }).optimizerState).toBeGreaterThan(base.optimizerState)
    expect(estimateTrainingMemory(a, { batchSize: 16, optimizer: 'sgd', datasetImages: 1000 }).dataset).toBe(2 * 1000 * 64)
    // More workers than images in a batch: the trainer starts only as many as the batch has images.
    expect(estimateTrainingMemory(a, { batchSize: 2, optimizer: 'sgd', workers: 8 }).gradients).toBe(3 * 330 * 4)
    const broken = analyzeGraph(chainModel([8, 8, 1], [['c', 'conv2d', { filters: 4, kernel: 30 }], ['s', 'softmax']]))
    expect(broken.hasErrors).toBe(true)
    expect(Number.isFinite(estimateTrainingMemory(broken, { batchSize: 8, optimizer: 'adam' }).total)).toBe(true)
  })

  // The worker's share is what the Network, its labels and one train step reserve in the kernel memory.
  const template = (name: string) => parseModelFile(readFileSync(new URL(`../../../resources/templates/${name}.cnn.json`, import.meta.url), 'utf8'))
  const models: [string, () => ReturnType<typeof parseModelFile>][] = ['resnet-small', 'vgg-small', 'smallcnn', 'lenet5', 'shapes-cnn'].map((name) => [`the ${name} template`, () => template(name)])
  // A pool right after the input feeding two convs: no gradient flows into that parameter-free stretch, so
  // neither conv needs the scratch it would add its input gradient through (786 KB here, if counted).
  models.push(['a parameter-free branch point', () => chainModel([64, 64, 8], [
    ['p', 'maxpool2d', { size: 2 }], ['a', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['b', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }],
    ['sum', 'add'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 3 }], ['out', 'softmax'],
  ], [], [['in', 'p'], ['p', 'a'], ['p', 'b'], ['a', 'sum'], ['b', 'sum'], ['sum', 'gap'], ['gap', 'fc'], ['fc', 'out']])])
  models.push(['a conv feeding a ReLU and a dead-end branch', deadEnd])
  for (const [name, make] of models) {
    it(`matches the fast kernels' memory for ${name}`, async () => {
      const a = analyzed(make())
      const shard = 24
      const k = await fastKernels()
      const before = k.memory.buffer.byteLength
      const net = new Network(a, k, shard, 1)
      const labels = k.allocIndex(shard)
      k.allocIndex(shard) // predictions
      for (let i = 0; i < shard * net.inputSize; i++) net.input[i] = Math.sin(i)
      for (let s = 0; s < shard; s++) labels[s] = s % net.classes
      net.forward(shard, true)
      net.backward(labels, shard, 1 / shard)
      const reserved = k.memory.buffer.byteLength
      const m = estimateTrainingMemory(a, { batchSize: shard, optimizer: 'sgd', workers: 1 })
      const params = m.weights / 3 + m.gradients / 2 // the worker's paramBlock + stateBlock and gradBlock
      const worker = m.activations - 2 * shard * (net.inputSize * 4 + 4) + params
      expect(reserved).toBeGreaterThan(before) // the plan outgrew the module's first megabyte
      // The memory grows in 64 KiB pages above the module's own data (a few KiB).
      expect(Math.abs(reserved - worker)).toBeLessThan(2 * 65536)
      expect(m.shardBatch).toBe(shard)
      expect(Math.abs(reserved - m.workerWasm)).toBeLessThan(2 * 65536)
    })
  }
})

describe("a worker's WebAssembly memory, its shard and the dominant term", () => {
  it('finds models that cannot fit in one worker\'s 2 GiB (the 1024x1024 input fails there for real)', async () => {
    // 8,192 filters on 32x32: each image's map is 32 MiB, its gradient as much.
    const wide = analyzed(chainModel([32, 32, 3], [['c', 'conv2d', { filters: 8192, kernel: 3, padding: 'same' }], ['r', 'relu'], ['g', 'globalavgpool'], ['fc', 'dense', { units: 10 }], ['out', 'softmax']]))
    const w = estimateTrainingMemory(wide, { batchSize: 64, optimizer: 'adam', workers: 2, datasetImages: 1000 })
    expect(w.shardBatch).toBe(32)
    expect(w.workerWasm).toBeGreaterThan(WASM_MEMORY_LIMIT)
    expect(w.dominantTerm).toBe('activations')
    const big = analyzed(chainModel([1024, 1024, 3], [
      ['c1', 'conv2d', { filters: 16, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p', 'maxpool2d', { size: 2 }],
      ['c2', 'conv2d', { filters: 16, kernel: 3, padding: 'same' }], ['g', 'globalavgpool'], ['fc', 'dense', { units: 2 }], ['out', 'softmax'],
    ]))
    const m = estimateTrainingMemory(big, { batchSize: 32, optimizer: 'sgd', workers: 2 })
    expect(m.shardBatch).toBe(16)
    expect(m.workerWasm).toBeGreaterThan(WASM_MEMORY_LIMIT)
    // The kernels refuse it as they plan its buffers (nothing is written: the memory is only reserved).
    const k = await fastKernels()
    expect(() => new Network(big, k, 16, 1)).toThrow(/fast kernels: out of memory/)
    // A shard of 2 fits, and the same figure says so.
    const small = estimateTrainingMemory(big, { batchSize: 4, optimizer: 'sgd', workers: 2 })
    expect(small.workerWasm).toBeLessThan(WASM_MEMORY_LIMIT)
  })

  it('plans the shards a step really has: a 3-image folder with batch 32', () => {
    const a = tiny()
    const two = estimateTrainingMemory(a, { batchSize: 32, optimizer: 'adam', workers: 2, datasetImages: 3 })
    expect([two.plannedWorkers, two.shardBatch]).toEqual([2, 2])
    const eight = estimateTrainingMemory(a, { batchSize: 32, optimizer: 'adam', workers: 8, datasetImages: 3 })
    expect([eight.plannedWorkers, eight.shardBatch]).toEqual([3, 1]) // no worker without an image
    expect(eight.gradients).toBe(4 * 330 * 4) // three workers and the coordinator's sum
    // Not knowing the folder (the designer): full batches.
    const unknown = estimateTrainingMemory(a, { batchSize: 32, optimizer: 'adam', workers: 2 })
    expect([unknown.plannedWorkers, unknown.shardBatch]).toEqual([2, 16])
    expect(unknown.activations).toBeGreaterThan(two.activations)
    expect(estimateTrainingMemory(a, { batchSize: 32, optimizer: 'adam', workers: 2, datasetImages: 500 }).shardBatch).toBe(16)
  })

  it('names the term that dominates', () => {
    // A dense layer of 12,288 x 2,048 (25M parameters) on a batch of 4 over 4 workers: its copies dominate.
    const dense = analyzed(chainModel([64, 64, 3], [['f', 'flatten'], ['d', 'dense', { units: 2048 }], ['fc', 'dense', { units: 2 }], ['out', 'softmax']]))
    expect(estimateTrainingMemory(dense, { batchSize: 4, optimizer: 'sgd', workers: 4 }).dominantTerm).toBe('weights')
    expect(estimateTrainingMemory(dense, { batchSize: 4, optimizer: 'adam', workers: 1 }).dominantTerm).toBe('optimizerState')
    expect(estimateTrainingMemory(tiny(), { batchSize: 4, optimizer: 'sgd', workers: 1, datasetImages: 1_000_000 }).dominantTerm).toBe('dataset')
    expect(estimateTrainingMemory(tiny(), { batchSize: 256, optimizer: 'sgd', workers: 1 }).dominantTerm).toBe('activations')
  })
})
