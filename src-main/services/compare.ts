// Comparing runs: only the settings that differ, the final metrics side by side with each model's size
// and cost, and a node-by-node diff of the architectures (what MLflow shows as a parameter diff, plus what
// only a graph tool can show).
//
// Nodes are paired by structure, not by id: each model is read in topological order and the two sequences
// of layer types are aligned (a weighted longest common subsequence, as `diff` aligns lines). Among equal
// alignments the one that also keeps input shapes and ids wins. A paired node is unchanged only when its
// type, attributes, input and output shapes all agree: a CNN's `r1` and an MLP's `r1` are two ReLUs on
// different tensors, so they are told apart even though their ids match. A node whose type, attributes and
// wiring agree but whose shapes do not is 'reshaped', not 'changed': a larger input changes every shape
// after it, and the diff should point at the input, not mark every block.
import type { ArchitectureDiff, DiffNode } from '../api/contract.ts'
import { analyzeGraph, type GraphAnalysis, type ModelFile, type NodeInfo } from '../../src-engine/core/graph/index.ts'
import type { Store } from './store/store.ts'

export type { ArchitectureDiff, DiffNode }

const shape = (s: number[] | null) => (s ? `[${s.join(', ')}]` : '?')
const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y)

/** A model's parameter count and multiply-accumulates per image (0 where the graph cannot be analysed). */
export function modelFigures(model: ModelFile): { params: number; macs: number } {
  try {
    const t = analyzeGraph(model).totals
    return { params: t.params, macs: t.macs }
  } catch {
    return { params: 0, macs: 0 }
  }
}

/**
 * Params and MACs of each run's model, analysed once per distinct model (by content hash): a list of 1,000 runs
 * of a few models analyses each model once.
 */
export function figuresCache(store: Store): (r: { runId: string; modelHash: string }) => { params: number; macs: number } {
  const figures = new Map<string, { params: number; macs: number }>()
  return (r) => {
    let f = figures.get(r.modelHash)
    if (!f) figures.set(r.modelHash, (f = modelFigures(store.modelOf(r.runId))))
    return f
  }
}

/** Pairs of indices into `a` and `b` that align the two node sequences (types must match). */
function align(a: NodeInfo[], b: NodeInfo[]): [number, number][] {
  const n = a.length, m = b.length
  // Weights in integers: a type match scores 4, plus 2 for equal input shapes, plus 1 for an equal id. The shape
  // keys are made once per node, not once per cell of the n*m table.
  const ka = a.map((x) => JSON.stringify(x.inputShapes)), kb = b.map((x) => JSON.stringify(x.inputShapes))
  const score = (i: number, j: number) => (a[i].type !== b[j].type ? -1 : 4 + (ka[i] === kb[j] ? 2 : 0) + (a[i].id === b[j].id ? 1 : 0))
  const dp = new Int32Array((n + 1) * (m + 1))
  const at = (i: number, j: number) => i * (m + 1) + j
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const s = score(i, j)
      let best = Math.max(dp[at(i + 1, j)], dp[at(i, j + 1)])
      if (s > 0) best = Math.max(best, s + dp[at(i + 1, j + 1)])
      dp[at(i, j)] = best
    }
  }
  const pairs: [number, number][] = []
  let i = 0, j = 0
  while (i < n && j < m) {
    const s = score(i, j)
    if (s > 0 && dp[at(i, j)] === s + dp[at(i + 1, j + 1)]) {
      pairs.push([i, j])
      i++
      j++
    } else if (dp[at(i + 1, j)] >= dp[at(i, j + 1)]) i++
    else j++
  }
  return pairs
}

/** What differs in the block itself (attributes), and what differs only in the tensors it sees (shapes). */
function changesOf(x: NodeInfo, y: NodeInfo): { own: string[]; shapes: string[] } {
  const own: string[] = [], shapes: string[] = []
  for (const k of [...new Set([...Object.keys(x.attrs), ...Object.keys(y.attrs)])].sort()) {
    if (!same(x.attrs[k], y.attrs[k])) own.push(`${k} ${JSON.stringify(x.attrs[k])} -> ${JSON.stringify(y.attrs[k])}`)
  }
  if (!same(x.inputShapes, y.inputShapes)) shapes.push(`input ${x.inputShapes.map(shape).join(' + ')} -> ${y.inputShapes.map(shape).join(' + ')}`)
  if (!same(x.outputShape, y.outputShape)) shapes.push(`output ${shape(x.outputShape)} -> ${shape(y.outputShape)}`)
  return { own, shapes }
}

export function diffModels(ma: ModelFile, mb: ModelFile): ArchitectureDiff {
  const A: GraphAnalysis = analyzeGraph(ma), B: GraphAnalysis = analyzeGraph(mb)
  const pairs = align(A.nodes, B.nodes)
  const partnerA = new Map<string, string>(), partnerB = new Map<string, string>()
  for (const [i, j] of pairs) {
    partnerA.set(A.nodes[i].id, B.nodes[j].id)
    partnerB.set(B.nodes[j].id, A.nodes[i].id)
  }
  const nodes: DiffNode[] = []
  const changed: ArchitectureDiff['changed'] = []
  // Walk both orders together so the list reads along the graph, removals before the additions that replace them.
  let i = 0, j = 0
  for (const [pi, pj] of [...pairs, [A.nodes.length, B.nodes.length] as [number, number]]) {
    for (; i < pi; i++) nodes.push({ a: A.nodes[i].id, type: A.nodes[i].type, status: 'removed', changes: [], params: [A.nodes[i].params, 0], macs: [A.nodes[i].macs, 0] })
    for (; j < pj; j++) nodes.push({ b: B.nodes[j].id, type: B.nodes[j].type, status: 'added', changes: [], params: [0, B.nodes[j].params], macs: [0, B.nodes[j].macs] })
    if (pi === A.nodes.length) break
    const x = A.nodes[pi], y = B.nodes[pj]
    const { own, shapes } = changesOf(x, y)
    // Rewired: the partner of an input in A is not the same input in B.
    const fed = x.inputs.map((id) => partnerA.get(id) ?? `-${id}`)
    if (!same(fed, y.inputs)) own.push(`inputs ${x.inputs.join(', ') || '-'} -> ${y.inputs.join(', ') || '-'}`)
    const status = own.length ? 'changed' : shapes.length ? 'reshaped' : 'same'
    nodes.push({ a: x.id, b: y.id, type: x.type, status, changes: [...own, ...shapes], params: [x.params, y.params], macs: [x.macs, y.macs] })
    if (own.length) changed.push({ id: x.id, idB: y.id, from: { type: x.type, ...x.attrs }, to: { type: y.type, ...y.attrs } })
    i = pi + 1
    j = pj + 1
  }
  const added = nodes.filter((d) => d.status === 'added').map((d) => d.b!)
  const removed = nodes.filter((d) => d.status === 'removed').map((d) => d.a!)
  const delta = (d: DiffNode) => {
    const p = d.params[1] - d.params[0], m = d.macs[1] - d.macs[0]
    return p || m ? ` (params ${p >= 0 ? '+' : ''}${p}, MACs ${m >= 0 ? '+' : ''}${m})` : ''
  }
  const summary = nodes.filter((d) => d.status !== 'same').map((d) =>
    d.status === 'added' ? `+ ${d.b} (${d.type})${delta(d)}`
      : d.status === 'removed' ? `- ${d.a} (${d.type})${delta(d)}`
        : `${d.status === 'reshaped' ? '=' : '~'} ${d.a === d.b ? d.a : `${d.a} -> ${d.b}`} (${d.type})${d.status === 'reshaped' ? ', shapes only' : ''}: ${d.changes.join('; ')}${delta(d)}`)
  return {
    same: summary.length === 0, added, removed, changed, summary, nodes,
    totals: { a: { params: A.totals.params, macs: A.totals.macs }, b: { params: B.totals.params, macs: B.totals.macs } },
  }
}

export function compareRuns(store: Store, refs: string[]) {
  const runs = refs.map((r) => store.getRun(r))
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.settings)))].sort()
  const differences: Record<string, unknown[]> = {}
  for (const k of keys) {
    const vs = runs.map((r) => r.settings[k])
    if (new Set(vs.map((v) => JSON.stringify(v))).size > 1) differences[k] = vs
  }
  const models = runs.map((r) => store.modelOf(r.runId))
  const architecture = diffModels(models[0], models[1])
  return {
    runs: runs.map((r, i) => ({
      runId: r.runId, name: r.name, status: r.status, model: r.model, modelHash: r.modelHash, final: r.final ?? {},
      // the first two were analysed by the diff already
      ...(i < 2 ? architecture.totals[i === 0 ? 'a' : 'b'] : modelFigures(models[i])),
    })),
    differences,
    architecture,
  }
}
