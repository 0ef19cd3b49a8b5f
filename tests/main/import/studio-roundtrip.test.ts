// The studio's own ONNX export of every template imports back to the same design: the same totals,
// the same output shape of every node the import keeps (it drops dropout, an Identity in the file), and,
// with the imported weights, the same probabilities as the engine gives with the exported ones.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createInferenceNet, inferProbabilities } from '../../../src-engine/core/insight/infer.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { buildOnnx } from '../../../src-main/services/export/onnx.ts'
import { importOnnx } from '../../../src-main/services/import/onnx-import.ts'
import { seededWeights } from './seeded-weights.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const templates = readdirSync(TEMPLATES).filter((f) => f.endsWith('.cnn.json')).sort()

describe('the studio\'s ONNX export imports back', () => {
  it.each(templates)('%s', (f) => {
    const model = parseModelFile(readFileSync(TEMPLATES + f, 'utf8'))
    const a = analyzeGraph(model, { forTraining: true })
    const input = a.nodes.find((n) => n.type === 'input')!
    const [h, w, c] = input.outputShape!
    const weights = seededWeights(model, 5)
    const pre = { layout: 'NHWC' as const, height: h, width: w, channels: c as 1 | 3, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0, 0, 0].slice(0, c), std: [1, 1, 1].slice(0, c), classes: [] }
    const onnx = buildOnnx(model, weights, pre, { runId: 'r1', epoch: 1, version: 'test' })
    const r = importOnnx(onnx, f.replace('.cnn.json', '.onnx'))
    expect(r.warnings).toEqual([])
    const b = analyzeGraph(r.model, { forTraining: true })
    expect(b.hasErrors).toBe(false)
    expect(b.totals).toEqual(a.totals)
    expect(b.byId.get(b.outputId!)!.outputShape).toEqual(a.byId.get(a.outputId!)!.outputShape)
    const kept = b.nodes.map((n) => n.id)
    expect(a.nodes.filter((n) => n.type !== 'dropout').map((n) => n.id)).toEqual(kept)
    for (const n of b.nodes) {
      const o = a.byId.get(n.id)!
      expect([n.id, n.type, n.outputShape, n.params, n.macs, n.receptiveField]).toEqual([o.id, o.type, o.outputShape, o.params, o.macs, o.receptiveField])
    }

    const k = referenceKernels('float32')
    const ours = createInferenceNet(model, k, weights, 4)
    // As a weights file is read: a Node Buffer, here at an odd offset of its memory (decodeWeights must copy it).
    const theirs = createInferenceNet(r.model, k, Buffer.concat([Buffer.alloc(3), Buffer.from(r.weights)]).subarray(3), 4)
    const rng = new Rng(9)
    const x = Float32Array.from({ length: 3 * ours.net.inputSize }, () => rng.next())
    const p = inferProbabilities(ours, x, 3), q = inferProbabilities(theirs, x, 3)
    let max = 0
    for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i] - q[i]))
    expect(max).toBeLessThan(1e-6)
  })
})
