// A batchnorm's momentum between the model file and ONNX, one function each way. Both mean the same thing:
// the weight of the old running statistic, running = running * momentum + batch * (1 - momentum)
// (core/nn/layers/batchnorm.ts; ONNX's BatchNormalization). PyTorch's momentum is the other weight
// (1 - this), and torch.onnx.export already writes ONNX's, so a PyTorch file and a studio file read alike.
// Only the studio's exports before the marker below wrote 1 - momentum: those are read back as they were meant.

/** Written in the metadata of the studio's ONNX files whose BatchNormalization momentum is ONNX's own. */
export const MOMENTUM_MARK = { key: 'cnn-studio.bn-momentum', value: 'onnx' } as const

const rounded = (m: number) => Math.round(m * 1e6) / 1e6

/** The ONNX attribute for a model file's batchnorm momentum. */
export function onnxMomentum(studio: number): number {
  return studio
}

/**
 * The model file's momentum for an ONNX BatchNormalization's (absent: ONNX's default, 0.9). `legacyStudio`: the
 * file is the studio's own, written before MOMENTUM_MARK, when the export stored 1 - momentum.
 */
export function studioMomentum(onnx: number | undefined, legacyStudio = false): number {
  const m = onnx ?? 0.9
  return rounded(legacyStudio ? 1 - m : m)
}
