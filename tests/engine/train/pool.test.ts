// The trainer's worker pool when a worker dies: the step fails with which worker and why instead of
// waiting forever, and closing the pool still ends every thread. Real worker threads.
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
