// The health report of an image folder (`dataset inspect`, the contract's datasets.inspect): declared here,
// in the core, because the dataset reader (src-engine/node) fills it, the contract hands it to the page, and
// the training checks read it; the core is the one place all three may import from.

export interface Warning {
  code: string
  message: string
}

/** Images per split of a train/test(/val) root. */
export interface SplitCounts {
  train: number
  test?: number
  val?: number
}

export interface HealthReport {
  root: string
  /** In a train/test root, the classes of the training folder; `count` is the class's training images, `splits` its images per split. */
  classes: { name: string; count: number; splits?: SplitCounts }[]
  /** Every image read (in a train/test root, of all the splits). */
  images: number
  skipped: { path: string; reason: string }[]
  sizes: { minWidth: number; maxWidth: number; minHeight: number; maxHeight: number }
  channels: { grey: number; rgb: number; alpha: number }
  formats: Record<string, number>
  /** Groups of identical files. */
  duplicates: string[][]
  /** Duplicate groups on both sides of a split: across the split folders, or of the validation split (valSplit, seed) the training folder would get. */
  leakage: string[][]
  warnings: Warning[]
  /** False when training cannot use it: no class with an image, a single class, or a split missing a class. */
  usable: boolean
  /** Why it is not usable, and what to do. */
  problem?: string
  /** A train/test(/val) root: images per split. Absent for a plain folder of class folders. */
  splits?: SplitCounts
  /** A train/test(/val) root: the split folders (absolute paths) training reads. */
  layout?: { train: string; test?: string; val?: string }
}
