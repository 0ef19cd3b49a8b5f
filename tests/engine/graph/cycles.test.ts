// Cycles: every loop of data flow is reported once, with a path along real edges, whatever order the
// edges are listed in (a node's first out-edge may lead downstream), and however long the loop is.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, type Edge, type ModelFile, type NodeSpec } from '../../../src-engine/core/graph/index.ts'

const input: NodeSpec = { id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 3 } }
const head: NodeSpec[] = [{ id: 'f', type: 'flatten' }, { id: 'd', type: 'dense', attrs: { units: 2 } }, { id: 's', type: 'softmax' }]
const model = (nodes: NodeSpec[], edges: Edge[]): ModelFile => parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges })

/** input -> add a, whose FIRST out-edge leads downstream to the classifier; the loop edges come after. */
function loopAfterDownstream(loop: number): ModelFile {
  const nodes: NodeSpec[] = [input, { id: 'a', type: 'add' }, ...head]
  const edges: Edge[] = [['in', 'a'], ['a', 'f'], ['f', 'd'], ['d', 's']]
  let prev = 'a'
  for (let i = 0; i < loop - 1; i++) {
    nodes.push({ id: `r${i}`, type: 'relu' })
    edges.push([prev, `r${i}`])
    prev = `r${i}`
  }
  edges.push([prev, 'a']) // the back edge, listed after the forward edges
  return model(nodes, edges)
}

const cycles = (m: ModelFile, forTraining = false) => analyzeGraph(m, { forTraining }).issues.filter((i) => i.code === 'CYCLE')

describe('CYCLE', () => {
  it('a 2-cycle whose first out-edge leads downstream', () => {
    const a = analyzeGraph(loopAfterDownstream(2), { forTraining: true })
    const found = a.issues.filter((i) => i.code === 'CYCLE')
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ nodeId: 'a', severity: 'error' })
    expect(found[0].message).toContain('(a -> r0 -> a)')
    expect(a.hasErrors).toBe(true)
    // Behind a cycle nothing has a shape: the cycle is the one thing to fix, not a missing classifier.
    expect(a.issues.map((i) => i.code)).toEqual(['CYCLE'])
  })

  it('a self-loop', () => {
    const m = model([input, { id: 'a', type: 'add' }, ...head], [['in', 'a'], ['a', 'f'], ['a', 'a'], ['f', 'd'], ['d', 's']])
    const found = cycles(m, true)
    expect(found).toHaveLength(1)
    expect(found[0].nodeId).toBe('a')
    expect(found[0].message).toMatch(/\(a -> a\).*remove the edge from a to itself/)
  })

  it('a 9,990-node cycle with the back edge listed after the forward edge, without overflowing', () => {
    const m = loopAfterDownstream(9_990)
    expect(m.nodes.length).toBeLessThanOrEqual(10_000)
    const found = cycles(m, true)
    expect(found).toHaveLength(1)
    expect(found[0].nodeId).toBe('a')
    // The path is shortened in the middle so the message stays readable.
    expect(found[0].message).toMatch(/\(a -> r0 -> .* \(9,979 more\) .* -> r9988 -> a\)/)
    expect(found[0].message.length).toBeLessThan(400)
  })

  it('one issue per loop, each named by its first node in the file; nodes only downstream are not blamed', () => {
    const nodes: NodeSpec[] = [input, { id: 'x', type: 'add' }, { id: 'x2', type: 'relu' }, { id: 'y', type: 'add' }, { id: 'y2', type: 'relu' }, ...head]
    const edges: Edge[] = [['in', 'x'], ['x', 'y'], ['x', 'x2'], ['x2', 'x'], ['y', 'f'], ['y', 'y2'], ['y2', 'y'], ['f', 'd'], ['d', 's']]
    const found = cycles(model(nodes, edges))
    expect(found.map((i) => i.nodeId)).toEqual(['x', 'y'])
    expect(found[1].message).toContain('(y -> y2 -> y)')
  })

  it('names the size of a tangle larger than the loop it prints', () => {
    // a -> b -> a and b -> c -> a: one component of three nodes, shortest loop through a is a -> b -> a.
    const nodes: NodeSpec[] = [input, { id: 'a', type: 'add' }, { id: 'b', type: 'relu' }, { id: 'c', type: 'relu' }]
    const found = cycles(model(nodes, [['in', 'a'], ['a', 'b'], ['b', 'c'], ['b', 'a'], ['c', 'a']]))
    expect(found).toHaveLength(1)
    expect(found[0].message).toMatch(/\(a -> b -> a\); 3 nodes feed each other/)
  })

  it('property: a CYCLE is reported exactly when the graph has one, each along real edges, each node in at most one', () => {
    const graph = fc.integer({ min: 1, max: 9 }).chain((n) => fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 20 }),
    }))
    fc.assert(fc.property(graph, ({ n, edges }) => {
      const ids = Array.from({ length: n }, (_, i) => `n${i}`)
      const m = model([input, ...ids.map((id) => ({ id, type: 'add' }))], [['in', 'n0'], ...edges.map(([a, b]) => [ids[a], ids[b]] as Edge)])
      const found = cycles(m)
      expect(found.length > 0).toBe(hasCycle(n, edges))
      const seen = new Set<string>()
      for (const issue of found) {
        const path = issue.message.match(/\(([^)]*)\)/)![1].split(' -> ')
        expect(path[0]).toBe(issue.nodeId)
        expect(path.at(-1)).toBe(issue.nodeId)
        for (let i = 0; i + 1 < path.length; i++) expect(m.edges).toContainEqual([path[i], path[i + 1]])
        for (const id of path.slice(1)) {
          expect(seen.has(id)).toBe(false)
          seen.add(id)
        }
      }
    }), { numRuns: 300 })
  })
})

/** Plain recursive three-colour depth-first search: the yardstick for small graphs. */
function hasCycle(n: number, edges: [number, number][]): boolean {
  const colour = new Array<number>(n).fill(0)
  const visit = (v: number): boolean => {
    colour[v] = 1
    for (const [a, b] of edges) {
      if (a !== v) continue
      if (colour[b] === 1 || (colour[b] === 0 && visit(b))) return true
    }
    colour[v] = 2
    return false
  }
  return Array.from({ length: n }, (_, v) => v).some((v) => colour[v] === 0 && visit(v))
}
