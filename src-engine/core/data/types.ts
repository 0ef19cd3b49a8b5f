// Where datasets meet the engine. The dataset side decodes an image folder into an ImageSet once (and
// caches it); a BatchSource turns it into the engine's input batches, filling buffers the caller owns so
// that a training step allocates nothing.

/** Decoded images of one split, already in the model's input size, as compact bytes. */
export interface ImageSet {
  count: number
  height: number
  width: number
  channels: number
  /** [N, H, W, C] uint8, 0..255. */
  pixels: Uint8Array
  /** [N] class index into `classes`. */
  labels: Int32Array
  classes: string[]
}

export interface BatchSource {
  /** Images in one epoch. */
  readonly count: number
  /** [H, W, C] of one image. */
  readonly shape: [number, number, number]
  readonly classes: readonly string[]
  /** Starts epoch `epoch` (0-based): a training source reshuffles with a seed derived from it; a validation source keeps its order. */
  startEpoch(epoch: number): void
  /**
   * Fills `x` [n, H, W, C] (float32, scaled and normalised, augmented for training) and `y` [n] with the
   * next batch of at most `maxBatch` images; returns n, 0 once the epoch is done.
   */
  nextBatch(x: Float32Array, y: Int32Array, maxBatch: number): number
}
