// `export RUN --format onnx|pytorch|weights --out PATH`: a run's checkpoint for other tools. Everything is
// built and checked in memory first; the files are then written all or nothing (files.ts).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { serializeModelFile } from '../../../src-engine/core/graph/index.ts'
import { toInput } from '../../../src-engine/core/insight/preprocess.ts'
import { decodeWeights, encodeWeights, OPTIMIZER_STATE } from '../../../src-engine/core/train/weights.ts'
import { Rng } from '../../../src-engine/core/nn/rng.ts'
import { appFile } from '../../../src-engine/node/app-files.ts'
import type { Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { inferOffThread } from '../../../src-engine/node/insight/index.ts'
import { openRunContext, type RunContext } from '../insight/run-context.ts'
import { EXPORT_FORMATS, type CheckpointKind, type ExportFormat } from '../../api/contract.ts'
import { writeFilesAtomic, type OutFile } from '../atomic-write.ts'
import { checkTarget, stem, type ExportedFile } from './files.ts'
import { buildOnnx } from './onnx.ts'
import { onnxParity, type ParityReport } from './parity.ts'
import { pytorchScript } from './pytorch.ts'

const VERSION = (JSON.parse(readFileSync(appFile('package.json'), 'utf8')) as { version: string }).version

export interface ExportOptions {
  format: ExportFormat
  out: string
  checkpoint?: CheckpointKind
  cacheDir?: string
  /** Images in the ONNX parity check (default 64). */
  paritySample?: number
  /** Replace existing files that are not earlier exports of this kind (the experiment database never). */
  force?: boolean
}

export interface ExportResult {
  runId: string
  format: ExportFormat
  checkpoint: { kind: CheckpointKind; epoch: number }
  /** Every file written, the main one first. */
  files: string[]
  parity: ParityReport | null
  warnings: string[]
}

/** The weights without the optimizer state: what running or re-training the model needs. */
function modelWeights(blob: Uint8Array): Uint8Array {
  const { tensors, meta } = decodeWeights(blob)
  return encodeWeights([...tensors].filter(([name]) => name !== OPTIMIZER_STATE).map(([name, data]) => ({ name, data })), meta)
}

/** Up to `count` preprocessed images of the run's folder (evenly spaced through it), else seeded noise. */
async function paritySample(ctx: RunContext, count: number): Promise<{ x: Float32Array; n: number; sample: ParityReport['sample'] }> {
  const size = ctx.preprocessing.height * ctx.preprocessing.width * ctx.preprocessing.channels
  try {
    const { set } = await ctx.loadData()
    const n = Math.min(count, set.count)
    const pixels = new Uint8Array(n * size)
    for (let k = 0; k < n; k++) {
      const i = Math.floor((k * set.count) / n)
      pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size)
    }
    return { x: toInput(pixels, ctx.preprocessing), n, sample: 'dataset' }
  } catch (e) {
    ctx.warnings.push(`the parity check ran on random images: ${e instanceof Error ? e.message : String(e)}`)
    const rng = new Rng(1)
    const pixels = Uint8Array.from({ length: count * size }, () => rng.int(256))
    return { x: toInput(pixels, ctx.preprocessing), n: count, sample: 'random' }
  }
}

export async function exportRun(store: Store, ref: string, opts: ExportOptions): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(opts.format)) throw new ServiceError('INVALID_SETTINGS', `unknown format '${opts.format}'; use one of ${EXPORT_FORMATS.join(', ')}`)
  const out = resolve(opts.out)
  const base = stem(out)
  // Every file is checked before any work (a refusal costs nothing), and again just before writing: the
  // ONNX parity check takes a while.
  const plan: { path: string; kind: ExportedFile }[] = opts.format === 'onnx'
    ? [{ path: out, kind: 'onnx' }, { path: `${base}.preprocessing.json`, kind: 'onnx-preprocessing' }]
    : [{ path: out, kind: opts.format === 'pytorch' ? 'pytorch-script' : 'model' }, { path: `${base}.weights`, kind: 'weights' }]
  if (plan[0].path === plan[1].path) throw new ServiceError('INVALID_SETTINGS', `--out ${out} would be overwritten by its own sidecar file; name it with its usual ending (.onnx, .py, .cnn.json)`)
  const check = () => plan.forEach((f) => checkTarget(f.path, f.kind, { database: store.file, force: opts.force }))
  check()
  const ctx = await openRunContext(store, ref, { checkpoint: opts.checkpoint, cacheDir: opts.cacheDir })
  const weights = modelWeights(ctx.checkpoint.weights)
  const pre = ctx.preprocessing
  let data: [Uint8Array | string, Uint8Array | string]
  let parity: ParityReport | null = null

  if (opts.format === 'onnx') {
    const onnx = buildOnnx(ctx.model, weights, pre, { runId: ctx.run.runId, epoch: ctx.checkpoint.epoch, version: VERSION })
    const s = await paritySample(ctx, opts.paritySample ?? 64)
    const { probs: ours } = await inferOffThread(ctx.model, weights, { x: s.x }, s.n)
    parity = await onnxParity(onnx, s.x, s.n, [pre.height, pre.width, pre.channels], ours, pre.classes.length, s.sample)
    const sidecar = { format: 'cnn-studio.onnx-preprocessing', version: 1, model: `${out}`, input: 'input', output: 'probabilities', preprocessing: pre, runId: ctx.run.runId, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch }, parity }
    data = [onnx, JSON.stringify(sidecar, null, 2) + '\n']
  } else if (opts.format === 'pytorch') {
    const settings = { ...ctx.settings, datasetDir: ctx.datasetDir }
    data = [pytorchScript({ model: ctx.model, preprocessing: pre, settings, weightsFile: plan[1].path, scriptFile: out, runId: ctx.run.runId, checkpoint: `${ctx.checkpoint.kind}, epoch ${ctx.checkpoint.epoch}`, version: VERSION }), weights]
  } else {
    data = [serializeModelFile(ctx.model), weights]
  }
  check()
  const files: OutFile[] = plan.map((f, i) => ({ path: f.path, data: data[i] }))
  writeFilesAtomic(files, 'write the export')
  return { runId: ctx.run.runId, format: opts.format, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch }, files: files.map((f) => f.path), parity, warnings: ctx.warnings }
}
