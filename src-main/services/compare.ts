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
import type { ArchitectureDiff, DiffNode, EpochMark, StepColumns } from '../api/contract.ts'
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

/** Cells of the one n*m table an alignment may take (4 bytes each: 16 MB); a larger middle is split (Hirschberg). */
export const TABLE_CELLS = 4_000_000

/** The nodes of one model as integers (type, input shapes, id; strings interned across both models), so a cell compares numbers. */
interface Coded { type: Int32Array; shapes: Int32Array; id: Int32Array }

function encode(a: NodeInfo[], b: NodeInfo[]): [Coded, Coded] {
  const codes = new Map<string, number>()
  const code = (k: string) => {
    let c = codes.get(k)
    if (c === undefined) codes.set(k, (c = codes.size))
    return c
  }
  const one = (xs: NodeInfo[]): Coded => ({
    type: Int32Array.from(xs, (x) => code(`t${x.type}`)),
    shapes: Int32Array.from(xs, (x) => code(`s${JSON.stringify(x.inputShapes)}`)),
    id: Int32Array.from(xs, (x) => code(`i${x.id}`)),
  })
  return [one(a), one(b)]
}

/**
 * Pairs of indices into `a` and `b` that align the two node sequences (types must match): a weighted longest
 * common subsequence. Weights in integers: a type match scores 4, plus 2 for equal input shapes, plus 1 for an
 * equal id. `cells` bounds the table (tests lower it to exercise the split).
 *
 * The common prefix and suffix (nodes equal in type, input shapes and id: the full 7) are paired first without a
 * table: such a pair is in some best alignment (swapping it in never loses), and the table's walk below takes
 * it, so the result is the one the full table gives, and two 10,000-node models that differ in one block build
 * no 400 MB table. (A node id is unique in a model file, so a suffix node can score 7 with its partner only.)
 */
export function align(a: NodeInfo[], b: NodeInfo[], cells = TABLE_CELLS): [number, number][] {
  const [A, B] = encode(a, b)
  const n = a.length, m = b.length
  let head = 0, tail = 0
  while (head < n && head < m && score(A, B, head, head) === 7) head++
  while (tail < n - head && tail < m - head && score(A, B, n - 1 - tail, m - 1 - tail) === 7) tail++
  const pairs: [number, number][] = []
  for (let k = 0; k < head; k++) pairs.push([k, k])
  middle(A, B, head, n - tail, head, m - tail, cells, pairs)
  for (let k = tail; k > 0; k--) pairs.push([n - k, m - k])
  return pairs
}

/** A pair's weight (the loops below inline it: a call per cell of 10^8 cells costs seconds). */
const score = (A: Coded, B: Coded, i: number, j: number) => (A.type[i] !== B.type[j] ? -1 : 4 + (A.shapes[i] === B.shapes[j] ? 2 : 0) + (A.id[i] === B.id[j] ? 1 : 0))

/** Aligns a[i0, i1) with b[j0, j1), appending the pairs in order: one table when it fits in `cells`, else split in two. */
function middle(A: Coded, B: Coded, i0: number, i1: number, j0: number, j1: number, cells: number, out: [number, number][]): void {
  if (i0 >= i1 || j0 >= j1) return
  if ((i1 - i0 + 1) * (j1 - j0 + 1) <= cells || i1 - i0 === 1) return table(A, B, i0, i1, j0, j1, out)
  // Hirschberg: the best score of the top half against each prefix of b, of the bottom half against each
  // suffix; the best split point divides the problem in two, in two rows of memory.
  const mid = (i0 + i1) >> 1, w = j1 - j0
  const tb = B.type.subarray(j0, j1), sb = B.shapes.subarray(j0, j1), ib = B.id.subarray(j0, j1)
  let prev = new Int32Array(w + 1), cur = new Int32Array(w + 1)
  for (let i = i0; i < mid; i++) {
    const ti = A.type[i], si = A.shapes[i], ii = A.id[i]
    for (let j = 1; j <= w; j++) {
      let best = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1]
      if (tb[j - 1] === ti) {
        const d = prev[j - 1] + 4 + (sb[j - 1] === si ? 2 : 0) + (ib[j - 1] === ii ? 1 : 0)
        if (d > best) best = d
      }
      cur[j] = best
    }
    ;[prev, cur] = [cur, prev]
  }
  const top = prev
  prev = new Int32Array(w + 1)
  cur = new Int32Array(w + 1)
  for (let i = i1 - 1; i >= mid; i--) {
    const ti = A.type[i], si = A.shapes[i], ii = A.id[i]
    for (let j = w - 1; j >= 0; j--) {
      let best = prev[j] > cur[j + 1] ? prev[j] : cur[j + 1]
      if (tb[j] === ti) {
        const d = prev[j + 1] + 4 + (sb[j] === si ? 2 : 0) + (ib[j] === ii ? 1 : 0)
        if (d > best) best = d
      }
      cur[j] = best
    }
    ;[prev, cur] = [cur, prev]
  }
  const bottom = prev
  let split = 0
  for (let k = 1; k <= w; k++) if (top[k] + bottom[k] > top[split] + bottom[split]) split = k
  middle(A, B, i0, mid, j0, j0 + split, cells, out)
  middle(A, B, mid, i1, j0 + split, j1, cells, out)
}

/** The n*m table over a[i0, i1) and b[j0, j1): best scores of every pair of suffixes, then the walk that reads the pairs off. */
function table(A: Coded, B: Coded, i0: number, i1: number, j0: number, j1: number, out: [number, number][]): void {
  const n = i1 - i0, m = j1 - j0, w = m + 1
  const dp = new Int32Array((n + 1) * w)
  for (let i = n - 1; i >= 0; i--) {
    const ti = A.type[i0 + i], si = A.shapes[i0 + i], ii = A.id[i0 + i]
    for (let j = m - 1; j >= 0; j--) {
      const c = i * w + j
      let best = dp[c + w] > dp[c + 1] ? dp[c + w] : dp[c + 1]
      if (B.type[j0 + j] === ti) {
        const d = dp[c + w + 1] + 4 + (B.shapes[j0 + j] === si ? 2 : 0) + (B.id[j0 + j] === ii ? 1 : 0)
        if (d > best) best = d
      }
      dp[c] = best
    }
  }
  let i = 0, j = 0
  while (i < n && j < m) {
    const s = score(A, B, i0 + i, j0 + j), c = i * w + j
    if (s > 0 && dp[c] === s + dp[c + w + 1]) {
      out.push([i0 + i, j0 + j])
      i++
      j++
    } else if (dp[c + w] >= dp[c + 1]) i++
    else j++
  }
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

/** A run's last epoch and best checkpoint (one run's rows, not the whole table's). */
function epochMarksOf(store: Store, runId: string): { lastEpoch: EpochMark | null; bestEpoch: EpochMark | null } {
  const m = store.epochMarks(runId).get(runId)
  return { lastEpoch: m?.last ?? null, bestEpoch: m?.best ?? null }
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
      ...epochMarksOf(store, r.runId),
      // the first two were analysed by the diff already
      ...(i < 2 ? architecture.totals[i === 0 ? 'a' : 'b'] : modelFigures(models[i])),
    })),
    differences,
    architecture,
  }
}

/**
 * A run's sampled steps thinned to about `max` for Compare: ten runs of 100 epochs x 200 samples are 200,000
 * points, 5 MB of JSON to send and parse, for a chart a thousand pixels wide. Each epoch keeps the same number,
 * spread evenly and ending on its last sample (the page places a step at epoch - 1 + step / its epoch's last
 * step), so runs with as many samples an epoch keep the same steps and their curves stay aligned on x.
 * (Chosen after the read: SQLite's window functions took longer than reading every row.)
 */
export function thinSteps(s: StepColumns, max: number): StepColumns {
  const n = s.epoch.length
  if (n <= max) return s
  const starts: number[] = []
  for (let i = 0; i < n; i++) if (i === 0 || s.epoch[i] !== s.epoch[i - 1]) starts.push(i)
  const per = Math.max(1, Math.floor(max / starts.length))
  const out: StepColumns = { epoch: [], step: [], loss: [], accuracy: [] }
  starts.forEach((lo, e) => {
    const len = (starts[e + 1] ?? n) - lo
    for (let j = 1; j <= Math.min(per, len); j++) {
      const i = len <= per ? lo + j - 1 : lo + Math.round((j * len) / per) - 1
      out.epoch.push(s.epoch[i])
      out.step.push(s.step[i])
      out.loss.push(s.loss[i])
      out.accuracy.push(s.accuracy[i])
    }
  })
  return out
}
