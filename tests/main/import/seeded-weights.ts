// Weights for a model without training: a seeded network's, every parameter and running statistic nudged
// off its initial value (so a mix-up of gamma and beta, or of the running mean and variance, shows).
import { analyzeGraph, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'

export function seededWeights(model: ModelFile, seed: number): Uint8Array {
  const net = new Network(analyzeGraph(model, { forTraining: true }), referenceKernels('float32'), 1, seed)
  const rng = new Rng(seed + 1)
  for (let i = 0; i < net.paramBlock.length; i++) net.paramBlock[i] += 0.05 * rng.normal()
  const tensors = net.layout().map((p) => ({ name: p.name, data: net.paramBlock.subarray(p.offset, p.offset + p.size) }))
  let o = 0
  for (const s of net.stateNames) {
    const v = net.stateBlock.subarray(o, o + s.size)
    for (let i = 0; i < v.length; i++) v[i] = s.name.endsWith('running_var') ? 0.5 + rng.next() : 0.1 * rng.normal()
    tensors.push({ name: s.name, data: v })
    o += s.size
  }
  return encodeWeights(tensors)
}
