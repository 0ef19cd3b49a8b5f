// The trainer's worker pool: when a worker dies the step fails with which worker and why instead of waiting
// forever, and closing the pool still ends every thread; the shared part of a step. Real worker threads.
import { describe, expect, it } from 'vitest'
import { WorkerPool } from '../../../src-engine/node/trainer/pool.ts'
import { loadKernelModule } from '../../../src-engine/node/wasm-kernels.ts'
import { chainModel } from '../../helpers/graphs.ts'

const sgd = { optimizer: 'sgd' as const, momentum: 0.9 }
const model = chainModel([8, 8, 1], [['c', 'conv2d', { filters: 4, kernel: 3 }], ['r', 'relu'], ['f', 'flatten'], ['d', 'dense', { units: 2 }], ['s', 'softmax']])

describe('a worker that dies', () => {
  it('fails the step naming the worker; the others are closed', async () => {
    const pool = await WorkerPool.start(2, model, 4, 1, 'fast', sgd, await loadKernelModule())
    pool.shareBatches([{ x: new Float32Array(new SharedArrayBuffer(8 * 64 * 4)), y: new Int32Array(new SharedArrayBuffer(8 * 4)) }])
    expect((await pool.run([{ type: 'eval', buf: 0, start: 0, n: 4 }, { type: 'eval', buf: 0, start: 4, n: 4 }])).length).toBe(2)
    await pool.workers[1].thread.terminate() // as a crash of the thread would end it
    const step = { type: 'train' as const, buf: 0, start: 0, n: 4, scale: 0.125, used: 2, lr: 0.01, t: 0 }
    // Worker 1 does not stay at the step's barrier waiting for worker 2: it answers that the step cannot finish.
    const answered = new Promise((resolve) => pool.workers[0].thread.on('message', resolve))
    await expect(pool.run([step, step])).rejects.toThrow(/training worker 2 stopped unexpectedly/)
    await expect(answered).resolves.toMatchObject({ type: 'error', message: expect.stringMatching(/another training worker stopped/) })
    await pool.close()
  })

  it('a pool whose workers cannot plan their network fails to start, with every thread ended', async () => {
    const huge = chainModel([1024, 1024, 3], [['c', 'conv2d', { filters: 64, kernel: 3, padding: 'same' }], ['g', 'globalavgpool'], ['d', 'dense', { units: 2 }], ['s', 'softmax']])
    await expect(WorkerPool.start(2, huge, 8, 1, 'fast', sgd, await loadKernelModule())).rejects.toThrow(/out of memory/)
  })
})

describe('the shared part of a step', () => {
  it('workers average the batchnorm running statistics into every copy: the mean of what each saw alone', async () => {
    const bn = chainModel([6, 6, 2], [['c', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['bn', 'batchnorm'], ['r', 'relu'], ['g', 'globalavgpool'], ['d', 'dense', { units: 2 }], ['s', 'softmax']])
    const wasm = await loadKernelModule()
    const size = 6 * 6 * 2
    const batch = { x: new Float32Array(new SharedArrayBuffer(8 * size * 4)), y: new Int32Array(new SharedArrayBuffer(8 * 4)) }
    for (let i = 0; i < batch.x.length; i++) batch.x[i] = Math.sin(i * 0.37) + (i % 7) * 0.1
    batch.y.set([0, 1, 1, 0, 1, 0, 0, 1])
    // lr 0: the weights stay as initialised (the same seed in every pool), only the statistics move
    const step = (start: number, used: number) => ({ type: 'train' as const, buf: 0, start, n: 4, scale: 0.25, used, lr: 0, t: 0 })
    const stateAfter = async (workers: number, starts: number[]) => {
      const pool = await WorkerPool.start(workers, bn, 4, 7, 'fast', sgd, wasm)
      pool.shareBatches([batch])
      await pool.run(starts.map((s) => step(s, starts.length)))
      const states = pool.workers.map((w) => Float32Array.from(w.stateBlock))
      await pool.close()
      return states
    }
    const [alone0] = await stateAfter(1, [0])
    const [alone1] = await stateAfter(1, [4])
    const [both0, both1] = await stateAfter(2, [0, 4])
    expect(alone0.length).toBe(8) // running mean and variance of 4 channels
    expect(alone0).not.toEqual(alone1)
    const mean = alone0.map((a, i) => Math.fround(Math.fround(a / 2) + Math.fround(alone1[i] / 2)))
    expect(both0).toEqual(mean)
    expect(both1).toEqual(mean)
  })
})
