// What `learn.explain` returns (and `cnn-studio explain RUN|MODEL` prints a part of): one window of a block
// on one image, its receptive fields, and for the page the block's tensors to step through with the same
// core functions (core/insight/learn) the main process used.
import type { WindowGeometry } from '../../src-engine/core/graph/window.ts'
import type { Cell, ConvStep, GapStep, PoolStep, ReceptiveField } from '../../src-engine/core/insight/learn/index.ts'

/** A block's tensors on this image, as the engine holds them (HWC, weights [kh, kw, Cin, Cout]). */
export interface LearnBlock {
  inShape: [number, number, number]
  x: number[]
  outShape: number[]
  out: number[]
  weights: number[] | null
  bias: number[] | null
  geometry: WindowGeometry | null
  /** The training plan fuses a ReLU into this conv: `out` holds the activated values. */
  relu: boolean
}

export interface LearnReport {
  source: { runId: string | null; checkpoint: { kind: 'best' | 'last'; epoch: number } | null; seed: number | null; image: string }
  node: { id: string; type: string }
  at: Cell
  filter: number
  kind: 'conv' | 'pool' | 'gap'
  step: ConvStep | PoolStep | GapStep
  /** What the engine holds at that unit (after the fused ReLU, where there is one). */
  output: number
  relu: boolean
  activated: number | null
  receptiveField: Pick<ReceptiveField, 'box' | 'size' | 'padding'>
  block?: LearnBlock
  /** The decoded image at the network's input size, PNG data URL. */
  image?: string
  /**
   * A conv's gradients for this one image and `label` (its true class, or the predicted one): the engine's
   * backward pass of the cross-entropy. `dout` is dL/dz at the conv's output before its fused ReLU [H, W, Cout],
   * `weightGrad` [kh, kw, Cin, Cout] and `biasGrad` [Cout] are the engine's own parameter gradients.
   */
  gradient?: { label: number; className: string | null; loss: number; dout: number[]; weightGrad: number[]; biasGrad: number[] | null }
  /** |d unit / d input| summed over the image's channels, [H * W] row-major, and its maximum. */
  effective?: { height: number; width: number; max: number; map: number[] }
  warnings: string[]
}
