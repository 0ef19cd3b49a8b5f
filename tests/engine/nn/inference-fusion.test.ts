// Inference that wants only the probabilities runs each conv -> ReLU -> 2x2/2 max-pool as one pass, and a
// Winograd conv -> ReLU -> global average pooling too (the conv's output never written): the probabilities
// are the very ones of the layer-by-layer forward (SmallCNN's c3 is one 8x8 tile an image: its sums run in
// the pooling's own order).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import { analyzed } from '../../helpers/graphs.ts'

const template = (name: string) => parseModelFile(readFileSync(new URL(`../../../resources/templates/${name}.cnn.json`, import.meta.url), 'utf8'))

describe('forward for the probabilities alone', () => {
  for (const [name, fusedConvs] of [['smallcnn', ['c1', 'c2', 'c3']], ['shapes-cnn', ['c1', 'c2', 'c3']], ['lenet5', ['c1', 'c3']]] as const) {
    it(`${name}: the same probabilities, with ${fusedConvs.join(', ')} pooled in one pass`, async () => {
      const n = 7
      const net = new Network(analyzed(template(name)), await fastKernels(), n, 3)
      for (let i = 0; i < n * net.inputSize; i++) net.input[i] = Math.sin(i * 0.37)
      const layerByLayer = Float32Array.from(net.forward(n, false).subarray(0, n * net.classes))
      const convs = net.layers.filter((l) => fusedConvs.includes(l.info.id as never))
      for (const c of convs) c.out.fill(NaN)
      const fused = net.forward(n, false, true).subarray(0, n * net.classes)
      expect(Array.from(fused)).toEqual(Array.from(layerByLayer))
      for (const c of convs) expect(Number.isNaN(c.out[0])).toBe(true) // never written: it ran with its pool
      net.forward(n, false) // and the layer-by-layer forward still fills them, for feature maps and Grad-CAM
      for (const c of convs) expect(Number.isNaN(c.out[0])).toBe(false)
    })
  }
})

// Inference keeps each Winograd conv's transformed weights between batches (Kernels.keepWeights) and makes
// them again only when the weights changed: between training steps its probabilities are still the very
// ones of a network that transforms the weights anew each time (the same kernels without keepWeights, given
// the same weights), before the first step and after each.
describe('inference between training steps', () => {
  for (const name of ['smallcnn', 'vgg-small'] as const) {
    it(`${name}: the probabilities of the weights as they are now, after each SGD step`, async () => {
      const n = 6
      const k = await fastKernels()
      const net = new Network(analyzed(template(name)), k, n, 3)
      const anew = new Network(analyzed(template(name)), { ...k, keepWeights: undefined }, n, 3)
      expect(net.plan.steps.some((s) => s.buffers.some((b) => b.name === 'keptU'))).toBe(true)
      for (let i = 0; i < n * net.inputSize; i++) net.input[i] = anew.input[i] = Math.sin(i * 0.37)
      const labels = Int32Array.from({ length: n }, (_, i) => i % net.classes)
      const optimizer = k.createOptimizer(net.paramBlock.length, new Uint8Array(net.paramBlock.length).fill(1), { optimizer: 'sgd', momentum: 0.9 })
      for (let step = 0; step < 3; step++) {
        anew.paramBlock.set(net.paramBlock)
        anew.stateBlock.set(net.stateBlock)
        const want = Array.from(anew.forward(n, false, true).subarray(0, n * net.classes))
        for (const again of ['', ', again']) expect(Array.from(net.forward(n, false, true).subarray(0, n * net.classes)), `step ${step}${again}`).toEqual(want)
        net.forward(n, true, true)
        net.backward(labels, n, 1 / n, true)
        optimizer.step(net.paramBlock, net.gradBlock, 0.05)
      }
    })
  }
})
