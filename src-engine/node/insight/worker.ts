// A short-lived worker thread that runs inference for the main process, so evaluating a folder never
// blocks the event loop (the studio's window and the web host keep answering). Started by ./index.ts.
import { parentPort } from 'node:worker_threads'
import type { ModelFile } from '../../core/graph/types.ts'
import { createInferenceNet, infer } from '../../core/insight/infer.ts'
import { createFastKernels } from '../wasm-kernels.ts'

export interface InferJob {
  model: ModelFile
  weights: Uint8Array
  wasm: WebAssembly.Module
  x: Float32Array
  n: number
  /** The images' classes, for the exact loss. */
  labels?: Int32Array
}

parentPort!.once('message', (job: InferJob) => {
  try {
    const m = createInferenceNet(job.model, createFastKernels(job.wasm), job.weights, 32)
    const { probs, lossSum } = infer(m, job.x, job.n, job.labels)
    parentPort!.postMessage({ ok: true, probs, lossSum }, [probs.buffer as ArrayBuffer])
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) })
  }
})
