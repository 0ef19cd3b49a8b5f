// Batches for the engine from decoded images: uint8 -> float32 in [0, 1] (optionally normalised per
// channel), shuffled per epoch with a seed, augmented on the fly (horizontal flip, random shift with zero
// padding), written straight into the caller's buffers: nothing is allocated per batch.
import { Rng } from '../nn/rng.ts'
import type { BatchSource, ImageSet } from './types.ts'

export type Augment = 'none' | 'flip' | 'shift' | 'flip+shift'

export interface BatchOptions {
  /** Reshuffle every epoch (training); off keeps the folder's order (validation, test). */
  shuffle?: boolean
  seed?: number
  augment?: Augment
  /** Largest shift in pixels for 'shift' (default: an eighth of the image side, at least 1). */
  maxShift?: number
  normalize?: { mean: number[]; std: number[] } | null
}

/**
 * What each byte of each channel becomes in the network's input, (byte / 255 - mean) / std computed in
 * float64 and stored as float32, as a table [channel * 256 + byte]: one load a pixel. Training batches and
 * inference (core/insight/preprocess.ts) both use it, so a model sees the same numbers in both.
 */
export function pixelTable(channels: number, normalize?: { mean: number[]; std: number[] } | null): Float32Array {
  const lut = new Float32Array(256 * channels)
  for (let c = 0; c < channels; c++) {
    const mean = normalize?.mean[c] ?? 0, std = normalize?.std[c] ?? 1
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean) / std
  }
  return lut
}

export function createBatchSource(set: ImageSet, opts: BatchOptions = {}): BatchSource {
  const { count, height: H, width: W, channels: C } = set
  const size = H * W * C
  const order = Int32Array.from({ length: count }, (_, i) => i)
  const flip = opts.augment === 'flip' || opts.augment === 'flip+shift'
  const shift = opts.augment === 'shift' || opts.augment === 'flip+shift'
  const maxShift = opts.maxShift ?? Math.max(1, Math.floor(Math.min(H, W) / 8))
  const lut = pixelTable(C, opts.normalize)
  const zero = Float32Array.from({ length: C }, (_, c) => lut[c * 256]) // what a padded (black) pixel becomes
  let rng = new Rng(opts.seed ?? 1)
  let pos = 0

  return {
    count,
    shape: [H, W, C],
    classes: set.classes,
    startEpoch(epoch) {
      pos = 0
      rng = new Rng(((opts.seed ?? 1) * 7919 + epoch * 104_729) >>> 0)
      if (!opts.shuffle) return
      for (let i = 0; i < count; i++) order[i] = i
      rng.shuffle(order)
    },
    nextBatch(x, y, maxBatch) {
      const n = Math.min(maxBatch, count - pos)
      const px = set.pixels
      for (let s = 0; s < n; s++) {
        const i = order[pos + s]
        y[s] = set.labels[i]
        const src = i * size, dst = s * size
        const f = flip && rng.next() < 0.5
        const dy = shift ? rng.int(2 * maxShift + 1) - maxShift : 0
        const dx = shift ? rng.int(2 * maxShift + 1) - maxShift : 0
        for (let r = 0; r < H; r++) {
          const sr = r + dy
          for (let col = 0; col < W; col++) {
            const sc = (f ? W - 1 - col : col) + dx
            const o = dst + (r * W + col) * C
            if (sr < 0 || sr >= H || sc < 0 || sc >= W) {
              for (let c = 0; c < C; c++) x[o + c] = zero[c]
            } else {
              const p = src + (sr * W + sc) * C
              for (let c = 0; c < C; c++) x[o + c] = lut[c * 256 + px[p + c]]
            }
          }
        }
      }
      pos += n
      return n
    },
  }
}
