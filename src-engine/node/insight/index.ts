// Inference for the studio's services: off the main thread for batches (a worker per call: evaluation is rare and
// the start-up, ~50 ms, is small beside decoding a folder), in this thread for one image's insight.
import { Worker } from 'node:worker_threads'
import type { ModelFile } from '../../core/graph/types.ts'
import { createInferenceNet, type InferenceNet } from '../../core/insight/infer.ts'
import { fastKernels, loadKernelModule } from '../wasm-kernels.ts'
import { workerEntry } from '../app-files.ts'
import type { InferInput, InferJob } from './worker.ts'

/**
 * n images [n, H, W, C] -> probabilities [n, classes], computed on a worker thread; with `labels`, also the
 * summed cross-entropy from the logits (see core/insight/infer.ts).
 */
export async function inferOffThread(model: ModelFile, weights: Uint8Array, input: InferInput, n: number, labels?: Int32Array): Promise<{ probs: Float32Array; lossSum: number | null }> {
  const wasm = await loadKernelModule()
  const worker = new Worker(workerEntry('insight-worker'))
  try {
    return await new Promise((resolve, reject) => {
      worker.once('error', reject)
      worker.once('message', (r: { ok: true; probs: Float32Array; lossSum: number | null } | { ok: false; message: string }) => (r.ok ? resolve({ probs: r.probs, lossSum: r.lossSum }) : reject(new Error(r.message))))
      const job: InferJob = { model, weights, wasm, input, n, labels }
      worker.postMessage(job)
    })
  } finally {
    await worker.terminate()
  }
}

/** A network in this thread on the fast kernels, for one image at a time. */
export async function inferenceNet(model: ModelFile, weights: Uint8Array, maxBatch = 1): Promise<InferenceNet> {
  return createInferenceNet(model, await fastKernels(), weights, maxBatch)
}
