// Messages between the training coordinator and its worker threads. Tensors cross once, at start-up, as
// views on shared memory; after that a step is one small message each way.
import type { ModelFile } from '../../core/graph/types.ts'
import type { FloatArray } from '../../core/kernels/types.ts'

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
}

export type Command = { type: 'train'; n: number; scale: number } | { type: 'eval'; n: number }

export type Reply =
  | { type: 'done'; lossSum: number; correct: number }
  | { type: 'error'; message: string }
