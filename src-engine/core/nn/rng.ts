// A small seeded generator (mulberry32): the same seed gives the same initial weights, shuffles and
// dropout masks on every machine.
export class Rng {
  private s: number
  private spare: number | null = null
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9
  }

  /** Restarts the sequence, e.g. so each worker draws its own dropout masks after identical initialisation. */
  reset(seed: number): void {
    this.s = seed >>> 0 || 0x9e3779b9
    this.spare = null
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) | 0
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare
      this.spare = null
      return v
    }
    let u = 0
    while (u === 0) u = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    const a = 2 * Math.PI * this.next()
    this.spare = r * Math.sin(a)
    return r * Math.cos(a)
  }

  /** Shuffles in place (Fisher-Yates), every order equally likely. */
  shuffle(a: { length: number; [i: number]: number }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = a[i]
      a[i] = a[j]
      a[j] = t
    }
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
}

/** A seed derived from a base seed and a stream number, so streams (workers, epochs) don't overlap. */
export function deriveSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(stream + 1, 0x27d4eb2f)
  h ^= h >>> 16
  return h >>> 0
}
