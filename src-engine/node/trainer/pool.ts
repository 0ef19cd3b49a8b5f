// The worker threads of one trainer: start-up, one command to all, and their shared tensors.
import { Worker } from 'node:worker_threads'
import type { ModelFile } from '../../core/graph/types.ts'
import { workerEntry } from '../app-files.ts'
import type { OptimizerSettings } from '../../core/train/optimizer.ts'
import type { Batch, BatchesMessage, Command, KernelChoice, PeersMessage, ReadyMessage, Reply } from './protocol.ts'

export interface PoolWorker extends ReadyMessage {
  thread: Worker
  /** Set when the thread has exited (terminated, crashed): it takes no more commands. */
  exited?: number
}

export class WorkerPool {
  readonly workers: PoolWorker[]
  /** The step's barrier (arrivals, generation, abort: see worker.ts). */
  private readonly sync = new Int32Array(new SharedArrayBuffer(12))
  /** Per worker: the commands sent and not yet answered, oldest first. */
  private readonly waiting: { resolve: (r: Extract<Reply, { type: 'done' }>) => void; reject: (e: Error) => void }[][]
  private constructor(workers: PoolWorker[]) {
    this.workers = workers
    this.waiting = workers.map(() => [])
    workers.forEach((w, i) => {
      const failAll = (e: Error) => {
        for (const p of this.waiting[i].splice(0)) p.reject(e)
      }
      w.thread.on('message', (r: Reply) => {
        const p = this.waiting[i].shift()
        if (r.type === 'done') p?.resolve(r)
        else p?.reject(new Error(r.message))
      })
      w.thread.on('error', (e) => failAll(new Error(`training worker ${i + 1} crashed: ${e.message}`)))
      w.thread.on('exit', (code) => failAll(new Error(`training worker ${i + 1} stopped unexpectedly (exit code ${code})`)))
    })
    // Every worker sees every other's gradients and weights: each one reduces and steps a slice of them.
    const peers: PeersMessage = {
      type: 'peers',
      grads: workers.map((w) => w.gradBlock),
      params: workers.map((w) => w.paramBlock),
      states: workers.map((w) => w.stateBlock),
      sync: this.sync,
      checks: new Float64Array(new SharedArrayBuffer(8 * workers.length)),
    }
    for (const w of workers) w.thread.postMessage(peers)
  }

  /** Starts `count` workers; if any fails (out of memory planning its network), every one started is terminated. */
  static async start(count: number, model: ModelFile, maxShard: number, seed: number, kernels: KernelChoice, optimizer: OptimizerSettings, wasm?: WebAssembly.Module, profile = false): Promise<WorkerPool> {
    const threads: Worker[] = []
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, workerIndex) => new Promise<PoolWorker>((resolve, reject) => {
        const thread = new Worker(workerEntry('trainer-worker'))
        threads.push(thread)
        thread.once('error', reject)
        thread.once('exit', (code) => reject(new Error(`training worker ${workerIndex + 1} exited while starting (code ${code})`)))
        thread.once('message', (m: ReadyMessage | Reply) => {
          if (m.type === 'ready') resolve({ ...m, thread })
          else reject(new Error(m.type === 'error' ? m.message : 'worker failed to start'))
        })
        thread.postMessage({ type: 'init', model, maxShard, seed, workerIndex, kernels, wasm, profile, workers: count, optimizer })
      })),
    )
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) {
      // Left running, the others would keep the process alive forever (and leak their memory in `serve`).
      await Promise.all(threads.map((t) => t.terminate()))
      throw failed.reason
    }
    const workers = started.map((r) => (r as PromiseFulfilledResult<PoolWorker>).value)
    const pool = new WorkerPool(workers)
    for (const w of workers) {
      w.thread.once('exit', (code) => {
        w.exited = code
        // The others may be waiting for it at the step's barrier: let them go.
        Atomics.store(pool.sync, 2, 1)
        Atomics.notify(pool.sync, 1)
      })
    }
    return pool
  }

  /** Shares the coordinator's batch buffers (shared memory) with every worker, before any step reads them. */
  shareBatches(batches: Batch[]): void {
    const m: BatchesMessage = { type: 'batches', batches }
    for (const w of this.workers) w.thread.postMessage(m)
  }

  /**
   * Sends one command to each of the first `cmds.length` workers and waits for all of them; a worker that dies
   * fails it. A second run may be sent before the first has answered (the trainer posts the next step early):
   * each worker answers its commands in order, and the answers are matched to them in that order.
   */
  run(cmds: Command[]): Promise<Extract<Reply, { type: 'done' }>[]> {
    return Promise.all(cmds.map((cmd, i) => new Promise<Extract<Reply, { type: 'done' }>>((resolve, reject) => {
      const w = this.workers[i]
      if (w.exited !== undefined) return reject(new Error(`training worker ${i + 1} stopped unexpectedly (exit code ${w.exited})`))
      this.waiting[i].push({ resolve, reject })
      w.thread.postMessage(cmd)
    })))
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()))
  }
}
