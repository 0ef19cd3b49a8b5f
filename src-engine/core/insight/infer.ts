// Inference from a checkpoint: the network compiled for evaluation, its weights applied, batches of any
// size run through it in chunks of the compiled batch, probabilities copied out.
import { analyzeForTraining, inputOf } from '../graph/index.ts'
import type { GraphAnalysis, ModelFile } from '../graph/types.ts'
import type { FloatArray, Kernels } from '../kernels/types.ts'
import { Network } from '../nn/network.ts'
import { applyWeights } from './weights.ts'

export interface InferenceNet {
  net: Network
  analysis: GraphAnalysis
  /** [H, W, C] of one image. */
  inputShape: [number, number, number]
  classes: number
}

export function createInferenceNet(model: ModelFile, kernels: Kernels<FloatArray>, weights: Uint8Array, maxBatch = 32): InferenceNet {
  const analysis = analyzeForTraining(model)
  const net = new Network(analysis, kernels, maxBatch, 1)
  applyWeights(net, weights)
  const input = inputOf(analysis)
  return { net, analysis, inputShape: input.outputShape as [number, number, number], classes: net.classes }
}

/**
 * x [n, H, W, C] (preprocessed) -> probabilities [n, classes], in eval mode; with `labels`, also the summed
 * cross-entropy, taken from the logits as training takes it (Network.evaluate), so it stays exact where a
 * probability underflows to 0 in float32.
 */
export function infer(m: InferenceNet, x: Float32Array, n: number, labels?: Int32Array): { probs: Float32Array; lossSum: number | null } {
  const { net, classes } = m
  const size = net.inputSize
  if (x.length < n * size) throw new Error(`expected ${n} images of ${size} numbers, got ${x.length} numbers`)
  if (labels && labels.length < n) throw new Error(`expected ${n} labels, got ${labels.length}`)
  const probs = new Float32Array(n * classes)
  let lossSum = 0
  for (let start = 0; start < n; start += net.maxBatch) {
    const k = Math.min(net.maxBatch, n - start)
    net.input.set(x.subarray(start * size, (start + k) * size))
    const p = net.forward(k, false, true)
    probs.set(p.subarray(0, k * classes), start * classes)
    if (labels) lossSum += net.evaluate(labels.subarray(start, start + k), k).lossSum
  }
  return { probs, lossSum: labels ? lossSum : null }
}

export const inferProbabilities = (m: InferenceNet, x: Float32Array, n: number): Float32Array => infer(m, x, n).probs

/** The k most probable classes of one row, best first. */
export function topK(probs: ArrayLike<number>, k: number): { index: number; probability: number }[] {
  return Array.from(probs, (probability, index) => ({ index, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, Math.max(0, k))
}
