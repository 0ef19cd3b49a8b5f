// The ONNX file of a trained network (opset 17), written with onnx-proto's compiled schema. The input
// stays NHWC, as the studio's engine and its preprocessing are: one Transpose to NCHW follows the input
// (ONNX's Conv and pools are NCHW), and each flatten of a feature map transposes back first, so the dense
// weights keep the engine's (h, w, c) order. Padding is written out per side, so TensorFlow's 'same' split
// (the extra pixel at the bottom/right) is exact. The preprocessing goes into metadata_props.
import onnxProto from 'onnx-proto'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import type { Preprocessing } from '../../../src-engine/core/insight/preprocess.ts'
import { decodeWeights } from '../../../src-engine/core/train/weights.ts'
import { exportedGraph } from './graph.ts'
import { MOMENTUM_MARK, onnxMomentum } from '../bn-momentum.ts'

const { onnx } = onnxProto
export const OPSET = 17
export const INPUT_NAME = 'input'
export const OUTPUT_NAME = 'probabilities'

type Attr = { name: string; i?: number; f?: number; ints?: number[] }
const A = onnx.AttributeProto.AttributeType

function attr(a: Attr): onnxProto.onnx.IAttributeProto {
  if (a.ints) return { name: a.name, type: A.INTS, ints: a.ints }
  if (a.f !== undefined) return { name: a.name, type: A.FLOAT, f: a.f }
  return { name: a.name, type: A.INT, i: a.i }
}

export function buildOnnx(model: ModelFile, weights: Uint8Array, pre: Preprocessing, meta: { runId: string; epoch: number; version: string }): Uint8Array {
  const { analysis: a, nodes: needed } = exportedGraph(model)
  const { tensors } = decodeWeights(weights)
  const nodes: onnxProto.onnx.INodeProto[] = []
  const inits: onnxProto.onnx.ITensorProto[] = []
  const tensorOf = new Map<string, { name: string; spatial: boolean }>()
  let serial = 0
  const op = (opType: string, inputs: string[], name: string, attrs: Attr[] = []): string => {
    const out = `${name}:${serial++}`
    nodes.push({ opType, input: inputs, output: [out], name: out, attribute: attrs.map(attr) })
    return out
  }
  const init = (name: string, dims: number[], data: Float32Array): string => {
    const copy = Float32Array.from(data)
    inits.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(copy.buffer) })
    return name
  }
  const weight = (name: string): Float32Array => {
    const t = tensors.get(name)
    if (!t) throw new Error(`the checkpoint has no tensor ${name}`)
    return t
  }

  for (const n of needed) {
    const ins = n.inputs.map((id) => tensorOf.get(id)!)
    const x = ins[0]?.name
    const spatial = n.outputShape!.length === 3
    let out: string
    switch (n.type) {
      case 'input':
        out = op('Transpose', [INPUT_NAME], n.id, [{ name: 'perm', ints: [0, 3, 1, 2] }])
        break
      case 'conv2d': {
        const [kh, kw] = n.attrs.kernel as [number, number]
        const cin = n.inputShapes[0]![2], cout = n.attrs.filters as number
        const w = weight(`${n.id}.weight`)
        // [kh, kw, Cin, Cout] -> [Cout, Cin, kh, kw]
        const oihw = new Float32Array(w.length)
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
          oihw[((co * cin + ci) * kh + i) * kw + j] = w[((i * kw + j) * cin + ci) * cout + co]
        }
        const inputs = [x, init(`${n.id}.weight`, [cout, cin, kh, kw], oihw)]
        if (n.attrs.bias) inputs.push(init(`${n.id}.bias`, [cout], weight(`${n.id}.bias`)))
        const g = n.window!
        out = op('Conv', inputs, n.id, [
          { name: 'kernel_shape', ints: [kh, kw] }, { name: 'strides', ints: [g.sh, g.sw] },
          { name: 'pads', ints: [g.padTop, g.padLeft, g.padBottom, g.padRight] }, { name: 'dilations', ints: [1, 1] }, { name: 'group', i: 1 },
        ])
        break
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const g = n.window!
        const attrs: Attr[] = [{ name: 'kernel_shape', ints: [g.kh, g.kw] }, { name: 'strides', ints: [g.sh, g.sw] }, { name: 'pads', ints: [g.padTop, g.padLeft, g.padBottom, g.padRight] }]
        // Padding never wins a max (ONNX pads MaxPool with -inf) and is not counted in an average (as the engine does).
        if (n.type === 'avgpool2d') attrs.push({ name: 'count_include_pad', i: 0 })
        out = op(n.type === 'maxpool2d' ? 'MaxPool' : 'AveragePool', [x], n.id, attrs)
        break
      }
      case 'globalavgpool':
      case 'globalmaxpool':
        out = op('Flatten', [op(n.type === 'globalavgpool' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x], n.id)], n.id, [{ name: 'axis', i: 1 }])
        break
      case 'flatten':
        // The engine flattens NHWC: (h, w, c) order, which the dense weights after it expect.
        out = ins[0].spatial ? op('Flatten', [op('Transpose', [x], n.id, [{ name: 'perm', ints: [0, 2, 3, 1] }])], n.id, [{ name: 'axis', i: 1 }]) : op('Identity', [x], n.id)
        break
      case 'dense': {
        const inN = n.inputShapes[0]![0], units = n.attrs.units as number
        const inputs = [x, init(`${n.id}.weight`, [inN, units], weight(`${n.id}.weight`))]
        if (n.attrs.bias) inputs.push(init(`${n.id}.bias`, [units], weight(`${n.id}.bias`)))
        out = op('Gemm', inputs, n.id)
        break
      }
      case 'relu': out = op('Relu', [x], n.id); break
      case 'leakyrelu': out = op('LeakyRelu', [x], n.id, [{ name: 'alpha', f: n.attrs.alpha as number }]); break
      case 'sigmoid': out = op('Sigmoid', [x], n.id); break
      case 'tanh': out = op('Tanh', [x], n.id); break
      case 'dropout': out = op('Identity', [x], n.id); break
      case 'batchnorm': {
        const C = n.outputShape!.at(-1)!
        out = op('BatchNormalization', [
          x, init(`${n.id}.gamma`, [C], weight(`${n.id}.gamma`)), init(`${n.id}.beta`, [C], weight(`${n.id}.beta`)),
          init(`${n.id}.running_mean`, [C], weight(`${n.id}.running_mean`)), init(`${n.id}.running_var`, [C], weight(`${n.id}.running_var`)),
        ], n.id, [{ name: 'epsilon', f: n.attrs.epsilon as number }, { name: 'momentum', f: onnxMomentum(n.attrs.momentum as number) }])
        break
      }
      case 'add': out = op(ins.length === 2 ? 'Add' : 'Sum', ins.map((i) => i.name), n.id); break
      // Channels are axis 1 both in NCHW and in [N, C]; softmax likewise runs over the channels.
      case 'concat': out = op('Concat', ins.map((i) => i.name), n.id, [{ name: 'axis', i: 1 }]); break
      case 'softmax': out = op('Softmax', [x], n.id, [{ name: 'axis', i: 1 }]); break
      default: throw new Error(`ONNX export has no mapping for layer '${n.type}' (node ${n.id})`)
    }
    tensorOf.set(n.id, { name: out, spatial })
  }
  nodes.push({ opType: 'Identity', input: [tensorOf.get(a.outputId!)!.name], output: [OUTPUT_NAME], name: OUTPUT_NAME })

  const dims = (d: (number | string)[]) => ({ dim: d.map((v) => (typeof v === 'string' ? { dimParam: v } : { dimValue: v })) })
  const floatType = (d: (number | string)[]) => ({ tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: dims(d) } })
  const classes = a.classes
  const props: Record<string, string> = {
    'cnn-studio.preprocessing': JSON.stringify(pre),
    input_layout: 'NHWC',
    image_size: `${pre.height}x${pre.width}`,
    channels: String(pre.channels),
    resize: pre.resize,
    scale: String(pre.scale),
    mean: JSON.stringify(pre.mean),
    std: JSON.stringify(pre.std),
    classes: JSON.stringify(pre.classes),
    run_id: meta.runId,
    epoch: String(meta.epoch),
    [MOMENTUM_MARK.key]: MOMENTUM_MARK.value,
  }
  const m = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'cnn-studio', producerVersion: meta.version, modelVersion: 1,
    docString: `${model.name ?? 'model'} from run ${meta.runId} (epoch ${meta.epoch}). Input: float32 [N, ${pre.height}, ${pre.width}, ${pre.channels}] NHWC, (pixel * scale - mean) / std per channel; output: class probabilities.`,
    graph: {
      name: model.name ?? 'cnn-studio-model', node: nodes, initializer: inits,
      input: [{ name: INPUT_NAME, type: floatType(['N', pre.height, pre.width, pre.channels]) }],
      output: [{ name: OUTPUT_NAME, type: floatType(['N', classes]) }],
    },
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  })
  return onnx.ModelProto.encode(m).finish()
}
