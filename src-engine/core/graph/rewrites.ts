// The course's rewrites as pure functions on a model file: each returns the new file, the nodes it
// added or changed, and the params, MACs and receptive field before and after, or the reason it does not
// apply ("c1 is 3x3 already"). The CLI's `rewrite`, the host and the inspector's suggestions call these.
//   stack3x3     a KxK conv (K >= 5, odd, stride 1) as (K-1)/2 3x3 convs of the same width, ReLU between
//                them, padding split so the output shape and the receptive field are kept
//   gap-head     flatten + dense -> globalavgpool + dense
//   bottleneck   a 1x1 conv of a chosen width (and ReLU) before an expensive conv
//   mlp-baseline the same input, flatten, two dense layers of a chosen width, the classifier: "FC vs CNN"
import { analyzeGraph } from './analyze.ts'
import { definitionOf, isBlockNode, ownerOf } from './blocks.ts'
import type { Edge, GraphAnalysis, ModelFile, NodeInfo, NodeSpec, Padding } from './types.ts'

export const REWRITE_RULES = ['stack3x3', 'gap-head', 'bottleneck', 'mlp-baseline'] as const
export type RewriteRule = (typeof REWRITE_RULES)[number]

export interface RewriteOptions {
  /** The node to rewrite; each rule picks the first (or costliest) node it applies to when absent. */
  node?: string
  /** bottleneck: the 1x1 conv's filters; mlp-baseline: the hidden layers' units. */
  width?: number
}

export interface RewriteFigures {
  params: number
  macs: number
  /** The largest receptive field of a feature map, in input pixels along one axis (null: none known). */
  receptiveField: number | null
}

export type RewriteResult =
  | { ok: true; rule: RewriteRule; model: ModelFile; changed: string[]; summary: string; before: RewriteFigures; after: RewriteFigures }
  | { ok: false; rule: RewriteRule; reason: string }

/** The hidden width of the MLP baseline when none is given. */
export const MLP_DEFAULT_WIDTH = 256
/** Where a layout row sits below the one before (the templates' spacing). */
const ROW = 140

export function figures(a: GraphAnalysis): RewriteFigures {
  let rf: number | null = null
  for (const n of a.nodes) if (n.type !== 'input' && n.outputShape?.length === 3 && n.receptiveField !== null) rf = Math.max(rf ?? 0, n.receptiveField)
  return { params: a.totals.params, macs: a.totals.macs, receptiveField: rf }
}

const clone = (m: ModelFile): ModelFile => JSON.parse(JSON.stringify(m)) as ModelFile

function uniqueId(model: ModelFile, want: string): string {
  const ids = new Set(model.nodes.map((n) => n.id))
  if (!ids.has(want)) return want
  for (let i = 2; ; i++) if (!ids.has(`${want}${i}`)) return `${want}${i}`
}

/**
 * Puts `chain` (new nodes, in order) on every edge into `target`: what fed target feeds the chain's first
 * node, the last feeds target. In the layout the chain takes target's place and everything at or below
 * target's row moves down to make room.
 */
function insertBefore(model: ModelFile, target: string, chain: NodeSpec[]): void {
  const at = model.nodes.findIndex((n) => n.id === target)
  model.nodes.splice(at, 0, ...chain)
  const edges: Edge[] = []
  for (const e of model.edges) edges.push(e[1] === target ? [e[0], chain[0].id] : e)
  for (let i = 1; i < chain.length; i++) edges.push([chain[i - 1].id, chain[i].id])
  edges.push([chain.at(-1)!.id, target])
  model.edges = edges
  const at0 = model.layout?.[target]
  if (model.layout && at0) {
    const p = { ...at0 }
    for (const q of Object.values(model.layout)) if (q.y >= p.y) q.y += ROW * chain.length
    chain.forEach((n, i) => { model.layout![n.id] = { x: p.x, y: p.y + ROW * i } })
  }
}

const fail = (rule: RewriteRule, reason: string): RewriteResult => ({ ok: false, rule, reason })

/**
 * Why a layer inside a block cannot be rewritten where it is (null for the model's own layers): a rewrite
 * changes the model's nodes, and a block's layers are its definition's, shared by every instance. `id` is
 * an expanded id (`s/c1`) or the layer's id in a definition (`c1`).
 */
function insideBlock(model: ModelFile, id: string): string | null {
  const owner = ownerOf(model, id)
  if (owner) return `${id.split('/').pop()} is inside block ${owner}: open its definition (${String(model.nodes.find((n) => n.id === owner)!.attrs?.block)}) to change it for every instance, or unpack ${owner}`
  if (model.nodes.some((n) => n.id === id)) return null
  const inst = model.nodes.find((n) => isBlockNode(n) && definitionOf(model, n)?.nodes.some((x) => x.id === id))
  return inst ? `${id} is inside block ${inst.id}: open its definition (${String(inst.attrs?.block)}) to change it for every instance, or unpack ${inst.id}` : null
}

function pick(rule: RewriteRule, model: ModelFile, a: GraphAnalysis, opts: RewriteOptions, type: string, fits: (n: NodeInfo) => string | null, none: string): NodeInfo | string {
  if (opts.node !== undefined) {
    const inside = insideBlock(model, opts.node)
    if (inside) return inside
    const n = a.byId.get(opts.node)
    if (!n) return `the model has no node '${opts.node}'`
    if (n.type !== type) return `${n.id} is a ${n.type}; ${rule} rewrites a ${type}`
    return fits(n) ?? n
  }
  // Unasked, only the model's own layers: a block's layers change in its definition.
  const found = a.nodes.find((n) => n.type === type && ownerOf(model, n.id) === null && fits(n) === null)
  return found ?? none
}

function finish(rule: RewriteRule, before: GraphAnalysis, model: ModelFile, changed: string[], summary: string, keepShape?: string): RewriteResult {
  const after = analyzeGraph(model)
  const broke = after.issues.find((i) => i.severity === 'error' && !before.issues.some((j) => j.severity === 'error' && j.code === i.code && j.nodeId === i.nodeId))
  if (broke) return fail(rule, `the rewrite would break the model: ${broke.message}`)
  if (keepShape) {
    const was = before.byId.get(keepShape)?.outputShape, now = after.byId.get(keepShape)?.outputShape
    if (JSON.stringify(was) !== JSON.stringify(now)) return fail(rule, `the rewrite would change ${keepShape}'s output from ${was?.join('x')} to ${now?.join('x')}`)
  }
  return { ok: true, rule, model, changed, summary, before: figures(before), after: figures(after) }
}

/** `total` padding spread over `n` layers as evenly as it goes, the larger shares first. */
const share = (total: number, n: number, i: number) => Math.floor(total / n) + (i < total % n ? 1 : 0)

function stack3x3(model: ModelFile, a: GraphAnalysis, opts: RewriteOptions): RewriteResult {
  const rule = 'stack3x3'
  const fits = (n: NodeInfo): string | null => {
    const [kh, kw] = n.attrs.kernel as [number, number]
    const [sh, sw] = n.attrs.stride as [number, number]
    if (kh === 3 && kw === 3) return `${n.id} is 3x3 already`
    if (kh !== kw) return `${n.id} is ${kh}x${kw}; stack3x3 needs a square kernel`
    if (kh < 5 || kh % 2 === 0) return `${n.id} is ${kh}x${kw}; stack3x3 needs an odd kernel of 5 or more`
    if (sh !== 1 || sw !== 1) return `${n.id} has stride ${sh === sw ? sh : `${sh}x${sw}`}; stack3x3 keeps the output shape only at stride 1`
    return null
  }
  const n = pick(rule, model, a, opts, 'conv2d', fits, 'no conv2d with an odd kernel of 5 or more at stride 1: nothing to stack')
  if (typeof n === 'string') return fail(rule, n)
  const K = (n.attrs.kernel as [number, number])[0]
  const count = (K - 1) / 2
  const pad = n.attrs.padding as 'valid' | 'same' | [number, number]
  const padOf = (i: number): Padding => {
    if (pad === 'same' || pad === 'valid') return pad
    const [ph, pw] = [share(pad[0], count, i), share(pad[1], count, i)]
    return ph === pw ? ph : [ph, pw]
  }
  const m = clone(model)
  const spec = m.nodes.find((s) => s.id === n.id)!
  const width = n.attrs.filters as number
  const chain: NodeSpec[] = []
  const changed: string[] = []
  for (let i = 0; i < count - 1; i++) {
    const conv: NodeSpec = { id: uniqueId(m, `${n.id}_${i + 1}`), type: 'conv2d', attrs: { filters: width, kernel: 3, stride: 1, padding: padOf(i), bias: n.attrs.bias } }
    m.nodes.push(conv)
    const relu: NodeSpec = { id: uniqueId(m, `${n.id}_${i + 1}r`), type: 'relu' }
    m.nodes.push(relu)
    chain.push(conv, relu)
  }
  m.nodes = m.nodes.filter((s) => !chain.includes(s))
  insertBefore(m, n.id, chain)
  spec.attrs = { ...spec.attrs, kernel: 3, stride: 1, padding: padOf(count - 1) }
  changed.push(...chain.map((c) => c.id), n.id)
  return finish(rule, a, m, changed, `${n.id}: one ${K}x${K} conv as ${count} 3x3 convs of ${width} filters with ReLU between them`, n.id)
}

function gapHead(model: ModelFile, a: GraphAnalysis, opts: RewriteOptions): RewriteResult {
  const rule = 'gap-head'
  const consumers = (id: string) => a.nodes.filter((x) => x.inputs.includes(id))
  const fits = (n: NodeInfo): string | null => {
    if (n.inputShapes[0]?.length !== 3) return `${n.id} flattens a vector, not a feature map`
    const next = consumers(n.id)
    if (next.length !== 1 || next[0].type !== 'dense') return `${n.id} does not feed a dense layer alone; gap-head rewrites a flatten + dense head`
    return null
  }
  const n = pick(rule, model, a, opts, 'flatten', fits, 'no flatten + dense head: the model has no flatten of a feature map into a dense layer')
  if (typeof n === 'string') return fail(rule, n)
  const m = clone(model)
  const spec = m.nodes.find((s) => s.id === n.id)!
  const id = uniqueId(m, 'gap')
  spec.id = id
  spec.type = 'globalavgpool'
  delete spec.attrs
  m.edges = m.edges.map(([f, t]) => [f === n.id ? id : f, t === n.id ? id : t])
  if (m.layout?.[n.id]) {
    m.layout[id] = m.layout[n.id]
    delete m.layout[n.id]
  }
  const dense = consumers(n.id)[0]
  const [h, w, c] = n.inputShapes[0]!
  return finish(rule, a, m, [id, dense.id], `${n.id} (flatten of ${h}x${w}x${c}) replaced by global average pooling ${id}: ${dense.id} reads ${c} numbers instead of ${h * w * c}`)
}

function bottleneck(model: ModelFile, a: GraphAnalysis, opts: RewriteOptions): RewriteResult {
  const rule = 'bottleneck'
  const cin = (n: NodeInfo) => n.inputShapes[0]?.[2] ?? 0
  const widthOf = (n: NodeInfo) => opts.width ?? Math.max(1, Math.floor(cin(n) / 4))
  const fits = (n: NodeInfo): string | null => {
    const [kh, kw] = n.attrs.kernel as [number, number]
    if (kh === 1 && kw === 1) return `${n.id} is 1x1 already; a bottleneck goes before a larger kernel`
    if (widthOf(n) >= cin(n)) return `${n.id} gets ${cin(n)} channels; a bottleneck of ${widthOf(n)} would not narrow them (choose --width below ${cin(n)})`
    return null
  }
  let n: NodeInfo | string
  if (opts.node !== undefined) n = pick(rule, model, a, opts, 'conv2d', fits, '')
  else {
    // Unasked, the rewrite goes where it saves most: the costliest conv it applies to.
    const fit = a.nodes.filter((x) => x.type === 'conv2d' && ownerOf(model, x.id) === null && fits(x) === null).sort((x, y) => y.macs - x.macs)
    n = fit[0] ?? `no conv2d with a kernel above 1x1 gets more than ${opts.width ?? 'four times its bottleneck\'s'} channels: nothing to narrow`
  }
  if (typeof n === 'string') return fail(rule, n)
  const width = widthOf(n)
  const m = clone(model)
  const conv: NodeSpec = { id: uniqueId(m, `${n.id}_1x1`), type: 'conv2d', attrs: { filters: width, kernel: 1, stride: 1, padding: 'valid' } }
  m.nodes.push(conv)
  const relu: NodeSpec = { id: uniqueId(m, `${n.id}_1x1r`), type: 'relu' }
  m.nodes = m.nodes.filter((s) => s !== conv)
  insertBefore(m, n.id, [conv, relu])
  const [kh, kw] = n.attrs.kernel as [number, number]
  return finish(rule, a, m, [conv.id, relu.id, n.id], `a 1x1 conv of ${width} filters before ${n.id} (${kh}x${kw}): it reads ${width} channels instead of ${cin(n)}`, n.id)
}

function mlpBaseline(model: ModelFile, a: GraphAnalysis, opts: RewriteOptions): RewriteResult {
  const rule = 'mlp-baseline'
  if (opts.node !== undefined) return fail(rule, 'mlp-baseline replaces the whole network; it takes no --node')
  const input = a.nodes.find((n) => n.type === 'input')
  const out = a.outputId ? a.byId.get(a.outputId) : undefined
  if (!input || !out || out.outputShape?.length !== 1) return fail(rule, 'the model needs an input and a classifier output (a vector of class scores) to build its fully connected baseline')
  const classes = out.outputShape[0]
  const width = opts.width ?? MLP_DEFAULT_WIDTH
  const ids = new Set([input.id])
  const id = (want: string) => {
    let v = want
    for (let i = 2; ids.has(v); i++) v = `${want}${i}`
    ids.add(v)
    return v
  }
  const spec = model.nodes.find((s) => s.id === input.id)!
  const nodes: NodeSpec[] = [
    JSON.parse(JSON.stringify(spec)) as NodeSpec,
    { id: id('flat'), type: 'flatten' },
    { id: id('fc1'), type: 'dense', attrs: { units: width } }, { id: id('r1'), type: 'relu' },
    { id: id('fc2'), type: 'dense', attrs: { units: width } }, { id: id('r2'), type: 'relu' },
    { id: id('fc'), type: 'dense', attrs: { units: classes } }, { id: id('out'), type: 'softmax' },
  ]
  const m: ModelFile = {
    format: model.format, version: model.version, ...(model.name !== undefined ? { name: `${model.name} (MLP baseline)` } : {}),
    nodes, edges: nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as Edge),
  }
  if (model.layout) m.layout = Object.fromEntries(nodes.map((n, i) => [n.id, { x: 0, y: ROW * i }]))
  return finish(rule, a, m, nodes.slice(1).map((n) => n.id), `the fully connected baseline: ${input.id}, flatten, two dense layers of ${width}, the ${classes}-class classifier`)
}

/** Applies `rule` to `model`; never throws for a rule that does not apply, it says why. */
export function rewriteModel(model: ModelFile, rule: RewriteRule, opts: RewriteOptions = {}): RewriteResult {
  if (opts.width !== undefined && (!Number.isInteger(opts.width) || opts.width < 1)) return fail(rule, `--width must be a whole number from 1, found ${opts.width}`)
  const a = analyzeGraph(model)
  switch (rule) {
    case 'stack3x3': return stack3x3(model, a, opts)
    case 'gap-head': return gapHead(model, a, opts)
    case 'bottleneck': return bottleneck(model, a, opts)
    case 'mlp-baseline': return mlpBaseline(model, a, opts)
  }
}

/** The rules that apply to `model` as it is (the inspector's suggestions), each with its figures. */
export function suggestRewrites(model: ModelFile, node?: string): RewriteResult[] {
  return REWRITE_RULES.filter((r) => r !== 'mlp-baseline' || node === undefined).map((r) => rewriteModel(model, r, node !== undefined ? { node } : {})).filter((r) => r.ok)
}
