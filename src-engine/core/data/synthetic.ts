// A batch source over numbers already in memory (float32, NHWC): synthetic data for benchmarks and
// tests. Image folders go through the dataset loader instead.
import type { BatchSource } from './types.ts'
import { Rng } from '../nn/rng.ts'

export interface ArraySourceOptions {
  /** Reshuffle each epoch (seeded by seed and epoch); false keeps the order. */
  shuffle?: boolean
  seed?: number
}

/** `x` [count, H, W, C] float32, `y` [count] class indices. */
export function arraySource(x: Float32Array, y: Int32Array, shape: [number, number, number], classes: string[], opts: ArraySourceOptions = {}): BatchSource {
  const count = y.length
  const size = shape[0] * shape[1] * shape[2]
  const order = Int32Array.from({ length: count }, (_, i) => i)
  let pos = 0
  return {
    count, shape, classes,
    startEpoch(epoch) {
      pos = 0
      for (let i = 0; i < count; i++) order[i] = i
      if (!opts.shuffle) return
      new Rng(((opts.seed ?? 1) * 1_000_003 + epoch) >>> 0).shuffle(order)
    },
    nextBatch(xOut, yOut, maxBatch) {
      const n = Math.min(maxBatch, count - pos)
      for (let s = 0; s < n; s++) {
        const i = order[pos + s]
        xOut.set(x.subarray(i * size, (i + 1) * size), s * size)
        yOut[s] = y[i]
      }
      pos += n
      return n
    },
  }
}

/** Random images and labels, seeded: the benchmark workload. */
export function randomSource(count: number, shape: [number, number, number], classes: number, seed = 1): BatchSource {
  const rng = new Rng(seed)
  const x = new Float32Array(count * shape[0] * shape[1] * shape[2])
  for (let i = 0; i < x.length; i++) x[i] = rng.next()
  const y = Int32Array.from({ length: count }, () => rng.int(classes))
  return arraySource(x, y, shape, Array.from({ length: classes }, (_, i) => `class${i}`))
}
