// Whether a weights file (an import's, another run's) fits a model exactly: every parameter and running
// statistic by name and size, as the trainer will load it. Checked before a run is queued, so "train from
// these weights" is refused at once, naming the tensor, instead of failing once the run starts.
import type { GraphAnalysis } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { unpackWeights, WeightsError } from '../../../src-engine/core/train/weights.ts'

/** null when `blob` fits the analysed model (free of errors, ending in softmax), else the reason. */
export function weightsMisfit(a: GraphAnalysis, blob: Uint8Array): string | null {
  const net = new Network(a, referenceKernels('float32'), 1, 0)
  try {
    unpackWeights(blob, { params: net.layout(), state: net.stateNames }, net.paramBlock, net.stateBlock)
    return null
  } catch (e) {
    if (e instanceof WeightsError) return e.message
    throw e
  }
}
