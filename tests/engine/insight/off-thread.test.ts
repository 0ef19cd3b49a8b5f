// Inference on a worker thread: uint8 pixels converted there a chunk at a time give the same answers, and
// the same exact loss, as the float input made here, across the chunk boundary (256 images).
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { toInput } from '../../../src-engine/core/insight/preprocess.ts'
import { inferOffThread } from '../../../src-engine/node/insight/index.ts'
import { createTrainer } from '../../../src-engine/node/trainer/index.ts'
import { randomSource } from '../../../src-engine/core/data/synthetic.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'

const model = parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))

describe('inferOffThread', () => {
  it('gives the same probabilities and loss from pixels as from the float input, over 300 images', async () => {
    const t = createTrainer({ model, train: randomSource(8, [32, 32, 3], 3), hyper: { epochs: 1, batchSize: 8, optimizer: 'sgd', lr: 0.01, momentum: 0.9, seed: 1 }, workers: 1 })
    await t.run()
    const weights = t.exportWeights()
    await t.close()
    const n = 300, rng = new Rng(3)
    const pixels = Uint8Array.from({ length: n * 32 * 32 * 3 }, () => rng.int(256))
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3)
    const preprocessing = { channels: 3, mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] }
    const fromPixels = await inferOffThread(model, weights, { pixels, preprocessing }, n, labels)
    const fromFloats = await inferOffThread(model, weights, { x: toInput(pixels, preprocessing) }, n, labels)
    expect(fromPixels.probs).toEqual(fromFloats.probs)
    expect(fromPixels.lossSum).toBeCloseTo(fromFloats.lossSum!, 9)
    expect(fromPixels.lossSum! / n).toBeGreaterThan(0)
    expect((await inferOffThread(model, weights, { pixels, preprocessing }, n)).lossSum).toBeNull()
  })
})
