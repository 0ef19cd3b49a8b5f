// A batchnorm's momentum means one thing in the model file and in ONNX (the old running statistic's weight,
// core/nn/layers/batchnorm.ts and ONNX's BatchNormalization): the export writes it as it is, and every file,
// the studio's or PyTorch's (whose torch.onnx.export writes ONNX's), imports it as it is. Files the studio
// exported before that (no momentum mark, 1 - momentum written) still import to the momentum they were made with.
import onnxProto from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { buildOnnx } from '../../../src-main/services/export/onnx.ts'
import { importOnnx } from '../../../src-main/services/import/onnx-import.ts'
import { MOMENTUM_MARK } from '../../../src-main/services/bn-momentum.ts'
import { chainModel } from '../../helpers/graphs.ts'
import { seededWeights } from './seeded-weights.ts'

const { onnx } = onnxProto
const model = chainModel([8, 8, 3], [['c1', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['bn1', 'batchnorm', { momentum: 0.8, epsilon: 1e-3 }], ['r1', 'relu'], ['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['sm', 'softmax']])
const pre = { layout: 'NHWC' as const, height: 8, width: 8, channels: 3 as const, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], classes: ['a', 'b'] }
const exported = () => onnx.ModelProto.decode(buildOnnx(model, seededWeights(model, 3), pre, { runId: 'r1', epoch: 1, version: 'test' }))
const bnNode = (m: onnxProto.onnx.ModelProto) => m.graph!.node!.find((n) => n.opType === 'BatchNormalization')!
const momentumAttr = (m: onnxProto.onnx.ModelProto) => bnNode(m).attribute!.find((a) => a.name === 'momentum')!
const momentumOf = (bytes: Uint8Array) => importOnnx(bytes, 'm.onnx').model.nodes.find((n) => n.type === 'batchnorm')!.attrs!.momentum
const encode = (m: onnxProto.onnx.ModelProto) => onnx.ModelProto.encode(m).finish()

describe('batchnorm momentum, export and import', () => {
  it('the export writes ONNX\'s momentum, which is the studio\'s, and marks the file so', () => {
    const m = exported()
    expect(momentumAttr(m).f).toBeCloseTo(0.8, 6)
    expect(m.metadataProps!.find((p) => p.key === MOMENTUM_MARK.key)?.value).toBe(MOMENTUM_MARK.value)
    expect(momentumOf(encode(m))).toBe(0.8)
  })

  it('a file from another producer (as PyTorch writes it) imports with the same momentum as the studio\'s own', () => {
    const m = exported()
    m.producerName = 'pytorch'
    m.metadataProps = []
    expect(momentumOf(encode(m))).toBe(0.8)
    // No momentum attribute: ONNX's default, 0.9.
    bnNode(m).attribute = bnNode(m).attribute!.filter((a) => a.name !== 'momentum')
    expect(momentumOf(encode(m))).toBe(0.9)
  })

  it('a studio export made before the mark (1 - momentum written) imports to the momentum it was made with', () => {
    const m = exported()
    m.metadataProps = m.metadataProps!.filter((p) => p.key !== MOMENTUM_MARK.key)
    momentumAttr(m).f = 1 - 0.8
    expect(momentumOf(encode(m))).toBe(0.8)
  })
})
