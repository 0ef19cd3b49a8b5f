// Profiling of training steps (`cnn-studio bench --profile`). In a worker: each layer's forward, backward
// on the data path and backward on the weights, timed into a shared array the coordinator reads. On the
// coordinator: where the rest of a step goes. Off unless asked for: a normal run pays nothing.
import type { FloatArray, Kernels } from '../../core/kernels/types.ts'
import type { Network } from '../../core/nn/network.ts'

/** Milliseconds summed over the profiled steps, on the coordinator (main thread). */
export interface StepProfile {
  steps: number
  images: number
  /** Whole steps, from handing out the batch to the new weights being in every worker. */
  stepMs: number
  /** Handing out the batch: the coordinator splitting it into one command a worker (on the critical path). */
  scatterMs: number
  /** The slowest worker's copy of its share of the batch into its input (in the workers: it divides). */
  copyInMs: number
  /** Decoding/augmenting/copying the next batch while the workers run (overlapped, not on the path). */
  nextBatchMs: number
  /** From posting the commands to the last reply. */
  waitMs: number
  gradSumMs: number
  optimizerMs: number
  /** Averaging batchnorm statistics and writing the new weights into every worker. */
  broadcastMs: number
}

/** What `createTrainer({ profile })` fills in: the coordinator's phases and each worker's layer timings. */
export interface TrainerProfile {
  step: StepProfile
  layers: { id: string; type: string; macs: number }[]
  /** One per worker, in shared memory, updated as the workers run (SLOTS per layer, then the total). */
  workerTimings: Float64Array[]
}

export const emptyStepProfile = (): StepProfile => ({ steps: 0, images: 0, stepMs: 0, scatterMs: 0, copyInMs: 0, nextBatchMs: 0, waitMs: 0, gradSumMs: 0, optimizerMs: 0, broadcastMs: 0 })

/** Per layer 3 slots (forward, backward-data, backward-weights ms), then the worker's whole-step total. */
export const SLOTS = 3

/**
 * Kernels that add the time of the weight-gradient kernels to `sink[0]`: conv2dBackwardFilter, and the
 * transposed-A GEMM (dense's x^T dy, the only one the layers issue). Everything else a layer's backward
 * does (input gradient, ReLU mask, pooling routes) is its data path.
 */
export function weightTimedKernels<T extends FloatArray>(k: Kernels<T>, sink: Float64Array): Kernels<T> {
  return {
    ...k,
    name: k.name,
    alloc: k.alloc.bind(k),
    allocIndex: k.allocIndex.bind(k),
    gemm(transA, transB, m, n, kk, a, b, c, accumulate, bias, relu) {
      if (!transA) return k.gemm(transA, transB, m, n, kk, a, b, c, accumulate, bias, relu)
      const t = performance.now()
      k.gemm(transA, transB, m, n, kk, a, b, c, accumulate, bias, relu)
      sink[0] += performance.now() - t
    },
    conv2dBackwardFilter(d, x, dy, dw, db, algo) {
      const t = performance.now()
      k.conv2dBackwardFilter(d, x, dy, dw, db, algo)
      sink[0] += performance.now() - t
    },
  }
}

/** Wraps each layer's forward and backward to add its time into `timings` (layout: SLOTS per layer, then the total). */
export function timeLayers(net: Network, timings: Float64Array, weightSink: Float64Array): void {
  net.layers.forEach((layer, i) => {
    const forward = layer.forward.bind(layer), backward = layer.backward.bind(layer), pooled = layer.forwardPooled?.bind(layer)
    const pooledBack = layer.backwardPooled?.bind(layer)
    const mutable = layer as { forward: typeof forward; backward: typeof backward; forwardPooled?: typeof pooled; backwardPooled?: typeof pooledBack }
    mutable.forward = (ins, n, train) => {
      const t = performance.now()
      forward(ins, n, train)
      timings[i * SLOTS] += performance.now() - t
    }
    // A conv that runs its max-pool in the same pass: the pool's forward time is in the conv's.
    if (pooled) {
      mutable.forwardPooled = (ins, n, y, argmax) => {
        const t = performance.now()
        pooled(ins, n, y, argmax)
        timings[i * SLOTS] += performance.now() - t
      }
    }
    // ... and its weight gradient taken straight from the pool's: the pool's backward time is in it.
    if (pooledBack) {
      mutable.backwardPooled = (ins, n, pool) => {
        const t = performance.now()
        pooledBack(ins, n, pool)
        timings[i * SLOTS + 2] += performance.now() - t
      }
    }
    mutable.backward = (ins, dIns, acc, n) => {
      weightSink[0] = 0
      const t = performance.now()
      backward(ins, dIns, acc, n)
      const all = performance.now() - t
      timings[i * SLOTS + 1] += all - weightSink[0]
      timings[i * SLOTS + 2] += weightSink[0]
    }
  })
}
