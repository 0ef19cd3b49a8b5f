// learn.explain's service on the sample CNN with seeded weights: the block's tensors step to the engine's
// outputs with the core's convStep, and a weight's terms (from the engine's dL/dz of this image's loss) sum
// to the engine's own gradient for that weight, the page's "sum beside the engine" check.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { convStep, toChannels, weightTerms, type ConvProblem } from '../../src-engine/core/insight/learn/index.ts'
import { explainBlock, learnImages } from '../../src-main/services/insight/learn.ts'

const model = parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const shapes = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const image = `${shapes}/square/square-003.png`

describe('learn.explain on the sample', () => {
  it('c2: every window of the block gives the engine output; every weight term sums to the engine gradient', async () => {
    const r = await explainBlock(null, { model, node: 'c2', image, at: [3, 4], filter: 5, seed: 2, detail: true, label: 1 })
    const b = r.block!
    const [h, w, cin] = b.inShape
    const cout = b.outShape[2]
    const p: ConvProblem = { h, w, cin, cout, x: b.x, weights: b.weights!, bias: b.bias, geometry: b.geometry! }
    for (let f = 0; f < cout; f += 7) for (let y = 0; y < b.geometry!.outH; y += 3) for (let x = 0; x < b.geometry!.outW; x += 3) {
      const v = convStep(p, f, [y, x]).value
      expect(Math.abs(Math.max(0, v) - b.out[(y * b.geometry!.outW + x) * cout + f])).toBeLessThan(1e-5)
    }
    const g = r.gradient!
    expect(g.label).toBe(1)
    expect(g.className).toBeNull()
    const dout = toChannels(g.dout, b.outShape[0], b.outShape[1], cout)
    let nonzero = 0
    for (const [f, c, kr, kc] of [[5, 0, 0, 0], [5, 3, 1, 2], [0, 15, 2, 2], [31, 7, 1, 1]]) {
      const sum = weightTerms(p, dout, f, c, kr, kc).reduce((a, t) => a + t.product, 0)
      const engine = g.weightGrad[((kr * 3 + kc) * cin + c) * cout + f]
      expect(Math.abs(sum - engine)).toBeLessThan(1e-6 + 1e-4 * Math.abs(engine))
      if (engine !== 0) nonzero++
    }
    expect(nonzero).toBeGreaterThan(0)
    expect(r.effective!.map).toHaveLength(32 * 32)
    expect(r.image).toMatch(/^data:image\/png;base64,/)
  })

  it('lists a few images per class of a folder', () => {
    const l = learnImages(null as never, { dir: shapes, perClass: 2 })
    expect(l.images.map((i) => i.class)).toEqual(['circle', 'circle', 'square', 'square', 'triangle', 'triangle'])
  })
})
