// A short-lived worker thread that runs inference for the main process, so evaluating a folder never
// blocks the event loop (the studio's window and the web host keep answering). Started by ./index.ts.
import { parentPort } from 'node:worker_threads'
import type { ModelFile } from '../../core/graph/types.ts'
import { createInferenceNet, infer, type InferenceNet } from '../../core/insight/infer.ts'
import { toInput } from '../../core/insight/preprocess.ts'
import { createFastKernels } from '../wasm-kernels.ts'

/** The images: the network's float input, or uint8 pixels and how to normalise them (a quarter of the bytes to send). */
export type InferInput = { x: Float32Array } | { pixels: Uint8Array; preprocessing: { channels: number; mean: number[]; std: number[] } }

export interface InferJob {
  model: ModelFile
  weights: Uint8Array
  wasm: WebAssembly.Module
  input: InferInput
  n: number
  /** The images' classes, for the exact loss. */
  labels?: Int32Array
}

/** Images converted from pixels at a time: the float copy of a whole folder is never made. */
const CHUNK = 256

function run(m: InferenceNet, job: InferJob): { probs: Float32Array; lossSum: number | null } {
  if ('x' in job.input) return infer(m, job.input.x, job.n, job.labels)
  const { pixels, preprocessing } = job.input
  const size = m.net.inputSize, C = m.classes
  const probs = new Float32Array(job.n * C)
  const x = new Float32Array(Math.min(CHUNK, job.n) * size)
  let lossSum = 0
  for (let start = 0; start < job.n; start += CHUNK) {
    const k = Math.min(CHUNK, job.n - start)
    const chunk = toInput(pixels.subarray(start * size, (start + k) * size), preprocessing, x.subarray(0, k * size))
    const r = infer(m, chunk, k, job.labels?.subarray(start, start + k))
    probs.set(r.probs, start * C)
    lossSum += r.lossSum ?? 0
  }
  return { probs, lossSum: job.labels ? lossSum : null }
}

parentPort!.once('message', (job: InferJob) => {
  try {
    const { probs, lossSum } = run(createInferenceNet(job.model, createFastKernels(job.wasm), job.weights, 32), job)
    parentPort!.postMessage({ ok: true, probs, lossSum }, [probs.buffer as ArrayBuffer])
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) })
  }
})
