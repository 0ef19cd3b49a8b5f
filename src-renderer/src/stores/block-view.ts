// What the designer shows of a model with blocks, as pure functions: the model with each instance collapsed
// to one row (its figures the sum of its expansion's), and an opened definition as a model file the canvas
// edits like any other (`$input` as an input node), written back into the model's `blocks` on each edit.
// Analysis always runs on the expansion (core/graph/blocks.ts); these only regroup its answers.
import {
  BLOCK_INPUT, blockSummaries, copyPrefix, hasBlocks, isBlockNode, repeatOf,
  type BlockDef, type BlockParam, type GraphAnalysis, type GraphIssue, type ModelFile, type NodeInfo,
} from '../../../src-engine/core/graph/index.ts'
import { autoLayout, needsLayout, ROW_STEP } from './auto-layout.ts'

/** The definition open on the canvas, and the instance whose shapes it shows. */
export interface Opened { block: string; instance: string }

/** The instance ids of a model, to map expanded ids (`s1/c1`, `s1/2/c1`) to their instance. */
function instanceIds(model: ModelFile): Set<string> {
  return new Set(model.nodes.filter(isBlockNode).map((n) => n.id))
}

function ownerIn(instances: ReadonlySet<string>, id: string): string | null {
  const slash = id.indexOf('/')
  if (slash < 0) return null
  const owner = id.slice(0, slash)
  return instances.has(owner) ? owner : null
}

/**
 * The analysis as the collapsed canvas shows it: one row per instance (type `block`, its expansion's params,
 * MACs and output), in the place of its first layer; issues of inner layers carried by their instance.
 * Totals are the expansion's, untouched: the rows add up to them.
 */
export function collapsedAnalysis(model: ModelFile, a: GraphAnalysis): GraphAnalysis {
  if (!hasBlocks(model)) return a
  const instances = instanceIds(model)
  const sums = blockSummaries(model, a)
  const owner = (id: string) => ownerIn(instances, id) ?? id
  const inputsOf = new Map<string, string[]>()
  for (const [f, t] of model.edges) if (instances.has(t)) inputsOf.set(t, [...(inputsOf.get(t) ?? []), f])
  const rowOf = (id: string): NodeInfo => {
    const s = sums.get(id)!
    return {
      id, type: 'block', attrs: { block: s.block, repeat: s.repeat }, inputs: inputsOf.get(id) ?? [], inputShapes: [s.inputShape],
      outputShape: s.outputShape, params: s.params, trainableParams: s.trainableParams, nonTrainableParams: s.params - s.trainableParams,
      macs: s.macs, receptiveField: s.receptiveField, receptiveFieldHW: s.receptiveField === null ? null : [s.receptiveField, s.receptiveField],
    }
  }
  const nodes: NodeInfo[] = []
  const placed = new Set<string>()
  for (const n of a.nodes) {
    const o = ownerIn(instances, n.id)
    if (o) {
      if (!placed.has(o)) nodes.push(rowOf(o))
      placed.add(o)
      continue
    }
    nodes.push(n.inputs.some((i) => ownerIn(instances, i)) ? { ...n, inputs: n.inputs.map(owner) } : n)
  }
  // an instance of an unknown block has no layers in the analysis: it still gets its (empty) row
  for (const id of instances) if (!placed.has(id)) nodes.push(rowOf(id))
  const issues: GraphIssue[] = a.issues.map((i) => (i.nodeId && ownerIn(instances, i.nodeId) ? { ...i, nodeId: owner(i.nodeId) } : i))
  return {
    ...a, nodes, byId: new Map(nodes.map((n) => [n.id, n])), order: nodes.map((n) => n.id),
    outputId: a.outputId === null ? null : owner(a.outputId), issues,
  }
}

/** The instance whose layers an opened definition shows: the asked one while it is still an instance of it, else the first. */
export function instanceFor(model: ModelFile, o: Opened | null): Opened | null {
  if (!o || !model.blocks?.[o.block]) return null
  const users = model.nodes.filter((n) => isBlockNode(n) && n.attrs?.block === o.block)
  if (users.some((n) => n.id === o.instance)) return o
  return users.length ? { block: o.block, instance: users[0].id } : null
}

/** The instances of a block, by id: "used by s1, s2". */
export function usersOf(model: ModelFile, block: string): string[] {
  return model.nodes.filter((n) => isBlockNode(n) && n.attrs?.block === block).map((n) => n.id)
}

/** An opened definition as a model file: `$input` an input node above the layers it feeds, then the block's layers. */
export function definitionDoc(model: ModelFile, block: string): ModelFile {
  const def = model.blocks![block]
  let doc: ModelFile = { format: model.format, version: 1, name: block, nodes: [{ id: BLOCK_INPUT, type: 'input' }, ...def.nodes], edges: def.edges, layout: { ...(def.layout ?? {}) } }
  const inner = { ...doc, nodes: def.nodes, edges: def.edges.filter(([f]) => f !== BLOCK_INPUT) }
  if (needsLayout(inner)) doc = { ...doc, layout: autoLayout(inner).layout }
  const fed = def.edges.filter(([f]) => f === BLOCK_INPUT).map(([, t]) => doc.layout![t]).filter(Boolean)
  const at = fed.length ? { x: Math.min(...fed.map((p) => p.x)), y: Math.min(...fed.map((p) => p.y)) - ROW_STEP } : { x: 0, y: -ROW_STEP }
  return { ...doc, layout: { [BLOCK_INPUT]: at, ...doc.layout } }
}

/**
 * The model with the definition `block` made from an edited definition view. A layer renamed in the view is
 * renamed in the parameters' binds and the output too; a removed layer drops out of them; when the output is
 * gone, the one layer that feeds nothing takes its place. Refuses (with a reason) a definition without layers.
 */
export function withDefinition(model: ModelFile, block: string, view: ModelFile, renamed?: [string, string]): { model: ModelFile; error?: undefined } | { model?: undefined; error: string } {
  const old = model.blocks![block]
  const nodes = view.nodes.filter((n) => n.id !== BLOCK_INPUT)
  if (!nodes.length) return { error: `block ${block} keeps at least one layer; to remove the block, delete its instances` }
  if (view.nodes.some((n) => n.type === 'input' && n.id !== BLOCK_INPUT)) return { error: `a block has one input, "$input"; it cannot hold an input layer` }
  if (nodes.some(isBlockNode)) return { error: `a block cannot hold another block; place ${block}'s layers around it instead` }
  const ids = new Set(nodes.map((n) => n.id))
  const r = (id: string) => (renamed && id === renamed[0] ? renamed[1] : id)
  let output = r(old.output)
  if (!ids.has(output)) {
    const sinks = nodes.filter((n) => !view.edges.some(([f]) => f === n.id))
    output = (sinks.at(-1) ?? nodes.at(-1)!).id
  }
  let params: Record<string, BlockParam> | undefined
  for (const [name, p] of Object.entries(old.params ?? {})) {
    const binds = p.binds.map(([id, attr]): [string, string] => [r(id), attr]).filter(([id]) => ids.has(id))
    if (binds.length) (params ??= {})[name] = { ...p, binds }
  }
  const layout = view.layout ? Object.fromEntries(Object.entries(view.layout).filter(([id]) => ids.has(id))) : undefined
  const def: BlockDef = { nodes, edges: view.edges, output }
  if (params) def.params = params
  if (old.description !== undefined) def.description = old.description
  if (layout && Object.keys(layout).length) def.layout = layout
  return { model: { ...model, blocks: { ...model.blocks, [block]: def } } }
}

/**
 * The analysis as an opened definition shows it: the opened instance's layers (its first copy when repeated)
 * under their ids in the definition, `$input` carrying the instance's input shape, and the issues of any copy.
 */
export function definitionAnalysis(model: ModelFile, a: GraphAnalysis, o: Opened): GraphAnalysis {
  const def = model.blocks![o.block]
  const inst = model.nodes.find((n) => n.id === o.instance)!
  const repeat = repeatOf(inst)
  const prefix = `${copyPrefix(o.instance, 1, repeat)}/`
  const s = blockSummaries({ ...model, nodes: [inst] }, a).get(o.instance)
  const input: NodeInfo = {
    id: BLOCK_INPUT, type: 'input', attrs: {}, inputs: [], inputShapes: [], outputShape: s?.inputShape ?? null,
    params: 0, trainableParams: 0, nonTrainableParams: 0, macs: 0, receptiveField: null, receptiveFieldHW: null,
  }
  const local = (id: string) => (id.startsWith(prefix) ? id.slice(prefix.length) : BLOCK_INPUT)
  const nodes: NodeInfo[] = [input]
  for (const n of a.nodes) if (n.id.startsWith(prefix)) nodes.push({ ...n, id: local(n.id), inputs: n.inputs.map(local) })
  const own = new RegExp(`^${o.instance.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(?:\\d+/)?`)
  const seen = new Set<string>()
  const issues: GraphIssue[] = []
  for (const i of a.issues) {
    if (!i.nodeId || !own.test(i.nodeId)) continue
    const inner = i.nodeId.replace(own, '')
    if (!def.nodes.some((n) => n.id === inner) || seen.has(`${inner}|${i.code}`)) continue
    seen.add(`${inner}|${i.code}`)
    issues.push({ ...i, nodeId: inner })
  }
  const totals = s ? { params: s.params, trainableParams: s.trainableParams, nonTrainableParams: s.params - s.trainableParams, macs: s.macs } : a.totals
  return {
    ...a, nodes, byId: new Map(nodes.map((n) => [n.id, n])), order: nodes.map((n) => n.id), outputId: def.output, inputId: BLOCK_INPUT,
    totals, issues, hasErrors: issues.some((i) => i.severity === 'error'),
  }
}
