// A checkpoint's weights put into a compiled network: every parameter by name and size (a mismatch names
// the tensor), then the non-trainable state (batchnorm's running statistics). The optimizer state a
// training checkpoint also carries is not needed to run the model and is ignored.
import { decodeWeights } from '../train/weights.ts'
import type { Network } from '../nn/network.ts'

export function applyWeights(net: Network, blob: Uint8Array): void {
  const { tensors } = decodeWeights(blob)
  for (const p of net.layout()) {
    const t = tensors.get(p.name)
    if (!t || t.length !== p.size) throw new Error(`the weights do not fit this model: ${p.name} ${t ? `has ${t.length} numbers, the model needs ${p.size}` : 'is missing'}`)
    net.paramBlock.set(t, p.offset)
  }
  let o = 0
  for (const s of net.stateNames) {
    const t = tensors.get(s.name)
    if (!t || t.length !== s.size) throw new Error(`the weights do not fit this model: ${s.name} ${t ? `has ${t.length} numbers, the model needs ${s.size}` : 'is missing'}`)
    net.stateBlock.set(t, o)
    o += s.size
  }
}
