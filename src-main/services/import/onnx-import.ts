// ONNX -> a model file and its weights (ARCHITECTURE.md: import is a service beside export, the mapping
// table as data in op-table.ts). The studio's tensors are NHWC and ONNX's NCHW, so each value is followed
// with its layout: a feature map is NCHW (or NHWC between the Transposes the studio's own export writes),
// a vector remembers when it is a flattened NCHW map, whose (c, h, w) order the next dense layer's weight
// rows are permuted from into the studio's (h, w, c). Conv weights go from OIHW to [kh, kw, Cin, Cout].
// Everything is checked before anything is returned: an op outside the table refuses the whole file.
import { analyzeGraph, parseModelFile, windowGeometry, type Edge, type ModelFile, type NodeSpec, type Padding } from '../../../src-engine/core/graph/index.ts'
import { encodeWeights, type NamedTensor } from '../../../src-engine/core/train/weights.ts'
import { FileReadError, readImageFile } from '../../../src-engine/node/dataset/index.ts'
import { ONNX_OPS } from './op-table.ts'
import { MOMENTUM_MARK, studioMomentum } from '../bn-momentum.ts'
import { attrsOf, decodeOnnx, ImportError, tensorValues, type AttrValue, type OnnxNode } from './onnx-read.ts'

export { ImportError }

/** The largest ONNX file read: far above the CNNs the studio trains (VGG-16's weights are 528 MiB). */
export const ONNX_SIZE_LIMIT = 1024 * 2 ** 20

/**
 * The ONNX file's bytes, read as the studio reads any path a page may name (a regular file only, capped, off
 * the event loop), or an ImportError that says why it cannot be read.
 */
export async function readOnnx(file: string): Promise<Uint8Array> {
  try {
    return await readImageFile(file, ONNX_SIZE_LIMIT)
  } catch (e) {
    if (e instanceof FileReadError) throw new ImportError(`cannot read ${file}: ${e.message.replace(/image file/g, 'ONNX file')}`)
    throw e
  }
}

type MapVal = { kind: 'map'; id: string; layout: 'NCHW' | 'NHWC'; h: number; w: number; c: number }
/** `chw`: the vector is a flattened NCHW map of that size, in ONNX's order. `pooled`: ONNX sees it as [N, C, 1, 1]. */
type VecVal = { kind: 'vec'; id: string; n: number; chw?: [number, number, number]; pooled?: boolean }
type ConstVal = { kind: 'const'; dims: number[]; data: Float32Array | number[] }
type Val = MapVal | VecVal | ConstVal

export interface ImportResult {
  model: ModelFile
  weights: Uint8Array
  warnings: string[]
  /** ONNX op -> how many nodes used it. */
  ops: Record<string, number>
}

const PREFIX: Record<string, string> = {
  conv2d: 'conv', maxpool2d: 'pool', avgpool2d: 'avgpool', globalavgpool: 'gap', globalmaxpool: 'gmp', dense: 'fc', relu: 'relu',
  leakyrelu: 'lrelu', sigmoid: 'sigmoid', tanh: 'tanh', batchnorm: 'bn', dropout: 'drop', add: 'add', concat: 'concat', flatten: 'flat', softmax: 'softmax',
}

export function importOnnx(bytes: Uint8Array, file: string, name?: string): ImportResult {
  const d = decodeOnnx(bytes, file)
  const unsupported = d.nodes.filter((n) => (n.domain && n.domain !== 'ai.onnx') || !ONNX_OPS[n.opType ?? ''])
  if (unsupported.length) {
    const list = unsupported.map((n) => `${n.name || n.output?.[0]} (${n.domain ? `${n.domain}.` : ''}${n.opType})`)
    throw new ImportError(`${file} uses ops the studio has no layer for, so nothing was imported: ${list.join(', ')}`)
  }
  const studio = d.producer === 'cnn-studio'
  const fromStudio = studio ? 'the studio\'s export' : d.producer || 'the file'

  // The input: [N, C, H, W], or [N, H, W, C] when what reads it is the NHWC -> NCHW Transpose.
  const dims = d.inputDims
  if (dims.length !== 4) throw new ImportError(`${file}: input '${d.inputName}' has shape [${dims.join(', ')}]; the studio imports image models with a 4-D input [N, C, H, W] or [N, H, W, C]`)
  const readers = d.nodes.filter((n) => n.input?.includes(d.inputName))
  const nhwc = readers.length > 0 && readers.every((n) => n.opType === 'Transpose' && JSON.stringify(attrsOf(n).perm) === '[0,3,1,2]')
  const [H, W, C] = nhwc ? [dims[1], dims[2], dims[3]] : [dims[2], dims[3], dims[1]]
  const fixed = (v: number | string, what: string) => {
    if (typeof v !== 'number') throw new ImportError(`${file}: input '${d.inputName}' has a dynamic ${what} ('${v}'); the studio needs a fixed image size: export with a fixed input shape`)
    return v
  }
  const h = fixed(H, 'height'), w = fixed(W, 'width'), c = fixed(C, 'channel count')

  const nodes: NodeSpec[] = []
  const edges: Edge[] = []
  const tensors: NamedTensor[] = []
  const warnings: string[] = []
  const ids = new Set<string>()
  const counters = new Map<string, number>()
  const newId = (type: string, onnxName?: string | null): string => {
    let want = studio && onnxName ? onnxName.replace(/:\d+$/, '') : ''
    // A block's layers have ids like s1/c1 (the expansion's): kept, so the import is the expansion, weights and all.
    if (!want || ids.has(want) || !/^[\w./-]+$/.test(want)) {
      const p = PREFIX[type] ?? type
      do {
        const k = (counters.get(p) ?? 0) + 1
        counters.set(p, k)
        want = `${p}${k}`
      } while (ids.has(want))
    }
    ids.add(want)
    return want
  }
  const add = (type: string, inputs: string[], attrs: Record<string, unknown> | undefined, onnxName?: string | null): string => {
    const id = newId(type, onnxName)
    nodes.push(attrs ? { id, type, attrs } : { id, type })
    for (const i of inputs) edges.push([i, id])
    return id
  }

  const pre = studio && d.metadata['cnn-studio.preprocessing'] ? safeJson(d.metadata['cnn-studio.preprocessing']) : null
  const inputAttrs: Record<string, unknown> = { height: h, width: w, channels: c }
  if (pre && ['stretch', 'cover', 'contain'].includes(pre.resize as string)) inputAttrs.resize = pre.resize
  if (pre && Array.isArray(pre.mean) && Array.isArray(pre.std) && (pre.mean.some((m: number) => m !== 0) || pre.std.some((s: number) => s !== 1))) inputAttrs.normalize = 'dataset'
  ids.add('in')
  nodes.push({ id: 'in', type: 'input', attrs: inputAttrs })

  const vals = new Map<string, Val>()
  vals.set(d.inputName, { kind: 'map', id: 'in', layout: nhwc ? 'NHWC' : 'NCHW', h, w, c })
  for (const [n, t] of d.initializers) vals.set(n, { kind: 'const', ...tensorValues(t) })
  // A MatMul's Add of a constant becomes its bias: the Add's output is the MatMul's dense layer.
  const skip = new Set<OnnxNode>()
  const ops: Record<string, number> = {}

  for (const node of d.nodes) {
    const op = node.opType!
    ops[op] = (ops[op] ?? 0) + 1
    if (skip.has(node)) continue
    const where = `node '${node.name || node.output?.[0]}' (${op})`
    const refuse = (why: string): never => { throw new ImportError(`${file}: ${where}: ${why}`) }
    const a = attrsOf(node)
    const ins = (node.input ?? []).map((n) => (n === '' ? undefined : vals.get(n)))
    const out = node.output![0]
    const x = ins[0]
    const need = (v: Val | undefined, what: string): Val => v ?? refuse(`its ${what} comes from nothing the import knows`)
    const map = (v: Val | undefined): MapVal => {
      const m = need(v, 'input')
      if (m.kind !== 'map') return refuse(`needs a feature map [N, C, H, W], gets ${m.kind === 'vec' ? 'a vector' : 'a constant'}`)
      if (m.layout !== 'NCHW') return refuse('reads an NHWC tensor as NCHW; only the Transposes at the input and before a flatten are supported')
      return m
    }
    const constOf = (v: Val | undefined, what: string): ConstVal => {
      const k = need(v, what)
      if (k.kind !== 'const') return refuse(`its ${what} must be a constant (an initializer)`)
      return k
    }
    const floats = (v: ConstVal): Float32Array => (v.data instanceof Float32Array ? v.data : Float32Array.from(v.data))
    const same = (v: Val): MapVal | VecVal => (v.kind === 'const' ? refuse('applies to a constant') : v)
    const layerOn = (type: string, attrs?: Record<string, unknown>) => {
      const v = same(need(x, 'input'))
      if (v.kind === 'vec' && v.chw && ['batchnorm', 'softmax'].includes(type)) refuse('runs on a flattened NCHW map, whose order the studio cannot keep through this layer')
      const id = add(type, [v.id], attrs, node.name)
      vals.set(out, { ...v, id } as Val)
    }

    switch (op) {
      case 'Identity': vals.set(out, need(x, 'input')); break
      case 'Pad': {
        const pads = ins[1] ? Array.from(constOf(ins[1], 'pads').data) : Array.isArray(a.pads) ? a.pads : []
        if (pads.some((p) => p !== 0)) refuse(`pads [${pads.join(', ')}]: only a Pad that adds nothing passes; put the padding on the conv or pool`)
        vals.set(out, need(x, 'input'))
        break
      }
      case 'Constant': {
        const t = a.value
        if (!t || typeof t !== 'object' || Array.isArray(t)) refuse('only a tensor value is supported')
        vals.set(out, { kind: 'const', ...tensorValues(t as Parameters<typeof tensorValues>[0]) })
        break
      }
      case 'Transpose': {
        const v = need(x, 'input')
        const perm = JSON.stringify(a.perm)
        if (v.kind === 'map' && v.layout === 'NHWC' && perm === '[0,3,1,2]') vals.set(out, { ...v, layout: 'NCHW' })
        else if (v.kind === 'map' && v.layout === 'NCHW' && perm === '[0,2,3,1]') vals.set(out, { ...v, layout: 'NHWC' })
        else refuse(`perm ${perm ?? '(reverse)'}: only NHWC<->NCHW of a feature map is supported`)
        break
      }
      case 'Conv': {
        const m = map(x)
        const wt = constOf(ins[1], 'weight')
        const [cout, cin, kh, kw] = wt.dims
        if (wt.dims.length !== 4) refuse('only 2-D convolutions are supported')
        if ((a.group ?? 1) !== 1) refuse(`group ${a.group}: grouped and depthwise convolutions have no studio layer`)
        if (Array.isArray(a.dilations) && a.dilations.some((v) => v !== 1)) refuse(`dilations ${JSON.stringify(a.dilations)}: dilated convolutions have no studio layer`)
        if (cin !== m.c) refuse(`its weight expects ${cin} input channels, it gets ${m.c}`)
        const stride = pairOf(a.strides, 1)
        const padding = paddingOf(a, m, [kh, kw], stride, refuse)
        const src = floats(wt)
        const hwio = new Float32Array(src.length)
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
          hwio[((i * kw + j) * cin + ci) * cout + co] = src[((co * cin + ci) * kh + i) * kw + j]
        }
        const bias = ins[2] ? floats(constOf(ins[2], 'bias')) : null
        const id = add('conv2d', [m.id], { filters: cout, kernel: short([kh, kw]), stride: short(stride), padding, ...(bias ? {} : { bias: false }) }, node.name)
        tensors.push({ name: `${id}.weight`, data: hwio })
        if (bias) tensors.push({ name: `${id}.bias`, data: bias })
        const g = windowGeometry(m.h, m.w, [kh, kw], stride, padding)
        vals.set(out, { kind: 'map', id, layout: 'NCHW', h: g.outH, w: g.outW, c: cout })
        break
      }
      case 'MaxPool':
      case 'AveragePool': {
        const m = map(x)
        const k = pairOf(a.kernel_shape, 0)
        if (k[0] === 0) refuse('has no kernel_shape')
        const stride = pairOf(a.strides, 1)
        if (Array.isArray(a.dilations) && a.dilations.some((v) => v !== 1)) refuse('dilated pooling has no studio layer')
        const padding = paddingOf(a, m, k, stride, refuse)
        const g = windowGeometry(m.h, m.w, k, stride, padding)
        if (a.ceil_mode === 1 && (g.droppedRows > 0 || g.droppedCols > 0)) refuse('ceil_mode 1 adds a partial window here; the studio floors (export with ceil_mode=False)')
        const pads = g.padTop + g.padBottom + g.padLeft + g.padRight
        if (op === 'AveragePool' && a.count_include_pad === 1 && pads > 0) refuse('count_include_pad 1 averages padding zeros in; the studio leaves padding out (count_include_pad=False)')
        const id = add(op === 'MaxPool' ? 'maxpool2d' : 'avgpool2d', [m.id], { size: short(k), stride: short(stride), ...(padding !== 'valid' ? { padding } : {}) }, node.name)
        vals.set(out, { kind: 'map', id, layout: 'NCHW', h: g.outH, w: g.outW, c: m.c })
        break
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const m = map(x)
        const id = add(op === 'GlobalAveragePool' ? 'globalavgpool' : 'globalmaxpool', [m.id], undefined, node.name)
        vals.set(out, { kind: 'vec', id, n: m.c, pooled: true })
        break
      }
      case 'Flatten':
      case 'Reshape': {
        const v = same(need(x, 'input'))
        if (op === 'Flatten' && (a.axis ?? 1) !== 1) refuse(`axis ${a.axis}: only Flatten(axis=1) to [N, features] is supported`)
        if (op === 'Reshape') {
          const shape = constOf(ins[1], 'shape').data
          const size = v.kind === 'map' ? v.h * v.w * v.c : v.n
          const ok = shape.length === 2 && (shape[1] === -1 || shape[1] === size) && [-1, 0, 1].includes(shape[0]) && !(shape[0] === -1 && shape[1] === -1)
          const toVec = shape.length === 2 && shape[0] === -1 && shape[1] === size
          if (!ok && !toVec) refuse(`to [${Array.from(shape).join(', ')}]: only a reshape to [N, features] is supported`)
        }
        if (v.kind === 'vec') vals.set(out, { ...v, pooled: false })
        else {
          const id = add('flatten', [v.id], undefined, node.name)
          vals.set(out, { kind: 'vec', id, n: v.h * v.w * v.c, ...(v.layout === 'NCHW' && v.h * v.w > 1 ? { chw: [v.c, v.h, v.w] as [number, number, number] } : {}) })
        }
        break
      }
      case 'Gemm':
      case 'MatMul': {
        const v = need(x, 'input')
        if (v.kind !== 'vec') refuse(`needs a vector [N, features]: put a Flatten before it${v.kind === 'map' ? ` (it gets a ${v.c}x${v.h}x${v.w} map)` : ''}`)
        const vec = v as VecVal
        if (op === 'Gemm' && (a.transA ?? 0) !== 0) refuse('transA 1 is not supported')
        const b = constOf(ins[1], 'weight')
        if (b.dims.length !== 2) refuse(`its weight has shape [${b.dims.join(', ')}]; a dense layer's is 2-D`)
        const transB = op === 'Gemm' && a.transB === 1
        const [K, N] = transB ? [b.dims[1], b.dims[0]] : b.dims
        if (K !== vec.n) refuse(`its weight expects ${K} inputs, it gets ${vec.n}`)
        const alpha = op === 'Gemm' ? ((a.alpha as number | undefined) ?? 1) : 1
        const beta = op === 'Gemm' ? ((a.beta as number | undefined) ?? 1) : 1
        const src = floats(b)
        const wt = new Float32Array(K * N)
        // Row r of the studio's [in, units] is the ONNX input r reads: (h, w, c) from a (c, h, w) flatten.
        const row = rowMap(vec, K)
        for (let r = 0; r < K; r++) for (let u = 0; u < N; u++) wt[r * N + u] = alpha * (transB ? src[u * K + row[r]] : src[row[r] * N + u])
        let bias: Float32Array | null = null
        if (op === 'Gemm' && ins[2]) {
          const cv = constOf(ins[2], 'bias')
          const bv = floats(cv)
          if (bv.length !== N && bv.length !== 1) refuse(`its bias has ${bv.length} numbers for ${N} outputs`)
          bias = Float32Array.from({ length: N }, (_, i) => beta * bv[bv.length === 1 ? 0 : i])
        }
        let outName = out
        if (op === 'MatMul') {
          const next = d.nodes.filter((n) => n.input?.includes(out))
          if (next.length === 1 && next[0].opType === 'Add') {
            const other = next[0].input!.find((n) => n !== out)
            const cv = other !== undefined ? vals.get(other) : undefined
            if (cv?.kind === 'const' && cv.data.length === N) {
              bias = floats(cv)
              skip.add(next[0])
              outName = next[0].output![0]
            }
          }
        }
        const id = add('dense', [vec.id], { units: N, ...(bias ? {} : { bias: false }) }, node.name)
        tensors.push({ name: `${id}.weight`, data: wt })
        if (bias) tensors.push({ name: `${id}.bias`, data: bias })
        vals.set(outName, { kind: 'vec', id, n: N })
        break
      }
      case 'Relu': layerOn('relu'); break
      case 'LeakyRelu': layerOn('leakyrelu', { alpha: (a.alpha as number | undefined) ?? 0.01 }); break
      case 'Sigmoid': layerOn('sigmoid'); break
      case 'Tanh': layerOn('tanh'); break
      case 'Dropout': {
        const r = ins[1] ? floats(constOf(ins[1], 'ratio'))[0] : ((a.ratio as number | undefined) ?? 0.5)
        layerOn('dropout', { rate: Math.min(0.99, Math.round(r * 1e6) / 1e6) })
        break
      }
      case 'BatchNormalization': {
        const v = same(need(x, 'input'))
        if (v.kind === 'map' && v.layout !== 'NCHW') refuse('normalizes an NHWC tensor over axis 1')
        const C = v.kind === 'map' ? v.c : v.n
        const parts = [1, 2, 3, 4].map((i) => floats(constOf(ins[i], ['scale', 'bias', 'mean', 'var'][i - 1])))
        if (parts.some((p) => p.length !== C)) refuse(`its scale, bias, mean and variance must have ${C} numbers each`)
        const momentum = studioMomentum(a.momentum as number | undefined, studio && d.metadata[MOMENTUM_MARK.key] !== MOMENTUM_MARK.value)
        layerOn('batchnorm', { momentum, epsilon: (a.epsilon as number | undefined) ?? 1e-5 })
        const id = (vals.get(out) as MapVal | VecVal).id
        ;['gamma', 'beta'].forEach((s, i) => tensors.push({ name: `${id}.${s}`, data: parts[i] }))
        ;['running_mean', 'running_var'].forEach((s, i) => tensors.push({ name: `${id}.${s}`, data: parts[i + 2] }))
        break
      }
      case 'Add':
      case 'Sum':
      case 'Concat': {
        const vs = ins.map((v) => same(need(v, 'input')) as MapVal | VecVal)
        if (vs.length < 2) refuse('needs two inputs or more')
        const k0 = vs[0]
        if (vs.some((v) => v.kind !== k0.kind || (v.kind === 'map' && v.layout !== 'NCHW'))) refuse('mixes feature maps and vectors, or NHWC tensors')
        if (vs.some((v) => v.kind === 'vec' && (v.chw || v.pooled))) refuse('merges flattened or pooled-but-unflattened maps; flatten them first, or merge the maps')
        if (op === 'Concat') {
          const axis = a.axis as number
          const rank = k0.kind === 'map' ? 4 : 2
          if (axis !== 1 && axis !== 1 - rank) refuse(`axis ${axis}: only concatenation over the channels (axis 1) is supported`)
        }
        const id = add(op === 'Concat' ? 'concat' : 'add', vs.map((v) => v.id), undefined, node.name)
        if (k0.kind === 'map') vals.set(out, { ...k0, id, c: op === 'Concat' ? vs.reduce((s, v) => s + (v as MapVal).c, 0) : k0.c })
        else vals.set(out, { kind: 'vec', id, n: op === 'Concat' ? vs.reduce((s, v) => s + (v as VecVal).n, 0) : k0.n })
        break
      }
      case 'Softmax': {
        const v = same(need(x, 'input'))
        if (v.kind === 'map' || v.pooled) refuse('only a softmax over the classes of [N, classes] is supported')
        const axis = (a.axis as number | undefined) ?? (opsetOf(d) >= 13 ? -1 : 1)
        if (axis !== 1 && axis !== -1) refuse(`axis ${axis}: only a softmax over the classes is supported`)
        layerOn('softmax')
        break
      }
      default:
        refuse('is in the table but has no converter') // unreachable while the table and this switch agree
    }
  }

  const last = vals.get(d.outputName)
  if (!last || last.kind !== 'vec' || last.pooled) throw new ImportError(`${file}: the output '${d.outputName}' is not a vector of class scores [N, classes]`)
  if (last.chw) throw new ImportError(`${file}: the output '${d.outputName}' is a flattened feature map, not class scores`)
  const lastNode = nodes.find((n) => n.id === last.id)!
  if (lastNode.type !== 'softmax') {
    add('softmax', [last.id], undefined, null)
    warnings.push(`${fromStudio === 'the file' ? 'the graph' : `the graph from ${fromStudio}`} ends in ${lastNode.type} ${lastNode.id}, without a softmax: one was added after it so the design can train (its class scores are unchanged in order)`)
  }
  // Nodes the output does not need (a dropout's mask, a dead branch) are left out by analysis' warnings.
  const model: ModelFile = parseModelFile({
    format: 'cnn-studio.graph', version: 1, name: name ?? (d.graph.name || 'imported'), nodes, edges,
    layout: Object.fromEntries(nodes.map((n, i) => [n.id, { x: 0, y: 140 * i }])),
  })
  const a = analyzeGraph(model, { forTraining: true })
  if (a.hasErrors) throw new ImportError(`${file}: the imported design has errors: ${a.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('; ')}`)
  for (const i of a.issues) warnings.push(i.message)
  return { model, weights: encodeWeights(tensors, { model: model.name ?? null, source: 'onnx', producer: d.producer }), warnings, ops }
}

function safeJson(s: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(s)
    return typeof v === 'object' && v ? v : null
  } catch {
    return null
  }
}

function opsetOf(d: ReturnType<typeof decodeOnnx>): number {
  const o = (d.model.opsetImport ?? []).find((x) => !x.domain || x.domain === 'ai.onnx')
  return Number(o?.version ?? 0)
}

function pairOf(v: AttrValue | undefined, dflt: number): [number, number] {
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]]
  return [dflt, dflt]
}

const short = (p: [number, number]): number | [number, number] => (p[0] === p[1] ? p[0] : p)

/**
 * The model file's padding for ONNX pads [top, left, bottom, right] (or auto_pad): 'same' where the pads are
 * the studio's 'same' split for this input, else symmetric per axis; other asymmetric pads are refused.
 */
function paddingOf(a: Record<string, AttrValue>, m: MapVal, k: [number, number], s: [number, number], refuse: (why: string) => never): Padding {
  const auto = (a.auto_pad as string | undefined) ?? 'NOTSET'
  if (auto === 'VALID') return 'valid'
  if (auto === 'SAME_UPPER') return 'same'
  const same = windowGeometry(m.h, m.w, k, s, 'same')
  if (auto === 'SAME_LOWER') {
    if (same.padTop === same.padBottom && same.padLeft === same.padRight) return 'same'
    refuse('auto_pad SAME_LOWER puts the extra pixel at the top/left; the studio\'s \'same\' puts it at the bottom/right')
  }
  const p = Array.isArray(a.pads) && a.pads.length === 4 ? a.pads : [0, 0, 0, 0]
  const [t, l, b, r] = p
  if (t === same.padTop && l === same.padLeft && b === same.padBottom && r === same.padRight && t + l + b + r > 0) return 'same'
  if (t !== b || l !== r) refuse(`pads [${p.join(', ')}] (top, left, bottom, right) are uneven and not the 'same' split here; the model file's padding is the same on both sides of an axis`)
  if (t === 0 && l === 0) return 'valid'
  return t === l ? t : [t, l]
}

/** For each row of the studio's dense weights, the ONNX input row it reads. */
function rowMap(v: VecVal, K: number): Int32Array {
  const row = new Int32Array(K)
  if (!v.chw) {
    for (let r = 0; r < K; r++) row[r] = r
    return row
  }
  const [C, H, W] = v.chw
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) row[(y * W + x) * C + c] = (c * H + y) * W + x
  return row
}
