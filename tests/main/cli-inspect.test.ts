// `cnn-studio inspect` through the real command: the table, the spec's JSON keys, the exit codes, and
// malformed files refused with one line and exit 2.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.ts'

const templates = new URL('../../resources/templates/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-inspect-'))
function file(name: string, content: unknown): string {
  const p = join(tmp, name)
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content))
  return p
}
const input = (h: number, w: number, c: number) => ({ id: 'in', type: 'input', attrs: { height: h, width: w, channels: c } })

describe('cnn-studio inspect', () => {
  const names = readdirSync(templates).filter((f) => f.endsWith('.cnn.json'))

  it('has the templates the issue asks for', () => {
    for (const t of ['lenet5', 'smallcnn', 'vgg-small', 'resnet-small', 'mlp-32x32x3', 'cnn-32x32x3']) expect(names).toContain(`${t}.cnn.json`)
  })

  it.each(names)('%s passes with no error and a readable table', (name) => {
    const r = cli(['inspect', join(templates, name), '--training'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/id\s+│\s+type\s+│\s+output\s+│\s+params\s+│\s+MACs\s+│\s+receptive field/)
    expect(r.stdout).toContain('issues: none')
  })

  it('--json has the spec keys, and the SmallCNN figures', () => {
    const r = cli(['inspect', join(templates, 'smallcnn.cnn.json'), '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['nodes', 'totals', 'issues']))
    expect(j.totals).toMatchObject({ params: 94_538, trainableParams: 94_538, macs: 10_323_200 })
    expect(j.nodes[1]).toMatchObject({ id: 'c1', type: 'conv2d', outputShape: [32, 32, 32], params: 896, macs: 884_736, receptiveField: 3 })
    for (const n of j.nodes) expect(Object.keys(n)).toEqual(expect.arrayContaining(['id', 'type', 'outputShape', 'params', 'macs', 'receptiveField']))
  })

  it('three stacked 3x3 convs: receptive field 7 and 27C^2 weights; one 7x7: 49C^2', () => {
    const C = 8
    const conv = (id: string, k: number) => ({ id, type: 'conv2d', attrs: { filters: C, kernel: k, padding: 'same', bias: false } })
    const widen = { id: 'w', type: 'conv2d', attrs: { filters: C, kernel: 1, bias: false } }
    const stack = file('stack.cnn.json', { format: 'cnn-studio.graph', version: 1, nodes: [input(16, 16, 1), widen, conv('a', 3), conv('b', 3), conv('c', 3)], edges: [['in', 'w'], ['w', 'a'], ['a', 'b'], ['b', 'c']] })
    const single = file('single.cnn.json', { format: 'cnn-studio.graph', version: 1, nodes: [input(16, 16, 1), widen, conv('a', 7)], edges: [['in', 'w'], ['w', 'a']] })
    const s = JSON.parse(cli(['inspect', stack, '--json']).stdout)
    const o = JSON.parse(cli(['inspect', single, '--json']).stdout)
    const byId = (j: { nodes: { id: string; params: number; receptiveField: number }[] }, id: string) => j.nodes.find((n) => n.id === id)!
    expect(byId(s, 'c').receptiveField).toBe(7)
    expect(byId(o, 'a').receptiveField).toBe(7)
    expect(['a', 'b', 'c'].reduce((t, id) => t + byId(s, id).params, 0)).toBe(27 * C * C)
    expect(byId(o, 'a').params).toBe(49 * C * C)
  })

  it('exits 1 with the issues when the graph has errors, 0 with only warnings', () => {
    const bad = file('bad.cnn.json', { format: 'cnn-studio.graph', version: 1, nodes: [input(8, 8, 3), { id: 'fc', type: 'dense', attrs: { units: 2 } }], edges: [['in', 'fc']] })
    const r = cli(['inspect', bad])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/NEEDS_FLATTEN \[fc\]: dense fc: gets a 8x8x3 feature map/)
    const j = JSON.parse(cli(['inspect', bad, '--json']).stdout)
    expect(j.issues[0]).toMatchObject({ nodeId: 'fc', severity: 'error', code: 'NEEDS_FLATTEN' })
    const warn = file('warn.cnn.json', { format: 'cnn-studio.graph', version: 1, nodes: [input(7, 7, 1), { id: 'p', type: 'maxpool2d', attrs: { size: 3 } }], edges: [['in', 'p']] })
    const w = cli(['inspect', warn])
    expect(w.code).toBe(0)
    expect(w.stdout).toContain('(7 - 3) / 3 + 1 = 2.33')
  })

  const model = (nodes: unknown[], edges: unknown[] = []) => ({ format: 'cnn-studio.graph', version: 1, nodes, edges })
  const malformed: [string, unknown, number, RegExp][] = [
    ['not JSON', 'this is not json {', 2, /not a JSON file/],
    ['wrong format', { format: 'onnx', version: 1, nodes: [], edges: [] }, 2, /format: expected 'cnn-studio\.graph'/],
    ['unknown layer type', model([input(8, 8, 1), { id: 'x', type: 'conv3d' }]), 2, /nodes\[1\]\.type: node 'x' has the unknown layer type 'conv3d'/],
    ['a negative stride', model([input(8, 8, 1), { id: 'c', type: 'conv2d', attrs: { filters: 2, kernel: 3, stride: -1 } }], [['in', 'c']]), 1, /'stride' is -1/],
    ['a kernel of 0', model([input(8, 8, 1), { id: 'c', type: 'conv2d', attrs: { filters: 2, kernel: 0 } }], [['in', 'c']]), 1, /'kernel' is 0/],
    ['an edge to a missing node', model([input(8, 8, 1)], [['in', 'ghost']]), 2, /edges\[0\]\[1\].*'ghost'/],
    ['100,000 nodes', model(Array.from({ length: 100_000 }, (_, i) => ({ id: `r${i}`, type: 'relu' })), Array.from({ length: 99_999 }, (_, i) => [`r${i}`, `r${i + 1}`])), 2, /100,000 nodes; the studio handles up to 10,000/],
  ]
  it.each(malformed)('%s: exit %2$s and a one-line reason, no crash', (name, content, code, reason) => {
    const r = cli(['inspect', file(`${name.replace(/\W+/g, '-')}.cnn.json`, content)])
    expect(r.code).toBe(code)
    const said = code === 2 ? r.stderr : r.stdout
    expect(said).toMatch(reason)
    if (code === 2) {
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stdout).toBe('')
    }
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/) // no stack trace
  })

  it('a missing file and bad usage exit 2', () => {
    expect(cli(['inspect', join(tmp, 'nope.cnn.json')]).code).toBe(2)
    expect(cli(['inspect']).code).toBe(2)
    expect(cli(['no-such-command']).code).toBe(2)
    expect(cli(['--help']).code).toBe(0)
  })
})
