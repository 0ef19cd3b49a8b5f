// What every layer of a compiled network is: its output and output-gradient buffers, its parameters,
// and forward with backward. Buffers hold `maxBatch` images; a call works on the first `n`.
import type { NodeInfo } from '../graph/types.ts'
import type { FloatArray, Kernels } from '../kernels/types.ts'
import type { Rng } from './rng.ts'

export interface Param {
  name: string
  value: FloatArray
  grad: FloatArray
  /** Weight decay applies to weights, not to biases or batchnorm's scale and shift. */
  decay: boolean
}

export interface Layer {
  readonly info: NodeInfo
  /** Numbers per image in the output. */
  readonly outSize: number
  /** [maxBatch, ...outputShape] */
  readonly out: FloatArray
  /** dLoss/dOut, same layout as `out`. */
  readonly dOut: FloatArray
  readonly params: Param[]
  /** Non-trainable state saved with the weights (batchnorm's running statistics). */
  readonly state: { name: string; value: FloatArray }[]
  forward(ins: FloatArray[], n: number, train: boolean): void
  /**
   * On a conv2d whose ReLU is fused and whose max-pool (2x2, stride 2, no padding) is its only consumer:
   * writes the pooled output straight into `y` (the pool's `out`), and with `argmax` (training: the pool's
   * own) where each max was, and leaves its own `out` unwritten. Present where the kernels can do it for
   * this layer (Kernels.conv2dForwardPooled).
   */
  forwardPooled?(ins: FloatArray[], n: number, y: FloatArray, argmax?: Int32Array | null): void
  /**
   * On a conv2d whose fused ReLU feeds only a global average pooling, in inference: writes that pool's output
   * [n, channels] into `y` and leaves its own `out` unwritten. Present where the kernels can (Kernels.fusesGap).
   */
  forwardGap?(ins: FloatArray[], n: number, y: FloatArray): void
  /**
   * On such a conv when its input needs no gradient (a first layer): the weight and bias gradients straight
   * from `pool`'s output gradient, argmax and output (Kernels.conv2dBackwardFilterPooled), in place of the
   * pool's backward and then its own. Present where the kernels have it for this layer.
   */
  backwardPooled?(ins: FloatArray[], n: number, pool: Layer): void
  /** A max-pool's record of where each maximum was (its backward routes the gradient there). */
  readonly argmax?: Int32Array | null
  /**
   * Writes dLoss/dInput into `dIns[i]`, adding to what is there when `accumulate[i]` (an input that feeds
   * several layers receives the sum of their gradients); reads `this.dOut`. Parameter gradients are overwritten.
   * `dIns[i]` is null where no gradient is wanted (the network's input image).
   * `unmasked`: a max-pool that does its input ReLU's backward (NodePlan.masksReluOf) leaves it out, so
   * dIns gets the gradient with respect to the ReLU's output (Grad-CAM explaining that conv's rectified map).
   */
  backward(ins: FloatArray[], dIns: (FloatArray | null)[], accumulate: boolean[], n: number, unmasked?: boolean): void
}

/** What a layer needs to build itself: kernels, batch size, and slices of the network's parameter blocks. */
export interface BuildContext {
  kernels: Kernels<FloatArray>
  maxBatch: number
  rng: Rng
  /** A parameter slice, initialised by `init`. */
  param(name: string, size: number, decay: boolean, init: (v: FloatArray) => void): Param
  /** A slice of the non-trainable state block. */
  state(name: string, size: number, fill: number): FloatArray
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1)
