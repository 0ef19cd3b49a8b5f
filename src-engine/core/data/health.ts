// The health report of an image folder (`dataset inspect`, the contract's datasets.inspect): declared here,
// in the core, because the dataset reader (src-engine/node) fills it, the contract hands it to the page, and
// the training checks read it; the core is the one place all three may import from.

export interface Warning {
  code: string
  message: string
}

export interface HealthReport {
  root: string
  classes: { name: string; count: number }[]
  images: number
  skipped: { path: string; reason: string }[]
  sizes: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number }
  channels: { grey: number; rgb: number; alpha: number }
  formats: Record<string, number>
  /** Groups of identical files. */
  duplicates: string[][]
  /** Duplicate groups the validation split (valSplit, seed) would put on both sides: the files named. */
  leakage: string[][]
  warnings: Warning[]
  /** False when training cannot use it: no class with an image, or a single class. */
  usable: boolean
  /** Why it is not usable, and what to do. */
  problem?: string
}
