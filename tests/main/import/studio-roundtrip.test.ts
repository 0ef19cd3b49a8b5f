// The studio's own ONNX export of every template imports back to the same design: the same totals,
// the same output shape of every node the import keeps (it drops dropout, an Identity in the file), and,
// with the imported weights, the same probabilities as the engine gives with the exported ones.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { createInferenceNet, inferProbabilities } from '../../../src-engine/core/insight/infer.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'
import { buildOnnx } from '../../../src-main/services/export/onnx.ts'
import { importOnnx } from '../../../src-main/services/import/onnx-import.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const templates = readdirSync(TEMPLATES).filter((f) => f.endsWith('.cnn.json')).sort()

/** A seeded network's weights, every parameter and running statistic nudged off its initial value. */
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
    const theirs = createInferenceNet(r.model, k, r.weights, 4)
    const rng = new Rng(9)
    const x = Float32Array.from({ length: 3 * ours.net.inputSize }, () => rng.next())
    const p = inferProbabilities(ours, x, 3), q = inferProbabilities(theirs, x, 3)
    let max = 0
    for (let i = 0; i < p.length; i++) max = Math.max(max, Math.abs(p[i] - q[i]))
    expect(max).toBeLessThan(1e-6)
  })
})
