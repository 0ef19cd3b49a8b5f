// Learn on a real block: one window of a conv or pool of a run's network (its checkpoint) or of a model with
// seeded random weights, on one image after the run's preprocessing; the unit's receptive field on the
// image, and its effective receptive field. `cnn-studio explain RUN|MODEL` and the Learn page's
// `learn.explain` both come here; the arithmetic is the engine core's (core/insight/learn).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { analyzeGraph, type GraphAnalysis, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import type { LearnReport } from '../../api/contract.ts'
import { applyWeights } from '../../../src-engine/core/insight/weights.ts'
import { toInput, type Preprocessing } from '../../../src-engine/core/insight/preprocess.ts'
import {
  checkLearnNode, effectiveReceptiveField, explainNodeStep, layerOf, outputOf, receptiveField, StepError,
  type Cell,
} from '../../../src-engine/core/insight/learn/index.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { fastKernels } from '../../../src-engine/node/wasm-kernels.ts'
import type { Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { targetOf } from '../run-data.ts'
import { decodeImage } from './images.ts'
import { pngDataUrl } from './png.ts'
import { openRunContext } from './run-context.ts'
import type { CheckpointKind } from '../../api/contract.ts'

export interface LearnRequest {
  /** A run id (or latest) whose checkpoint gives the weights; or `model` with seeded random weights. */
  run?: string
  model?: ModelFile
  node: string
  /** A path on this machine, or bytes from the page. */
  image: string | { name: string; bytes: Buffer }
  /** Output position; default: the middle of the block's output. */
  at?: Cell
  /** The conv's filter (a pool's channel); default 0. */
  filter?: number
  checkpoint?: CheckpointKind
  /** The random weights' seed for a model; default 1. */
  seed?: number
  /** Also the block's tensors, the image and the effective receptive field (the page steps through them). */
  detail?: boolean
  /** The class whose cross-entropy gives a conv's gradients (detail); default: the predicted class. */
  label?: number
  cacheDir?: string
}

export type LearnExplanation = LearnReport

/** Bad input for one field of the request (node, at, filter, image), so the page and the CLI can name it. */
export class LearnError extends ServiceError {
  readonly field: string
  constructor(field: string, message: string, code: ServiceError['code'] = 'INVALID_SETTINGS') {
    super(code, message, { [field]: message }) // crosses to the page as the contract's `fields`, shown beside the field
    this.field = field
  }
}
const invalid = (message: string, field = 'request') => new LearnError(field, message)

/** The network and preprocessing of a run's checkpoint or of a model with seeded weights. */
async function networkFor(store: Store | null, req: LearnRequest): Promise<{ net: Network; analysis: GraphAnalysis; preprocessing: Pick<Preprocessing, 'channels' | 'mean' | 'std'> & { classes?: string[] }; target: ReturnType<typeof targetOf>; source: LearnExplanation['source']; warnings: string[] }> {
  const kernels = await fastKernels()
  const image = typeof req.image === 'string' ? req.image : req.image.name
  if (req.run) {
    if (!store) throw invalid('a run needs the experiment database')
    const ctx = await openRunContext(store, req.run, { checkpoint: req.checkpoint, cacheDir: req.cacheDir })
    const net = new Network(ctx.analysis, kernels, 1, 1)
    applyWeights(net, ctx.checkpoint.weights)
    return { net, analysis: ctx.analysis, preprocessing: ctx.preprocessing, target: ctx.target, source: { runId: ctx.run.runId, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch }, seed: null, image }, warnings: ctx.warnings }
  }
  if (!req.model) throw invalid('give a run or a model')
  const analysis = analyzeGraph(req.model, { forTraining: true })
  if (analysis.hasErrors) throw new ServiceError('INVALID_MODEL', `the model has errors: ${analysis.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('; ')}`)
  const seed = req.seed ?? 1
  let net: Network
  try {
    net = new Network(analysis, kernels, 1, seed)
  } catch (e) {
    throw new ServiceError('INVALID_MODEL', (e as Error).message)
  }
  const target = targetOf(analysis)
  const warnings: string[] = []
  const input = analysis.nodes.find((n) => n.type === 'input')!
  if (input.attrs.normalize === 'dataset') warnings.push(`input ${input.id} normalises with the training images' statistics, which a model file does not have: pixels are only scaled to [0, 1]`)
  const C = target.channels
  return { net, analysis, preprocessing: { channels: C, mean: Array(C).fill(0), std: Array(C).fill(1) }, target, source: { runId: null, checkpoint: null, seed, image }, warnings }
}

export async function explainBlock(store: Store | null, req: LearnRequest): Promise<LearnExplanation> {
  const { net, analysis, preprocessing, target, source, warnings } = await networkFor(store, req)
  let info
  // A block's layers are named by their instance (s/c1, s/2/c1): say so when the layer's own id is given.
  const inBlocks = analysis.byId.has(req.node) ? [] : analysis.nodes.filter((n) => n.id.endsWith(`/${req.node}`)).map((n) => n.id)
  if (inBlocks.length) throw invalid(`there is no node '${req.node}' in this model; inside its blocks that layer is ${inBlocks.slice(0, 5).join(', ')}${inBlocks.length > 5 ? ', ...' : ''}`, 'node')
  try {
    info = checkLearnNode(analysis.byId.get(req.node), req.node)
  } catch (e) {
    throw invalid((e as Error).message, 'node')
  }
  if (!net.plan.byId.has(info.id)) throw invalid(`node ${info.id} does not lead to the output, so the network never computes it`, 'node')
  if (typeof req.image === 'string' && (!existsSync(req.image) || !statSync(req.image).isFile())) throw new LearnError('image', `${req.image}: no such image file`, 'NOT_FOUND')
  const decoded = await decodeImage(source.image, typeof req.image === 'string' ? null : req.image.bytes, target)
  if ('reason' in decoded) throw invalid(`${source.image}: ${decoded.reason}`, 'image')
  net.input.set(toInput(decoded.pixels, preprocessing))
  net.forward(1, false)

  const shape = info.outputShape!
  const at: Cell = req.at ?? (shape.length === 3 ? [Math.floor((shape[0] - 1) / 2), Math.floor((shape[1] - 1) / 2)] : [0, 0])
  const filter = req.filter ?? 0
  let s
  try {
    s = explainNodeStep(net, info.id, at, filter)
  } catch (e) {
    if (e instanceof StepError) throw invalid(e.message, e.field)
    throw e
  }
  const rf = receptiveField(analysis, info.id, at)
  const result: LearnExplanation = {
    source, node: { id: info.id, type: info.type }, at, filter, kind: s.kind, step: s.step, output: s.output,
    relu: s.kind === 'conv' && s.relu, activated: s.kind === 'conv' ? s.activated : null,
    receptiveField: { box: rf.box, size: rf.size, padding: rf.padding }, warnings,
  }
  if (req.detail) {
    const layer = layerOf(net, info.id)!
    const param = (suffix: string) => layer.params.find((p) => p.name === `${info.id}.${suffix}`)?.value
    const w = param('weight'), b = param('bias')
    result.block = {
      inShape: info.inputShapes[0] as [number, number, number], x: Array.from(outputOf(net, info.inputs[0])),
      outShape: shape, out: Array.from(layer.out.subarray(0, layer.outSize)),
      weights: w ? Array.from(w) : null, bias: b ? Array.from(b) : info.type === 'conv2d' ? Array(shape[2]).fill(0) : null,
      geometry: info.window ?? null, relu: net.plan.byId.get(info.id)!.fusesRelu,
    }
    result.image = await pngDataUrl(decoded.pixels, target.width, target.height, target.channels)
    const e = effectiveReceptiveField(net, info.id, at, filter)
    result.effective = { height: e.height, width: e.width, max: e.max, map: Array.from(e.map) }
    if (info.type === 'conv2d') {
      // The engine's backward of this image's loss: after it the conv's dOut holds dL/dz (its fused ReLU's
      // mask applied by its own backward, or by the max-pool that does it) and its parameters their gradients.
      const probs = net.forward(1, false)
      let label = req.label ?? 0
      if (req.label === undefined) for (let k = 1; k < net.classes; k++) if (probs[k] > probs[label]) label = k
      if (!Number.isInteger(label) || label < 0 || label >= net.classes) throw invalid(`class ${label} is out of range: the model has classes 0..${net.classes - 1}`, 'label')
      const { lossSum } = net.backward(Int32Array.of(label), 1, 1)
      result.gradient = {
        label, className: preprocessing.classes?.[label] ?? null, loss: lossSum,
        dout: Array.from(layer.dOut.subarray(0, layer.outSize)),
        weightGrad: Array.from(layer.params.find((p) => p.name === `${info.id}.weight`)!.grad),
        biasGrad: b ? Array.from(layer.params.find((p) => p.name === `${info.id}.bias`)!.grad) : null,
      }
    }
  }
  return result
}

/** A few images per class of a run's training folder (or of `dir`), for the page's picker. */
export function learnImages(store: Store, opts: { runId?: string; dir?: string; perClass?: number }): { dir: string; images: { path: string; class: string }[] } {
  let dir = opts.dir
  if (opts.runId) {
    const run = store.getRun(opts.runId)
    dir = (run.settings as { datasetDir?: string }).datasetDir ?? store.datasetOf(run.runId)?.root
    if (!dir) throw new LearnError('run', `run ${run.runId} has no training folder recorded`, 'NOT_FOUND')
  }
  if (!dir) throw new LearnError('dir', 'give a run or a folder')
  const per = opts.perClass ?? 6
  // One level of class folders, the layout training reads; a few names of each, never a whole tree.
  let classes: string[]
  try {
    classes = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort().slice(0, 1000)
  } catch (e) {
    throw new LearnError('dir', `${dir}: cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'NOT_FOUND')
  }
  const images: { path: string; class: string }[] = []
  for (const cls of classes) {
    let names: string[]
    try {
      names = readdirSync(join(dir, cls)).filter((n) => !n.startsWith('.') && /\.(png|jpe?g|webp|gif|tiff?|bmp)$/i.test(n)).sort().slice(0, per)
    } catch {
      continue // an unreadable class folder shows no images; training reports it
    }
    for (const n of names) images.push({ path: join(dir, cls, n), class: cls })
  }
  return { dir, images }
}
