// A checkpoint's weights put into a compiled network: every parameter by name and size (a mismatch names
// the tensor), then the non-trainable state (batchnorm's running statistics). The optimizer state a
// training checkpoint also carries is not needed to run the model and is ignored.
import { unpackWeights } from '../train/weights.ts'
import type { Network } from '../nn/network.ts'

export function applyWeights(net: Network, blob: Uint8Array): void {
  unpackWeights(blob, { params: net.layout(), state: net.stateNames }, net.paramBlock, net.stateBlock)
}
