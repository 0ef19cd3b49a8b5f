// Reading an ONNX file for import: the protobuf decoded with onnx-proto's schema, refused with a one-line
// reason when it is not ONNX, truncated, or has other than one input and one output; attributes and
// constant tensors turned into plain numbers.
import onnxProto from 'onnx-proto'

const { onnx } = onnxProto
export type OnnxNode = onnxProto.onnx.INodeProto
export type OnnxTensor = onnxProto.onnx.ITensorProto

/** A refusal with the reason the file cannot be imported (the CLI's exit 2). */
export class ImportError extends Error {}

type Longish = number | { toNumber(): number } | null | undefined
export const num = (v: Longish): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber())

export interface Decoded {
  model: onnxProto.onnx.ModelProto
  graph: onnxProto.onnx.IGraphProto
  nodes: OnnxNode[]
  inputName: string
  /** The input's dims; a string where the file names a dimension instead of fixing it. */
  inputDims: (number | string)[]
  outputName: string
  initializers: Map<string, OnnxTensor>
  producer: string
  metadata: Record<string, string>
}

export function decodeOnnx(bytes: Uint8Array, file: string): Decoded {
  let model: onnxProto.onnx.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (e) {
    const why = /index out of range/.test((e as Error).message) ? 'the file ends early (truncated?)' : (e as Error).message
    throw new ImportError(`${file} is not a readable ONNX model: ${why}`)
  }
  const graph = model.graph
  if (!graph || !graph.node?.length || !model.opsetImport?.length) throw new ImportError(`${file} is not an ONNX model (no graph of nodes and opset in it)`)
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]))
  // Before IR 4, initializers were listed among the inputs too: only the others are the model's inputs.
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name!))
  if (inputs.length !== 1) throw new ImportError(`${file} has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); the studio imports models with one image input`)
  const outputs = graph.output ?? []
  if (outputs.length !== 1) throw new ImportError(`${file} has ${outputs.length} outputs (${outputs.map((o) => o.name).join(', ')}); the studio imports classifiers with one output`)
  const tt = inputs[0].type?.tensorType
  if (!tt) throw new ImportError(`${file}: input '${inputs[0].name}' is not a tensor`)
  if (tt.elemType !== onnx.TensorProto.DataType.FLOAT) throw new ImportError(`${file}: input '${inputs[0].name}' is not float32; the studio's images are`)
  const inputDims = (tt.shape?.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined && num(d.dimValue) > 0 ? num(d.dimValue) : d.dimParam || '?'))
  const domainOk = (model.opsetImport ?? []).some((o) => !o.domain || o.domain === 'ai.onnx')
  if (!domainOk) throw new ImportError(`${file} imports no standard ONNX opset`)
  const metadata = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']))
  return { model, graph, nodes: graph.node, inputName: inputs[0].name!, inputDims, outputName: outputs[0].name!, initializers, producer: model.producerName ?? '', metadata }
}

const DT = onnx.TensorProto.DataType

/** A constant tensor's values as numbers (floats as Float32Array), and its dims. */
export function tensorValues(t: OnnxTensor): { dims: number[]; data: Float32Array | number[] } {
  const dims = (t.dims ?? []).map(num)
  const count = dims.reduce((a, b) => a * b, 1)
  // A copy at offset 0 (a Buffer's slice would share the file's memory at its own offset), checked for length.
  const raw = t.rawData && t.rawData.length ? new Uint8Array(t.rawData) : null
  const width = t.dataType === DT.INT64 || t.dataType === DT.DOUBLE ? 8 : 4
  if (raw && raw.length < count * width) throw new ImportError(`constant '${t.name}' has ${raw.length} bytes, its dims [${dims.join(', ')}] need ${count * width}`)
  switch (t.dataType) {
    case DT.FLOAT: {
      if (raw) return { dims, data: new Float32Array(raw.buffer, 0, count) }
      return { dims, data: Float32Array.from(t.floatData ?? []) }
    }
    case DT.INT64: {
      if (raw) {
        const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
        return { dims, data: Array.from({ length: count }, (_, i) => Number(v.getBigInt64(i * 8, true))) }
      }
      return { dims, data: (t.int64Data ?? []).map((x) => num(x as Longish)) }
    }
    case DT.INT32: {
      if (raw) return { dims, data: Array.from(new Int32Array(raw.buffer, 0, count)) }
      return { dims, data: (t.int32Data ?? []).slice() }
    }
    case DT.DOUBLE: {
      if (raw) return { dims, data: Float32Array.from(new Float64Array(raw.buffer, 0, count)) }
      return { dims, data: Float32Array.from(t.doubleData ?? []) }
    }
    default:
      throw new ImportError(`constant '${t.name}' is of ONNX data type ${t.dataType}; the studio reads float32, float64, int32 and int64 constants`)
  }
}

export type AttrValue = number | number[] | string | OnnxTensor

/** A node's attributes as plain values: INT and FLOAT as numbers, INTS and FLOATS as lists, STRING as text, TENSOR as itself. */
export function attrsOf(node: OnnxNode): Record<string, AttrValue> {
  const A = onnx.AttributeProto.AttributeType
  const out: Record<string, AttrValue> = {}
  for (const a of node.attribute ?? []) {
    const name = a.name ?? ''
    switch (a.type) {
      case A.INT: out[name] = num(a.i as Longish); break
      case A.FLOAT: out[name] = a.f ?? 0; break
      case A.INTS: out[name] = (a.ints ?? []).map((x) => num(x as Longish)); break
      case A.FLOATS: out[name] = (a.floats ?? []).slice(); break
      case A.STRING: out[name] = new TextDecoder().decode(a.s ?? new Uint8Array()); break
      case A.TENSOR: out[name] = a.t!; break
      default: break // graphs and others: no op of the table has them
    }
  }
  return out
}
