// The graph's edge cases through the real commands a user runs: cycles `inspect` must fail on and `train`
// must name (not as a missing classifier), sizes that used to print as Infinity, pools whose padding
// leaves windows empty, and an input that stands for a feature map (analysed, never trained).
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'cnn-edges-'))
const shapes = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
type N = { id: string; type: string; attrs?: Record<string, unknown> }
function file(name: string, nodes: N[], edges: [string, string][]): string {
  const p = join(tmp, name)
  writeFileSync(p, JSON.stringify({ format: 'cnn-studio.graph', version: 1, nodes, edges }))
  return p
}
const input = (h: number, w: number, c: number): N => ({ id: 'in', type: 'input', attrs: { height: h, width: w, channels: c } })
// The sample has three classes; the head ends in a 3-way softmax so only the mistake under test remains.
const head: N[] = [{ id: 'f', type: 'flatten' }, { id: 'd', type: 'dense', attrs: { units: 3 } }, { id: 's', type: 'softmax' }]
const headEdges: [string, string][] = [['f', 'd'], ['d', 's']]

/** An add whose first out-edge leads downstream to the classifier, in a loop of `loop` nodes closed last. */
function loopFile(name: string, loop: number): string {
  const nodes: N[] = [input(8, 8, 3), { id: 'a', type: 'add' }, ...head]
  const edges: [string, string][] = [['in', 'a'], ['a', 'f'], ...headEdges]
  let prev = 'a'
  for (let i = 0; i < loop - 1; i++) {
    nodes.push({ id: `r${i}`, type: 'relu' })
    edges.push([prev, `r${i}`])
    prev = `r${i}`
  }
  edges.push([prev, 'a'])
  return file(name, nodes, edges)
}

const cycles: [string, string][] = [
  ['a 2-cycle', loopFile('two.cnn.json', 2)],
  ['a self-loop', file('self.cnn.json', [input(8, 8, 3), { id: 'a', type: 'add' }, ...head], [['in', 'a'], ['a', 'f'], ['a', 'a'], ...headEdges])],
  ['a 9,990-node cycle, back edge last', loopFile('long.cnn.json', 9_990)],
]

describe('cycles through the commands', () => {
  it.each(cycles)('inspect: %s exits 1 with CYCLE', (_name, path) => {
    // --json: the table of ten thousand rows takes cli-table3 seconds to draw, and says the same.
    const r = cli(['inspect', path, '--json'], { maxBuffer: 64 << 20 })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    const { issues } = JSON.parse(r.stdout)
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatchObject({ code: 'CYCLE', nodeId: 'a', severity: 'error' })
    expect(issues[0].message).toMatch(/^add a: is part of a cycle \(a -> /)
  })

  it('inspect prints the cycle in its table of issues', () => {
    const r = cli(['inspect', cycles[0][1]])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('issues: 1 error, 0 warnings')
    expect(r.stdout).toContain('error   CYCLE [a]: add a: is part of a cycle (a -> r0 -> a)')
  })

  it.each(cycles)('train: %s is refused as CYCLE, not NO_CLASSIFIER', (_name, path) => {
    const r = cli(['train', path, shapes, '--epochs', '1', '--db', join(tmp, 'runs.db')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/CYCLE: add a: is part of a cycle/)
    expect(r.stderr).not.toContain('NO_CLASSIFIER')
  })
})

describe('sizes and pools through inspect', () => {
  it.each([1e308, 1_000_000])('padding %d is a BAD_ATTR, not an Infinity shape', (padding) => {
    const r = cli(['inspect', file(`pad-${padding}.cnn.json`, [input(8, 8, 3), { id: 'c', type: 'conv2d', attrs: { filters: 8, kernel: 3, padding } }], [['in', 'c']])])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("BAD_ATTR [c]: conv2d c: 'padding' is")
    expect(r.stdout).not.toMatch(/Infinity|∞/)
  })

  it('the smallest empty-window pool of the issue is refused before training', () => {
    const path = file('pool.cnn.json', [input(2, 2, 1), { id: 'c', type: 'conv2d', attrs: { filters: 4, kernel: 1 } }, { id: 'p1', type: 'maxpool2d', attrs: { size: 1, padding: 1 } }, ...head],
      [['in', 'c'], ['c', 'p1'], ['p1', 'f'], ...headEdges])
    const r = cli(['inspect', path, '--training'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('BAD_ATTR [p1]: maxpool2d p1: padding 1 with a 1x1 window: some windows would see only padding (PyTorch allows padding up to half the window, 0 here)')
    const t = cli(['train', path, shapes, '--epochs', '1', '--db', join(tmp, 'runs.db')])
    expect(t.code).toBe(1)
    expect(t.stderr).toContain('BAD_ATTR: maxpool2d p1: padding 1 with a 1x1 window')
  })
})

describe('an input that stands for a feature map', () => {
  const block = (name: string, bottleneck: boolean) => file(name,
    [input(32, 32, 200), ...(bottleneck ? [{ id: 'b', type: 'conv2d', attrs: { filters: 16, kernel: 1 } }] : []), { id: 'c', type: 'conv2d', attrs: { filters: 32, kernel: 5, padding: 'same' } }],
    bottleneck ? [['in', 'b'], ['b', 'c']] : [['in', 'c']])

  it('inspect: 32x32x200 -> 1x1 16 -> 5x5 32 same is 16,384,000 MACs, 163,840,000 without the 1x1', () => {
    const withB = cli(['inspect', block('bottleneck.cnn.json', true)])
    expect(withB.code).toBe(0)
    expect(withB.stdout).toContain('MACs per image: 16,384,000 (16.4 M)')
    expect(withB.stdout).toContain('issues: none')
    const without = JSON.parse(cli(['inspect', block('plain.cnn.json', false), '--json']).stdout)
    expect(without.totals.macs).toBe(163_840_000)
    expect(without.nodes[0].outputShape).toEqual([32, 32, 200])
  })

  it('train: refused with the reason and the fix, before any run is recorded', () => {
    const path = file('c200.cnn.json', [input(8, 8, 200), { id: 'c', type: 'conv2d', attrs: { filters: 4, kernel: 1 } }, ...head], [['in', 'c'], ['c', 'f'], ...headEdges])
    const db = join(tmp, 'c200.db')
    const r = cli(['train', path, shapes, '--epochs', '1', '--db', db])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('cnn-studio: input in: 200 channels describe a feature map, which the studio can analyse but not train: training reads images, so set channels to 1 (greyscale) or 3 (RGB colour)\n')
    expect(JSON.parse(cli(['runs', 'list', '--json', '--db', db]).stdout)).toEqual({ runs: [] })
  })
})
