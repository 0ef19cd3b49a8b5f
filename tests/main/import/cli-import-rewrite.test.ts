// `cnn-studio import` and `cnn-studio rewrite` through the real command: files that cannot be imported
// are refused whole with one line and exit 2 (an op outside the table named with its node, not ONNX,
// truncated, two inputs, a dynamic image size, uneven pads), nothing written; a rewrite writes a new model
// file and prints the figures, and a rule that does not apply says why with exit 2.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import onnxProto from 'onnx-proto'
import { analyzeGraph, parseModelFile, serializeModelFile } from '../../../src-engine/core/graph/index.ts'
import { buildOnnx } from '../../../src-main/services/export/onnx.ts'
import { importOnnx } from '../../../src-main/services/import/onnx-import.ts'
import { cli } from '../../helpers/cli.ts'
import { seededWeights } from './seeded-weights.ts'

const { onnx } = onnxProto
const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'cnn-import-cli-'))
const FLOAT = onnx.TensorProto.DataType.FLOAT

type N = { op: string; in: string[]; out: string; name?: string; attrs?: onnxProto.onnx.IAttributeProto[] }
/** A small ONNX file written by hand: float inputs of the given dims, float initializers filled with 0.1. */
function onnxFile(name: string, g: { inputs?: [string, (number | string)[]][]; outputs?: string[]; nodes: N[]; inits?: [string, number[]][] }): string {
  const t = (dims: (number | string)[]) => ({ tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } })
  const m = onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'hand',
    graph: {
      name: 'g',
      node: g.nodes.map((n) => ({ opType: n.op, input: n.in, output: [n.out], name: n.name ?? n.out, attribute: n.attrs ?? [] })),
      initializer: (g.inits ?? []).map(([nm, dims]) => ({ name: nm, dims, dataType: FLOAT, floatData: new Array(dims.reduce((a, b) => a * b, 1)).fill(0.1) })),
      input: (g.inputs ?? [['x', ['N', 3, 8, 8]]]).map(([nm, d]) => ({ name: nm, type: t(d) })),
      output: (g.outputs ?? ['y']).map((nm) => ({ name: nm, type: t(['N', 4]) })),
    },
  })
  const p = join(dir, name)
  writeFileSync(p, onnx.ModelProto.encode(m).finish())
  return p
}
const ints = (name: string, v: number[]) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
const convNodes: N[] = [
  { op: 'Conv', in: ['x', 'w', 'b'], out: 'c', name: 'conv_a', attrs: [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])] },
  { op: 'Relu', in: ['c'], out: 'r' },
  { op: 'GlobalAveragePool', in: ['r'], out: 'g' },
  { op: 'Flatten', in: ['g'], out: 'f' },
  { op: 'Gemm', in: ['f', 'fw', 'fb'], out: 'y' },
]
const convInits: [string, number[]][] = [['w', [4, 3, 3, 3]], ['b', [4]], ['fw', [4, 4]], ['fb', [4]]]

function refused(file: string, pattern: RegExp) {
  const out = join(dir, `${file.split('/').pop()}.cnn.json`)
  const r = cli(['import', file, '--out', out])
  expect(r.code).toBe(2)
  expect(r.stdout).toBe('')
  expect(r.stderr.trim().split('\n')).toHaveLength(1)
  expect(r.stderr).toMatch(pattern)
  expect(existsSync(out)).toBe(false)
}

describe('cnn-studio import', () => {
  it('a hand-written graph imports, with the softmax head added and said', () => {
    const f = onnxFile('ok.onnx', { nodes: convNodes, inits: convInits })
    const r = cli(['import', f, '--out', join(dir, 'ok.cnn.json'), '--weights', join(dir, 'ok.weights')])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/imported .*ok\.onnx: 6 layers, 132 params/) // 3*3*3*4 + 4 + 4*4 + 4
    expect(r.stdout).toMatch(/warning: the graph from hand ends in dense fc1, without a softmax: one was added/)
    const a = analyzeGraph(parseModelFile(readFileSync(join(dir, 'ok.cnn.json'), 'utf8')), { forTraining: true })
    expect(a.nodes.map((n) => n.type)).toEqual(['input', 'conv2d', 'relu', 'globalavgpool', 'dense', 'softmax'])
    expect(a.byId.get('conv1')!.attrs.padding).toBe('same')
    expect(existsSync(join(dir, 'ok.weights'))).toBe(true)
  })

  it('MatMul + Add of a constant is one dense layer with its bias; a Reshape to [N, -1] is a flatten', () => {
    const nodes: N[] = [
      convNodes[0], convNodes[1],
      { op: 'Reshape', in: ['r', 'shape'], out: 'f' },
      { op: 'MatMul', in: ['f', 'fw'], out: 'mm' },
      { op: 'Add', in: ['mm', 'fb'], out: 'y' },
    ]
    const m = onnx.ModelProto.decode(readFileSync(onnxFile('mm.onnx', { nodes, inits: [...convInits.slice(0, 2), ['fw', [256, 4]], ['fb', [4]]] })))
    m.graph!.initializer!.push({ name: 'shape', dims: [2], dataType: onnx.TensorProto.DataType.INT64, int64Data: [0, -1] })
    const r = importOnnx(onnx.ModelProto.encode(m).finish(), 'mm.onnx')
    const a = analyzeGraph(r.model, { forTraining: true })
    expect(a.nodes.map((n) => n.type)).toEqual(['input', 'conv2d', 'relu', 'flatten', 'dense', 'softmax'])
    expect(a.byId.get('fc1')!.params).toBe(8 * 8 * 4 * 4 + 4)
    expect(r.ops).toMatchObject({ MatMul: 1, Add: 1, Reshape: 1 })
  })

  it('refuses an op outside the table, naming every node that uses one, and writes nothing', () => {
    const nodes: N[] = [...convNodes.slice(0, 2), { op: 'LSTM', in: ['r'], out: 'l', name: 'lstm_1' }, { op: 'Erf', in: ['l'], out: 'e', name: 'gelu_erf' }, ...convNodes.slice(2)]
    refused(onnxFile('lstm.onnx', { nodes, inits: convInits }), /uses ops the studio has no layer for, so nothing was imported: lstm_1 \(LSTM\), gelu_erf \(Erf\)$/m)
  })

  it('refuses what is not ONNX, a truncated file, two inputs, two outputs, a dynamic image size, uneven pads', () => {
    refused(join(TEMPLATES, 'smallcnn.cnn.json'), /smallcnn\.cnn\.json is not a readable ONNX model|is not an ONNX model/)
    const whole = readFileSync(onnxFile('whole.onnx', { nodes: convNodes, inits: convInits }))
    const cut = join(dir, 'cut.onnx')
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)))
    refused(cut, /cut\.onnx is not a readable ONNX model|truncated/)
    refused(onnxFile('two-in.onnx', { inputs: [['x', ['N', 3, 8, 8]], ['z', ['N', 3, 8, 8]]], nodes: convNodes, inits: convInits }), /has 2 inputs \(x, z\); the studio imports models with one image input/)
    refused(onnxFile('two-out.onnx', { outputs: ['y', 'r'], nodes: convNodes, inits: convInits }), /has 2 outputs/)
    refused(onnxFile('dyn.onnx', { inputs: [['x', ['N', 3, 'H', 'W']]], nodes: convNodes, inits: convInits }), /dynamic height \('H'\); the studio needs a fixed image size/)
    const uneven = convNodes.map((n) => (n.op === 'Conv' ? { ...n, attrs: [ints('kernel_shape', [3, 3]), ints('pads', [0, 0, 1, 1])] } : n))
    refused(onnxFile('uneven.onnx', { nodes: uneven, inits: convInits }), /node 'conv_a' \(Conv\): pads \[0, 0, 1, 1\] .* uneven and not the 'same' split/)
  })

  it("the studio's own export (LeNet-5) through the command: the same totals as inspect", () => {
    const model = parseModelFile(readFileSync(join(TEMPLATES, 'lenet5.cnn.json'), 'utf8'))
    const pre = { layout: 'NHWC' as const, height: 28, width: 28, channels: 1 as const, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0], std: [1], classes: [] }
    const f = join(dir, 'lenet.onnx')
    writeFileSync(f, buildOnnx(model, seededWeights(model, 1), pre, { runId: 'r', epoch: 1, version: 't' }))
    const r = cli(['import', f, '--out', join(dir, 'lenet.cnn.json'), '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.warnings).toEqual([])
    const a = JSON.parse(cli(['inspect', join(TEMPLATES, 'lenet5.cnn.json'), '--json']).stdout)
    const b = JSON.parse(cli(['inspect', join(dir, 'lenet.cnn.json'), '--json']).stdout)
    expect(b.totals).toEqual(a.totals)
    expect(b.nodes.map((n: { id: string; outputShape: number[] }) => [n.id, n.outputShape])).toEqual(a.nodes.map((n: { id: string; outputShape: number[] }) => [n.id, n.outputShape]))
  })
})

describe('cnn-studio rewrite', () => {
  it('stack3x3 on LeNet-5 c1 writes the new file and prints the figures', () => {
    const out = join(dir, 'lenet-3x3.cnn.json')
    const r = cli(['rewrite', join(TEMPLATES, 'lenet5.cnn.json'), '--rule', 'stack3x3', '--node', 'c1', '--out', out])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    // c1: 5*5*1*6 + 6 = 156 params; as two 3x3: 3*3*1*6 + 6 + 3*3*6*6 + 6 = 60 + 330 = 390.
    const before = 61_706
    expect(r.stdout).toContain(`params:          ${before.toLocaleString('en-US')} -> ${(before - 156 + 390).toLocaleString('en-US')}`)
    expect(r.stdout).toMatch(/receptive field: 16x16 -> 16x16/)
    const m = parseModelFile(readFileSync(out, 'utf8'))
    expect(serializeModelFile(m)).toBe(readFileSync(out, 'utf8'))
    expect(m.nodes.filter((n) => n.type === 'conv2d')).toHaveLength(3)
  })

  it('--json, and a rule that does not apply says why with exit 2 and writes nothing', () => {
    const r = cli(['rewrite', join(TEMPLATES, 'smallcnn.cnn.json'), '--rule', 'mlp-baseline', '--width', '64', '--out', join(dir, 'mlp.cnn.json'), '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.after.params).toBe(3072 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10)
    expect(j.before.params).toBe(94_538)
    const out = join(dir, 'no.cnn.json')
    const no = cli(['rewrite', join(TEMPLATES, 'smallcnn.cnn.json'), '--rule', 'stack3x3', '--node', 'c1', '--out', out])
    expect(no.code).toBe(2)
    expect(no.stderr).toMatch(/^cnn-studio: stack3x3 does not apply to .*smallcnn\.cnn\.json: c1 is 3x3 already\n$/)
    expect(existsSync(out)).toBe(false)
    expect(cli(['rewrite', join(TEMPLATES, 'smallcnn.cnn.json'), '--rule', 'wider', '--out', out]).stderr).toMatch(/--rule: one of stack3x3, gap-head, bottleneck, mlp-baseline/)
  })
})
