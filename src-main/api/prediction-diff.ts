// What `runs.predictionDiff` returns (and `cnn-studio runs diff A B --json` prints): what changed between two
// runs image by image, on images both were evaluated on (services/compare-predictions.ts fills it).
import type { CheckpointKind } from './contract.ts'

/** One run's side of the diff: the checkpoint evaluated and how it did on the shared images. */
export interface DiffRun {
  runId: string
  name: string
  checkpoint: { kind: CheckpointKind; epoch: number }
  /** Correct predictions, and their share, on the shared images only. */
  correct: number
  accuracy: number
}

/** What one run predicted for an image. */
export interface DiffGuess { predicted: number; confidence: number }

/** An image the two runs predict differently. `thumbnail`: the image as a network saw it (a PNG data URL), when kept. */
export interface DiffImage { path: string; true: number; a: DiffGuess; b: DiffGuess; thumbnail?: string }

/**
 * A confusion-matrix cell whose count differs (B minus A): `entered` are the images B puts there and A did
 * not (most confident B first), `left` those A put there and B does not (most confident A first); indices
 * into PredictionDiff.images.
 */
export interface DiffCell { true: number; predicted: number; a: number; b: number; delta: number; entered: number[]; left: number[] }

export interface PredictionDiff {
  a: DiffRun
  b: DiffRun
  /** Which images: the validation split both runs share, or a test folder (`folder`), in words in `description`. */
  source: { split: 'val' | 'test'; folder: string; description: string }
  classes: string[]
  /** The images both runs were evaluated on. */
  count: number
  /** Rows the true class, columns the predicted one; `diff` is b minus a, cell by cell. */
  confusion: { a: number[][]; b: number[][]; diff: number[][] }
  /** The cells that changed, row by row. */
  cells: DiffCell[]
  /** Every image the two runs predict differently, in the evaluation's order. */
  images: DiffImage[]
  /** A wrong and B right, most confident B first; indices into `images`. */
  fixed: number[]
  /** A right and B wrong, most confident A first; indices into `images`. */
  broken: number[]
  /** `otherWrong`: wrong in both, with another class each; `changed`: predicted differently (images.length). */
  counts: { fixed: number; broken: number; bothRight: number; bothWrong: number; otherWrong: number; changed: number }
  warnings: string[]
}
