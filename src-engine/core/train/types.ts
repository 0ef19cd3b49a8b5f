// The trainer's API, as the training service (src-main/services) drives it.
import type { ModelFile } from '../graph/types.ts'
import type { BatchSource } from '../data/types.ts'

export type OptimizerName = 'sgd' | 'adam' | 'adamw'

export interface Schedule {
  type: 'constant' | 'step' | 'cosine'
  /** Linear warm-up from 0 over this many epochs (0: none). */
  warmupEpochs?: number
  /** step: multiply the rate by `gamma` every `stepEpochs` epochs. */
  stepEpochs?: number
  gamma?: number
}

export interface Hyper {
  epochs: number
  batchSize: number
  optimizer: OptimizerName
  lr: number
  momentum: number
  nesterov?: boolean
  weightDecay?: number
  schedule?: Schedule
  seed: number
}

export interface StepEvent {
  epoch: number
  step: number
  stepsPerEpoch: number
  loss: number
  accuracy: number
  lr: number
  imagesPerSecond: number
}

export interface EpochEvent {
  epoch: number
  trainLoss: number
  trainAccuracy: number
  valLoss?: number
  valAccuracy?: number
  lr: number
  seconds: number
  imagesPerSecond: number
}

export type TrainStatus = 'completed' | 'stopped' | 'diverged'

export interface TrainResult {
  status: TrainStatus
  /** For `diverged`: what happened and what to change. */
  message?: string
  epochs: EpochEvent[]
  imagesPerSecond: number
}

export interface Evaluation {
  loss: number
  accuracy: number
  /** confusion[actual][predicted] counts. */
  confusion: number[][]
}

export interface TrainerOptions {
  model: ModelFile
  train: BatchSource
  val?: BatchSource
  hyper: Hyper
  /** Worker threads; default all cores. */
  workers?: number
  /** Weights blob from `exportWeights` (a checkpoint) to start from, and the epoch to continue at (0-based). */
  initialWeights?: Uint8Array
  startEpoch?: number
  onStep?: (e: StepEvent) => void
  /** Awaited before the next epoch starts: the place to write metrics and a checkpoint in one transaction. */
  onEpoch?: (e: EpochEvent, weights: () => Uint8Array) => void | Promise<void>
}

/** Implemented in src-engine/node (worker threads); `createTrainer(options)` builds one. */
export interface Trainer {
  /** Trains until the last epoch, a stop, or divergence. A loss of NaN/Inf ends it as `diverged`, never a throw. */
  run(): Promise<TrainResult>
  /**
   * Pause takes effect between steps; resume continues from there. Resolves true once no step is in
   * flight (every step event of this run has been sent), false if a resume, stop or the end came first.
   */
  pause(): Promise<boolean>
  resume(): void
  /** Ends after the current step; `run` resolves with `stopped`. */
  stop(): void
  /** Loss, accuracy and confusion matrix of the current weights on `source`, in eval mode. */
  evaluate(source: BatchSource): Promise<Evaluation>
  /** The current weights as a versioned binary blob (loadable through `initialWeights`). */
  exportWeights(): Uint8Array
  /** Ends the worker threads. */
  close(): Promise<void>
}
