// The stratified, seeded train/validation split: each class is shuffled with the seed and its first
// round(count * fraction) images go to validation, so both sides keep the class proportions.
import { Rng } from '../nn/rng.ts'
import type { ImageSet } from './types.ts'

export function splitIndices(labels: Int32Array, classes: number, valFraction: number, seed: number): { train: Int32Array; val: Int32Array } {
  const byClass: number[][] = Array.from({ length: classes }, () => [])
  labels.forEach((l, i) => byClass[l].push(i))
  const rng = new Rng(seed)
  const train: number[] = [], val: number[] = []
  for (const idx of byClass) {
    rng.shuffle(idx)
    // A class with 2+ images gives at least one to validation when a split is asked for.
    const nVal = valFraction > 0 && idx.length >= 2 ? Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * valFraction))) : 0
    val.push(...idx.slice(0, nVal))
    train.push(...idx.slice(nVal))
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort()
  return { train: sorted(train), val: sorted(val) }
}

/** The images at `indices`, as a new ImageSet. */
export function subset(set: ImageSet, indices: Int32Array): ImageSet {
  const size = set.height * set.width * set.channels
  const pixels = new Uint8Array(indices.length * size)
  const labels = new Int32Array(indices.length)
  indices.forEach((i, k) => {
    pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size)
    labels[k] = set.labels[i]
  })
  return { ...set, count: indices.length, pixels, labels }
}

export function splitStratified(set: ImageSet, valFraction: number, seed: number): { train: ImageSet; val: ImageSet } {
  const { train, val } = splitIndices(set.labels, set.classes.length, valFraction, seed)
  return { train: subset(set, train), val: subset(set, val) }
}

/** Per-channel mean and standard deviation of the pixels scaled to [0, 1] (compute on the training split only). */
export function channelStats(set: ImageSet): { mean: number[]; std: number[] } {
  const C = set.channels
  const sum = new Float64Array(C), sq = new Float64Array(C)
  const n = set.count * set.height * set.width
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < C; c++) {
      const v = set.pixels[p * C + c] / 255
      sum[c] += v
      sq[c] += v * v
    }
  }
  const mean = Array.from(sum, (s) => s / Math.max(n, 1))
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / Math.max(n, 1) - mean[c] ** 2, 1e-12)))
  return { mean, std }
}

/** Images per class, in one pass over the labels. */
export function classCounts(set: ImageSet): number[] {
  const n = new Array<number>(set.classes.length).fill(0)
  for (const l of set.labels) n[l]++
  return n
}
