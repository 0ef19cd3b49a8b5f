// The training checks (core/train/checks.ts), the one list the service refuses a start on and the page shows:
// the input and the class count from the analysis, the channels rule, the class count, the checkpoint's
// size against what the database binds, and the memory verdict naming the term that dominates.
import { describe, expect, it } from 'vitest'
import { analyzeForTraining, analyzeGraph, parseModelFile, UntrainableModelError, type NodeSpec } from '../../../src-engine/core/graph/index.ts'
import { checkpointBytes, firstError, MAX_CHECKPOINT_BYTES, memoryVerdict, trainingChecks } from '../../../src-engine/core/train/checks.ts'
import type { MemoryEstimate } from '../../../src-engine/core/nn/memory.ts'

const model = (input: [number, number, number], ...layers: [string, string, Record<string, unknown>?][]) => {
  const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: input[0], width: input[1], channels: input[2] } }]
  for (const [id, type, attrs] of layers) nodes.push(attrs ? { id, type, attrs } : { id, type })
  return parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges: nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string]) })
}
const small = (channels = 3, units = 3) => model([8, 8, channels], ['c', 'conv2d', { filters: 4, kernel: 3 }], ['g', 'globalavgpool'], ['fc', 'dense', { units }], ['out', 'softmax'])
const dataset = (n: number) => ({ root: '/data', classes: ['a', 'b', 'c', 'd', 'e'].slice(0, n), images: 10 * n })
const adam = { batchSize: 8, optimizer: 'adam', workers: 1 }
const roomy = { availableBytes: 64 * 2 ** 30, totalBytes: 64 * 2 ** 30, cores: 2 }
const errors = (cs: ReturnType<typeof trainingChecks>) => cs.filter((c) => c.severity === 'error').map((c) => c.id)

describe('the analysis names the input and the class count', () => {
  it('inputId and classes (the softmax over the last dense layer\'s units)', () => {
    const a = analyzeGraph(small(3, 7), { forTraining: true })
    expect(a.inputId).toBe('in')
    expect(a.classes).toBe(7)
    // without a softmax at the end there is no class count, and no input without an input node
    expect(analyzeGraph(model([8, 8, 1], ['f', 'flatten'], ['fc', 'dense', { units: 3 }])).classes).toBeNull()
    expect(analyzeGraph(parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes: [{ id: 'fc', type: 'dense', attrs: { units: 2 } }], edges: [] })).inputId).toBeNull()
  })

  it('analyzeForTraining throws every error with its code and node, in one message', () => {
    const broken = model([8, 8, 1], ['f', 'flatten'], ['fc', 'dense', { units: 3 }])
    expect(() => analyzeForTraining(broken)).toThrow(UntrainableModelError)
    expect(() => analyzeForTraining(broken)).toThrow(/^the model cannot be trained: NO_CLASSIFIER \(fc\): to train a classifier the model must end in softmax/)
    expect(analyzeForTraining(small()).classes).toBe(3)
  })
})

describe('trainingChecks', () => {
  it('a good model on a matching folder: all ok, in the order the service refuses on', () => {
    const cs = trainingChecks(analyzeGraph(small(), { forTraining: true }), dataset(3), adam, roomy)
    expect(cs.map((c) => [c.id, c.severity])).toEqual([['dataset', 'ok'], ['model', 'ok'], ['memory', 'ok']])
    expect(firstError(cs)).toBeNull()
  })

  it('a 4-channel input: refused with the channels rule and a fix to 3', () => {
    const cs = trainingChecks(analyzeGraph(small(4), { forTraining: true }), dataset(3), adam, roomy)
    expect(firstError(cs)).toMatchObject({ id: 'channels', code: 'INVALID_MODEL', nodeId: 'in', fix: { kind: 'set-input-channels', nodeId: 'in', value: 3 } })
    expect(firstError(cs)!.message).toBe('input in: 4 channels describe a feature map, which the studio can analyse but not train: training reads images, so set channels to 1 (greyscale) or 3 (RGB colour)')
  })

  it('no softmax: NO_CLASSIFIER, with a one-click softmax after the dense layer', () => {
    const a = analyzeGraph(model([8, 8, 1], ['f', 'flatten'], ['fc', 'dense', { units: 3 }]), { forTraining: true })
    const cs = trainingChecks(a, null, adam, null)
    expect(errors(cs)).toEqual(['graph-0'])
    expect(cs[0]).toMatchObject({ issue: 'NO_CLASSIFIER', nodeId: 'fc', code: 'INVALID_MODEL', fix: { kind: 'add-softmax', after: 'fc' } })
    // ending in a feature map, a softmax alone would not do: no fix offered
    const map = analyzeGraph(model([8, 8, 1], ['c', 'conv2d', { filters: 2, kernel: 3 }]), { forTraining: true })
    expect(trainingChecks(map, null, adam, null)[0].fix).toBeUndefined()
  })

  it('a class-count mismatch names both counts and offers the last dense layer\'s units', () => {
    const cs = trainingChecks(analyzeGraph(small(3, 3), { forTraining: true }), dataset(5), adam, roomy)
    expect(errors(cs)).toEqual(['classes'])
    expect(firstError(cs)).toMatchObject({ code: 'INVALID_MODEL', nodeId: 'fc', fix: { kind: 'set-units', nodeId: 'fc', value: 5 } })
    expect(firstError(cs)!.message).toBe("the model ends in 3 classes but the dataset has 5 (a, b, c, d, e), in /data; set the last dense layer's units to 5")
    // an unusable folder is its own error, the class count is not judged on it
    expect(errors(trainingChecks(analyzeGraph(small(), { forTraining: true }), { ...dataset(1), usable: false, problem: 'one class only' }, adam, roomy))).toEqual(['dataset'])
  })

  it('a model whose checkpoint the database cannot bind (over 2^29 bytes) is refused up front with the figure', () => {
    // 8192 -> 5462 dense: 44,750,166 parameters, 12 bytes each with adam: 537 MB, just over the limit.
    const big = model([64, 128, 1], ['f', 'flatten'], ['fc', 'dense', { units: 5462 }], ['out', 'softmax'])
    const a = analyzeGraph(big, { forTraining: true })
    expect(a.totals.params).toBe(8192 * 5462 + 5462)
    expect(checkpointBytes(a, 'adam')).toBeGreaterThan(MAX_CHECKPOINT_BYTES)
    const cs = trainingChecks(a, null, adam, null)
    expect(firstError(cs)).toMatchObject({ id: 'checkpoint', code: 'MODEL_TOO_LARGE' })
    expect(firstError(cs)!.message).toMatch(/^the model has 44,750,166 parameters: its checkpoint with adam would take 537,00\d,\d{3} bytes \(12 bytes a parameter\), more than the 536,870,880 bytes the experiment database stores in one value, so it could never be saved; use fewer filters or units/)
    expect(firstError(cs)!.message).toContain('at most about 44.7M parameters, 67.1M with sgd')
    // with sgd (8 bytes a parameter) the same model fits
    expect(trainingChecks(a, null, { ...adam, optimizer: 'sgd' }, null).some((c) => c.id === 'checkpoint')).toBe(false)
    // one class fewer and it fits with adam too: the limit is where the bytes say
    const under = analyzeGraph(model([64, 128, 1], ['f', 'flatten'], ['fc', 'dense', { units: 5450 }], ['out', 'softmax']), { forTraining: true })
    expect(trainingChecks(under, null, adam, null).some((c) => c.id === 'checkpoint')).toBe(false)
  })
})

describe('the memory verdict', () => {
  const estimate = (terms: Partial<MemoryEstimate> & Record<string, unknown>): MemoryEstimate => {
    const m = { weights: 0, gradients: 0, optimizerState: 0, activations: 0, dataset: 0, workerWasm: 0, shardBatch: 1, ...terms } as MemoryEstimate
    m.total = m.weights + m.gradients + m.optimizerState + m.activations + m.dataset + 150 * 2 ** 20
    // the term that takes the most, as the estimate says it (core/nn/memory.ts)
    m.dominantTerm ??= (['activations', 'weights', 'gradients', 'optimizerState', 'dataset'] as const).reduce((best, t) => (m[t] > m[best] ? t : best))
    return m
  }
  const machine = { availableBytes: 4 * 2 ** 30, totalBytes: 8 * 2 ** 30, cores: 2 }

  it('more than the machine has: refused with the figures, advising by the term that dominates', () => {
    const acts = memoryVerdict(estimate({ activations: 6 * 2 ** 30 }), adam, 1, 30, machine)!
    expect(acts).toMatchObject({ id: 'memory', code: 'INSUFFICIENT_MEMORY' })
    expect(acts.message).toMatch(/^this run needs about 6\.1 GiB: activations 6\.0 GiB \(batch 8 on 1 worker\), .*; this machine has 4\.0 GiB available \(of 8\.0 GiB\), so it was not started: use a smaller batch size/)
    // parameters dominate: a smaller batch is not the advice
    const params = memoryVerdict(estimate({ weights: 3 * 2 ** 30, gradients: 2 ** 30, activations: 2 ** 20 }), adam, 1, 30, machine)!
    expect(estimate({ weights: 3 * 2 ** 30, gradients: 2 ** 30 }).dominantTerm).toBe('weights')
    expect(params.message).toMatch(/so it was not started: the parameters dominate, so a smaller batch does not help: use fewer filters or units/)
    expect(params.message).not.toMatch(/use a smaller batch size/)
    expect(memoryVerdict(estimate({ dataset: 5 * 2 ** 30 }), adam, 1, 30, machine)!.message).toMatch(/not started: use fewer or smaller images/)
    expect(memoryVerdict(estimate({ activations: 2 ** 30 }), adam, 1, 30, machine)).toBeNull()
  })

  it('a worker\'s WebAssembly memory over its limit is refused although the machine has room', () => {
    const m = estimate({ activations: 3 * 2 ** 30, workerWasm: 3 * 2 ** 30, shardBatch: 4 })
    const v = memoryVerdict(m, { ...adam, batchSize: 8 }, 2, 6, { ...machine, availableBytes: 64 * 2 ** 30, totalBytes: 64 * 2 ** 30 }, 2 ** 31)!
    expect(v).toMatchObject({ id: 'worker-memory', code: 'INSUFFICIENT_MEMORY' })
    expect(v.message).toBe('each worker needs 3.0 GiB of WebAssembly memory for its network (4 images of the batch), more than the 2.0 GiB a worker can address, so it was not started: use a smaller batch size or more workers (each holds its share of the batch), or a smaller input size')
    // dominated by the parameters: fewer filters or units
    const w = memoryVerdict(estimate({ weights: 3 * 2 ** 30, workerWasm: 2.5 * 2 ** 30, dominantTerm: 'weights' }), adam, 1, 6, { ...machine, availableBytes: 64 * 2 ** 30 }, 2 ** 31)!
    expect(w.message).toMatch(/the parameters dominate, so a smaller batch does not help: use fewer filters or units/)
    expect(memoryVerdict(estimate({ workerWasm: 2 ** 30 }), adam, 1, 6, { ...machine, availableBytes: 64 * 2 ** 30 }, 2 ** 31)).toBeNull()
  })
})
