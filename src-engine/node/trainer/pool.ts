// The worker threads of one trainer: start-up, one command to all, and their shared tensors.
import { Worker } from 'node:worker_threads'
import type { ModelFile } from '../../core/graph/types.ts'
import { workerEntry } from '../app-files.ts'
import type { Command, KernelChoice, ReadyMessage, Reply } from './protocol.ts'

export interface PoolWorker extends ReadyMessage {
  thread: Worker
}

export class WorkerPool {
  readonly workers: PoolWorker[]
  private constructor(workers: PoolWorker[]) {
    this.workers = workers
  }

  static async start(count: number, model: ModelFile, maxShard: number, seed: number, kernels: KernelChoice, wasm?: WebAssembly.Module): Promise<WorkerPool> {
    const workers = await Promise.all(
      Array.from({ length: count }, (_, workerIndex) => new Promise<PoolWorker>((resolve, reject) => {
        const thread = new Worker(workerEntry('trainer-worker'))
        thread.once('error', reject)
        thread.once('message', (m: ReadyMessage | Reply) => {
          if (m.type === 'ready') resolve({ ...m, thread })
          else reject(new Error(m.type === 'error' ? m.message : 'worker failed to start'))
        })
        thread.postMessage({ type: 'init', model, maxShard, seed, workerIndex, kernels, wasm })
      })),
    )
    return new WorkerPool(workers)
  }

  /** Sends one command to each of the first `cmds.length` workers and waits for all of them. */
  run(cmds: Command[]): Promise<{ lossSum: number; correct: number }[]> {
    return Promise.all(cmds.map((cmd, i) => new Promise<{ lossSum: number; correct: number }>((resolve, reject) => {
      const w = this.workers[i].thread
      const onError = (e: Error) => reject(e)
      w.once('error', onError)
      w.once('message', (r: Reply) => {
        w.off('error', onError)
        if (r.type === 'done') resolve(r)
        else reject(new Error(r.message))
      })
      w.postMessage(cmd)
    })))
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.thread.terminate()))
  }
}
