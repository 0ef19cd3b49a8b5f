// Graph analysis: order, shapes, parameters, MACs, receptive fields and issues of every node, in one
// linear pass. The canvas calls it on every edit, so it must stay fast (plain loops, no global work).
import { normaliseAttrs } from './attrs.ts'
import { describeCycle, findCycles } from './cycles.ts'
import { registerBuiltinLayers } from './layers.ts'
import { tooLarge } from './limits.ts'
import { BlockError, blockIssues, expandBlocks, hasBlocks, isBlockNode } from './blocks.ts'
import { getLayer, type ShapeContext } from './registry.ts'
import type { GraphAnalysis, GraphIssue, ModelFile, NodeInfo, NodeSpec, Shape } from './types.ts'

/** Receptive-field state of a node along both axes: size r, jump j (input pixels between neighbours). */
interface Receptive {
  r: [number, number]
  j: [number, number]
  /** After a flatten: the spatial size the vector came from, so a following dense layer covers all of it. */
  span: [number, number] | null
  /** The input image's height and width: a global layer sees all of it and no more (padding adds no pixels). */
  image: [number, number]
}

export interface AnalyzeOptions {
  /** Also check what training needs (NO_CLASSIFIER). */
  forTraining?: boolean
}

const error = (code: string, nodeId: string | undefined, message: string): GraphIssue => ({ code, severity: 'error', nodeId, message })

export function analyzeGraph(model: ModelFile, opts: AnalyzeOptions = {}): GraphAnalysis {
  registerBuiltinLayers()
  // A model with blocks is analysed as its expansion (ids `s1/c1`): every figure is the expansion's by construction.
  if (hasBlocks(model)) {
    let expanded: ModelFile
    const extra = blockIssues(model)
    try {
      expanded = expandBlocks(model, { lenient: true })
    } catch (e) {
      if (!(e instanceof BlockError)) throw e
      expanded = { ...model, nodes: model.nodes.filter((n) => !isBlockNode(n)), edges: model.edges.filter(([f, t]) => ![f, t].some((id) => model.nodes.some((n) => n.id === id && isBlockNode(n)))) }
      extra.push(error('BLOCK_IDS', undefined, e.message))
    }
    const a = analyzeGraph(expanded, opts)
    if (extra.length) {
      a.issues = [...extra, ...a.issues]
      a.hasErrors = a.issues.some((i) => i.severity === 'error')
    }
    return a
  }
  const issues: GraphIssue[] = []
  const specs = new Map<string, NodeSpec>()
  const incoming = new Map<string, string[]>()
  const outgoing = new Map<string, string[]>()
  for (const n of model.nodes) {
    specs.set(n.id, n)
    incoming.set(n.id, [])
    outgoing.set(n.id, [])
  }
  for (const [from, to] of model.edges) {
    if (!specs.has(from) || !specs.has(to)) continue // parseModelFile refuses these; tolerate hand-built objects
    outgoing.get(from)!.push(to)
    incoming.get(to)!.push(from)
  }

  const inputIds = model.nodes.filter((n) => n.type === 'input').map((n) => n.id)
  if (inputIds.length === 0) issues.push(error('NO_INPUT', undefined, 'the model has no input node; add an input with the images\' height, width and channels'))
  for (const id of inputIds.slice(1)) {
    issues.push(error('MULTIPLE_INPUTS', id, `input ${id}: the model has ${inputIds.length} input nodes (${inputIds.join(', ')}); the studio trains on one image input, so remove ${id} or merge the branches after one input`))
  }

  // Kahn's algorithm in file order, so the order is stable for the user.
  const indegree = new Map<string, number>()
  for (const n of model.nodes) indegree.set(n.id, incoming.get(n.id)!.length)
  const order: string[] = []
  const queue: string[] = model.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id)
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]
    order.push(id)
    for (const to of outgoing.get(id)!) {
      const d = indegree.get(to)! - 1
      indegree.set(to, d)
      if (d === 0) queue.push(to)
    }
  }
  // What Kahn's algorithm could not place: the nodes on a cycle and those downstream of one.
  const inCycle = model.nodes.filter((n) => indegree.get(n.id)! > 0).map((n) => n.id)
  const cycles = inCycle.length ? findCycles(inCycle, outgoing) : []
  for (const c of cycles) {
    const others = c.size > c.path.length - 1 ? `; ${c.size.toLocaleString('en-US')} nodes feed each other around this loop` : ''
    const fix = c.path.length === 2 ? `remove the edge from ${c.head} to itself` : 'remove one of these edges'
    issues.push(error('CYCLE', c.head, `${specs.get(c.head)!.type} ${c.head}: is part of a cycle (${describeCycle(c.path)})${others}; data must flow one way from the input to the output: ${fix}`))
  }

  const infos = new Map<string, NodeInfo>()
  const rf = new Map<string, Receptive>()
  for (const id of [...order, ...inCycle]) {
    const spec = specs.get(id)!
    const def = getLayer(spec.type)
    const ins = incoming.get(id)!
    const info: NodeInfo = {
      id, type: spec.type, attrs: {}, inputs: ins, inputShapes: ins.map((i) => infos.get(i)?.outputShape ?? null),
      outputShape: null, params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0, receptiveField: null, receptiveFieldHW: null,
    }
    infos.set(id, info)
    if (!def) {
      issues.push(error('BAD_ATTR', id, `${spec.type} ${id}: unknown layer type '${spec.type}'`))
      continue
    }
    const norm = normaliseAttrs(spec, def)
    def.derive?.(norm.attrs)
    info.attrs = norm.attrs
    issues.push(...norm.issues)
    for (const message of norm.ok ? def.check?.(spec, norm.attrs) ?? [] : []) {
      issues.push(error('BAD_ATTR', id, message))
      norm.ok = false
    }
    if (indegree.get(id)! > 0) continue // caught in a cycle: reported above

    if (ins.length < def.inputs.min) {
      issues.push(error('MISSING_INPUT_EDGE', id, ins.length === 0
        ? `${spec.type} ${id}: nothing is connected to its input; connect the output of an earlier layer to it`
        : `${spec.type} ${id}: has ${ins.length} input but needs at least ${def.inputs.min}; connect another branch to it`))
      continue
    }
    if (ins.length > def.inputs.max) {
      issues.push(error('TOO_MANY_INPUTS', id, def.inputs.max === 0
        ? `${spec.type} ${id}: the input takes no incoming edges, but ${ins.join(', ')} ${ins.length === 1 ? 'is' : 'are'} connected to it; remove ${ins.length === 1 ? 'that edge' : 'those edges'}`
        : `${spec.type} ${id}: has ${ins.length} incoming edges (from ${ins.join(', ')}) but takes one input; merge them first with add or concat`))
      continue
    }
    if (!norm.ok || info.inputShapes.some((s) => s === null)) continue // an error upstream or in the attrs: no cascade

    const ctx: ShapeContext = { node: spec, attrs: norm.attrs, inputs: info.inputShapes as Shape[], inputIds: ins }
    const res = def.inferShape(ctx)
    if (res.issues) issues.push(...res.issues)
    if (res.window) info.window = res.window
    if (!res.shape) continue
    const p = def.params?.(ctx, res.shape) ?? { trainable: 0, nonTrainable: 0 }
    const macs = def.macs?.(ctx, res.shape) ?? 0
    const huge = tooLarge(spec, res.shape, p.trainable + p.nonTrainable, macs)
    if (huge) {
      issues.push(error('BAD_ATTR', id, huge))
      continue
    }
    info.outputShape = res.shape
    info.trainableParams = p.trainable
    info.nonTrainableParams = p.nonTrainable
    info.params = p.trainable + p.nonTrainable
    info.macs = macs

    const r = receptive(def.type, ins.map((i) => rf.get(i)), ctx, res.window, def.receptive, res.shape)
    // A thousand stride-2 layers (each on a 1x1 map with 'same' padding) would grow it past any number.
    if (r && [...r.r, ...r.j].every(Number.isSafeInteger)) {
      rf.set(id, r)
      info.receptiveFieldHW = r.r
      info.receptiveField = Math.max(r.r[0], r.r[1])
    }
  }

  // The output is the sink reached from the input; other dead ends are pointed out.
  const reachable = new Set<string>()
  const stack = inputIds.slice(0, 1)
  while (stack.length) {
    const id = stack.pop()!
    if (reachable.has(id)) continue
    reachable.add(id)
    stack.push(...outgoing.get(id)!)
  }
  const sinks = order.filter((id) => reachable.has(id) && outgoing.get(id)!.length === 0 && !(inputIds.length && id === inputIds[0] && model.nodes.length > 1))
  const softmaxSinks = sinks.filter((id) => specs.get(id)!.type === 'softmax')
  const outputId = softmaxSinks.length === 1 ? softmaxSinks[0] : (sinks[sinks.length - 1] ?? null)
  for (const id of sinks) {
    if (id === outputId) continue
    issues.push({ code: 'DISCONNECTED', severity: 'warning', nodeId: id, message: `${specs.get(id)!.type} ${id}: its output is not used by anything on the way to the output ${outputId}; connect it onward or delete it` })
  }
  if (inputIds.length && model.nodes.length > 1 && outgoing.get(inputIds[0])!.length === 0) {
    issues.push({ code: 'DISCONNECTED', severity: 'warning', nodeId: inputIds[0], message: `input ${inputIds[0]}: nothing is connected to it; draw an edge from it to the first layer` })
  }

  // Behind a cycle nothing has a shape, so the output cannot be judged: CYCLE alone says what to fix.
  if (opts.forTraining && cycles.length === 0) {
    const out = outputId ? infos.get(outputId)! : null
    if (!out || out.type !== 'softmax' || (out.outputShape && out.outputShape.length !== 1)) {
      const what = !out ? 'the model has no output' : out.type !== 'softmax' ? `it ends in ${out.type} ${out.id}` : `softmax ${out.id} gets a feature map ${out.outputShape!.join('x')}`
      issues.push(error('NO_CLASSIFIER', out?.id, `to train a classifier the model must end in softmax over a vector of class scores, but ${what}; end it with a globalavgpool or flatten, a dense layer with one unit per class, then softmax`))
    }
  }

  const nodes = [...order, ...inCycle].map((id) => infos.get(id)!)
  const totals = { params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0 }
  for (const n of nodes) {
    totals.params += n.params
    totals.trainableParams += n.trainableParams
    totals.nonTrainableParams += n.nonTrainableParams
    totals.macs += n.macs
  }
  const outShape = outputId ? infos.get(outputId)!.outputShape : null
  const classes = outputId && infos.get(outputId)!.type === 'softmax' && outShape?.length === 1 ? outShape[0] : null
  return { nodes, byId: infos, order: nodes.map((n) => n.id), outputId, inputId: inputIds[0] ?? null, classes, totals, issues, hasErrors: issues.some((i) => i.severity === 'error') }
}

/** Thrown by analyzeForTraining: the model's errors, each with its node, in one message. */
export class UntrainableModelError extends Error {
  readonly code = 'INVALID_MODEL'
  readonly issues: GraphIssue[]
  constructor(issues: GraphIssue[]) {
    super(`the model cannot be trained: ${issues.map((i) => `${i.code}${i.nodeId ? ` (${i.nodeId})` : ''}: ${i.message}`).join('; ')}`)
    this.name = 'UntrainableModelError'
    this.issues = issues
  }
}

/** A trained model's view of what it computes: its input and its class count are there, so callers need not look them up. */
export type TrainableAnalysis = GraphAnalysis & { inputId: string; outputId: string; classes: number }

/**
 * The analysis everything that builds, trains, exports or runs a network starts from (the trainer, its
 * workers, the Network, the exporters, the profiler, the service): analysed for training, and any error
 * thrown as one UntrainableModelError, so every caller refuses a model with the same words.
 */
export function analyzeForTraining(model: ModelFile): TrainableAnalysis {
  const a = analyzeGraph(model, { forTraining: true })
  if (a.hasErrors) throw new UntrainableModelError(a.issues.filter((i) => i.severity === 'error'))
  return a as TrainableAnalysis
}

/** The input node's info (where the images enter); throws when the model has none. */
export function inputOf(a: GraphAnalysis): NodeInfo {
  if (!a.inputId) throw new Error('the model has no input node')
  return a.byId.get(a.inputId)!
}

/**
 * r_out = r_in + (k - 1) * j_in, j_out = j_in * s; merges take the widest branch. A global layer (global pool,
 * dense) sees the whole image: its field is the windows' span clipped to the image, since the padding the
 * windows reach into holds no pixels (a GAP on 64x64 sees 64x64, not the 70x70 its windows would cover).
 * Windowed layers keep the textbook field, which the inspector derives step by step.
 */
function receptive(
  type: string, ins: (Receptive | undefined)[], ctx: ShapeContext,
  window: Parameters<NonNullable<import('./registry.ts').LayerDef['receptive']>>[1],
  hook: import('./registry.ts').LayerDef['receptive'],
  out: Shape,
): Receptive | null {
  if (type === 'input') return { r: [1, 1], j: [1, 1], span: null, image: [out[0] ?? 1, out[1] ?? 1] }
  if (ins.length === 0 || ins.some((r) => !r)) return null
  const base = ins as Receptive[]
  const first = base[0]
  if (base.length > 1) {
    return {
      r: [Math.max(...base.map((b) => b.r[0])), Math.max(...base.map((b) => b.r[1]))],
      j: [Math.max(...base.map((b) => b.j[0])), Math.max(...base.map((b) => b.j[1]))],
      span: first.span, image: first.image,
    }
  }
  if (type === 'flatten') {
    const x = ctx.inputs[0]
    return { ...first, span: x.length === 3 ? [x[0], x[1]] : first.span }
  }
  const move = hook?.(ctx, window)
  if (!move) return first
  if (move === 'global') {
    const x = ctx.inputs[0]
    const span = x.length === 3 ? [x[0], x[1]] : first.span
    if (!span) return { ...first, span: null }
    const r: [number, number] = [first.r[0] + (span[0] - 1) * first.j[0], first.r[1] + (span[1] - 1) * first.j[1]]
    return { r: [Math.min(r[0], first.image[0]), Math.min(r[1], first.image[1])], j: first.j, span: null, image: first.image }
  }
  return {
    r: [first.r[0] + (move.kernel[0] - 1) * first.j[0], first.r[1] + (move.kernel[1] - 1) * first.j[1]],
    j: [first.j[0] * move.stride[0], first.j[1] * move.stride[1]],
    span: null, image: first.image,
  }
}
