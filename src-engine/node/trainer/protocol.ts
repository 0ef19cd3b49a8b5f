// Messages between the training coordinator and its worker threads. Tensors cross once, at start-up, as
// views on shared memory; after that a step is one small message each way.
import type { ModelFile } from '../../core/graph/types.ts'
import type { FloatArray } from '../../core/kernels/types.ts'
import type { OptimizerSettings } from '../../core/train/optimizer.ts'

/**
 * The parameter slice worker k of n reduces and steps: [lo, hi), on 16-float boundaries (whole SIMD vectors and
 * cache lines), the last one taking the rest. A worker's slice may be empty when there are few parameters.
 */
export function sliceOf(size: number, workers: number, k: number): [number, number] {
  const at = (i: number) => (i >= workers ? size : Math.min(size, Math.round((size * i) / workers / 16) * 16))
  return [at(k), at(k + 1)]
}

export type KernelChoice = 'fast' | 'reference'

export interface InitMessage {
  type: 'init'
  model: ModelFile
  maxShard: number
  seed: number
  workerIndex: number
  kernels: KernelChoice
  /** The compiled fast kernels (a WebAssembly.Module can be posted to a worker). */
  wasm?: WebAssembly.Module
  /** Time every layer (bench --profile) into ReadyMessage.timings. */
  profile?: boolean
  /** How many workers share the step: this worker reduces and steps sliceOf(size, workers, workerIndex). */
  workers: number
  optimizer: OptimizerSettings
}

/**
 * Sent once all workers are ready: every worker's gradient and parameter blocks (shared memory), so that each
 * can sum its slice of the gradient over all of them, step the optimizer on it and write the new weights into
 * every copy. `sync` holds a barrier (count, generation, abort flag); `checks` one gradient sum per worker.
 */
export interface PeersMessage {
  type: 'peers'
  grads: FloatArray[]
  params: FloatArray[]
  /** Every worker's non-trainable state (batchnorm running statistics): each averages its slice of them. */
  states: FloatArray[]
  sync: Int32Array
  checks: Float64Array
}

/**
 * The coordinator's two batch buffers (shared memory, sent once): it prepares the next batch in one while the
 * workers read this one from the other. Each worker copies its own share into its network's input, so the
 * copy-in divides across workers instead of running on the coordinator.
 */
export interface BatchesMessage {
  type: 'batches'
  batches: Batch[]
}

export interface Batch {
  x: Float32Array
  y: Int32Array
}

/** Where a worker's images of a step are: batch buffer `buf`, `n` images from image `start`. */
export interface Share {
  buf: number
  start: number
  n: number
}

export interface ReadyMessage {
  type: 'ready'
  kernelName: string
  input: FloatArray
  labels: Int32Array
  predictions: Int32Array
  paramBlock: FloatArray
  gradBlock: FloatArray
  stateBlock: FloatArray
  layout: { name: string; offset: number; size: number; decay: boolean }[]
  stateNames: { name: string; size: number }[]
  inputSize: number
  classes: number
  /** With `profile`: per layer [forward, backward-data, backward-weights] ms, then the step total (shared memory). */
  timings: Float64Array | null
  layers: { id: string; type: string; macs: number }[]
  /** This worker's parameter slice, and its optimizer's live state tensors over that slice (shared memory). */
  slice: [number, number]
  optimizerBuffers: FloatArray[]
}

/**
 * A training step: forward and backward on `n` images (0: this worker has none this step but still reduces
 * and steps its slice), then the gradients of the first `used` workers summed and the optimizer stepped at
 * learning rate `lr`, `t` steps having been taken before this one.
 */
export type Command = ({ type: 'train'; scale: number; used: number; lr: number; t: number } & Share) | ({ type: 'eval' } & Share)

export type Reply =
  | {
    type: 'done'; lossSum: number; correct: number
    /** After a train step: the sum of this worker's gradient slice (NaN/infinite when any entry is), the first
     * non-finite weight of its slice after the step (-1 when none), and the ms its reduce, optimizer and weight
     * copies took (for the profile), and the ms its copy of its share of the batch into its input took. */
    check?: number; bad?: number; reduceMs?: number; optimizerMs?: number; copyMs?: number; inputMs?: number
    /** After an eval: the predicted class of each of this worker's images. */
    predictions?: Int32Array
  }
  | { type: 'error'; message: string }
