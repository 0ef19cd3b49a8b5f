// The checks a training start must pass, in one place: the training service refuses a start on the first
// error among them (with its message and code), and the page shows the same list before Start (the Train
// screen's preflight) and while designing (the designer's verdict). Pure: the caller gathers the facts (the
// analysis, what the folder holds, the settings, what the machine has) and gets back what is wrong, where,
// and, where one exists, a one-click fix described as data (the page turns it into an edit).
import type { GraphAnalysis } from '../graph/types.ts'
import { estimateTrainingMemory, WASM_MEMORY_LIMIT, type MemoryEstimate } from '../nn/memory.ts'

/** A one-click repair, as data: the page applies it as an edit of the design. */
export type CheckFix =
  | { kind: 'set-units'; nodeId: string; value: number }
  | { kind: 'add-softmax'; after: string }
  | { kind: 'set-input-channels'; nodeId: string; value: 1 | 3 }

export interface TrainingCheck {
  /** Stable per rule ('dataset', 'model', 'channels', 'classes', 'checkpoint', 'memory', 'worker-memory') or `graph-<k>` for the k-th graph error. */
  id: string
  severity: 'ok' | 'warning' | 'error'
  message: string
  /** The coded error a refused start gives (errors only): INVALID_MODEL, UNUSABLE_DATASET, MODEL_TOO_LARGE, INSUFFICIENT_MEMORY. */
  code?: string
  /** The graph issue's own code, for a graph error (NO_CLASSIFIER, BAD_ATTR...). */
  issue?: string
  nodeId?: string
  fix?: CheckFix
}

/** What the checks need of the folder: the scan's classes and image count (or a health report's). Null: no folder chosen yet, so nothing that needs one is judged. */
export interface DatasetFacts {
  root: string
  classes: string[]
  /** Images to decode for the run: the training folder's, plus the test folder's when there is one. */
  images: number
  /** False when the folder cannot be trained on (a health report's verdict); absent when not judged. */
  usable?: boolean
  problem?: string
  skipped?: number
  /** A train/test(/val) root: images per split (`images` counts them all). */
  splits?: { train: number; test?: number; val?: number }
}

/** A train/test root's other splits, after its training images and folder: what the run validates and tests on. */
const splitsNote = (s: { val?: number; test?: number }) =>
  `${s.val !== undefined ? `, ${s.val} validation (val/ replaces the split)` : ''}${s.test !== undefined ? `, ${s.test} test` : ''}`

export interface CheckSettings {
  batchSize: number
  optimizer: string
  momentum?: number
  /** Worker threads; default: every core. */
  workers?: number
}

/** Null when the machine is not known yet (the page before app.info answers): no memory verdict then. */
export interface MachineFacts {
  /** Memory the OS says is available now (free plus reclaimable, within a cgroup's limit). */
  availableBytes: number
  totalBytes: number
  cores: number
}

/**
 * The largest blob better-sqlite3 binds: the checkpoint of a run is written as one value, and one of
 * 2^29 - 29 bytes or more is refused ("The bound string, buffer, or bigint is too big"), measured with
 * better-sqlite3 13 on Node 24 (2^29 - 30 binds). A few bytes of margin below it.
 */
export const MAX_CHECKPOINT_BYTES = 2 ** 29 - 32
/** A checkpoint's header per tensor (its name and size in JSON), generously: two parameter and two state tensors a node. */
const HEADER_BYTES_PER_NODE = 4 * 160
const HEADER_BYTES = 256

export const gib = (bytes: number): string => bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MiB`
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

/** Bytes of one checkpoint blob (core/train/weights.ts): every parameter and state value as float32, the optimizer's state, and a header. */
export function checkpointBytes(a: GraphAnalysis, optimizer: string): number {
  const trainable = a.totals.trainableParams, state = a.totals.nonTrainableParams
  const optimizerFloats = optimizer === 'sgd' ? trainable : 2 * trainable + 1
  return 4 * (trainable + state + optimizerFloats) + HEADER_BYTES + HEADER_BYTES_PER_NODE * a.nodes.length
}

/** The estimate's terms that grow with something the user chooses, and what to change for each. */
type MemoryTerm = MemoryEstimate['dominantTerm']
const ADVICE: Record<MemoryTerm, string> = {
  activations: 'use a smaller batch size (activations grow with it), fewer workers, or a smaller input size',
  weights: 'the parameters dominate, so a smaller batch does not help: use fewer filters or units (a dense layer after a large flatten holds most of them; a globalavgpool before it shrinks it)',
  gradients: 'the parameters\' gradients dominate, so a smaller batch does not help: use fewer filters or units, or fewer workers (each keeps its own gradients)',
  optimizerState: 'the optimizer\'s state dominates, so a smaller batch does not help: use fewer filters or units, or sgd (one buffer a parameter where adam keeps two)',
  dataset: 'use fewer or smaller images (the input size decides what each decoded image takes)',
}


/** One line per term, for messages and `inspect`. */
export function describeEstimate(m: MemoryEstimate, batchSize: number, workers: number, images: number): string {
  const parts = [
    `activations ${gib(m.activations)} (batch ${batchSize} on ${workers} worker${workers === 1 ? '' : 's'})`,
    `weights ${gib(m.weights)}`, `gradients ${gib(m.gradients)}`, `optimizer state ${gib(m.optimizerState)}`,
    `decoded images ${gib(m.dataset)} (${plural(images, 'image')})`,
    `runtime ${gib(m.total - m.weights - m.gradients - m.optimizerState - m.activations - m.dataset)}`,
  ]
  return `about ${gib(m.total)}: ${parts.join(', ')}`
}

/** The worker count a run uses: what the settings say, else every core, never more than the batch. */
export const workersFor = (s: CheckSettings, cores: number): number => Math.max(1, Math.min(s.workers ?? cores, s.batchSize))

/**
 * The memory verdict for an estimate: null when it fits, else the check that says why not. A run whose
 * worker cannot allocate its network in its WebAssembly memory (at most `limit`) would fail seconds after it
 * starts, so it is refused here too.
 */
export function memoryVerdict(m: MemoryEstimate, s: CheckSettings, workers: number, images: number, machine: MachineFacts, limit = WASM_MEMORY_LIMIT): TrainingCheck | null {
  if (m.total > machine.availableBytes) {
    return {
      id: 'memory', severity: 'error', code: 'INSUFFICIENT_MEMORY',
      message: `this run needs ${describeEstimate(m, s.batchSize, workers, images)}; this machine has ${gib(machine.availableBytes)} available (of ${gib(machine.totalBytes)}), so it was not started: ${ADVICE[m.dominantTerm]}`,
    }
  }
  const wasm = m.workerWasm
  if (wasm > limit) {
    const term = m.dominantTerm
    const shard = m.shardBatch
    const advice = term === 'activations' || term === 'dataset'
      ? 'use a smaller batch size or more workers (each holds its share of the batch), or a smaller input size'
      : ADVICE[term]
    return {
      id: 'worker-memory', severity: 'error', code: 'INSUFFICIENT_MEMORY',
      message: `each worker needs ${gib(wasm)} of WebAssembly memory for its network (${plural(shard, 'image')} of the batch), more than the ${gib(limit)} a worker can address, so it was not started: ${advice}`,
    }
  }
  return null
}

/**
 * Everything a start is checked for, in the order the service refuses on: the folder, the graph's errors,
 * the input's channels, the class count, what the store can hold, and the memory. Without a dataset the
 * checks that need one are left out; without a machine, the memory verdict.
 */
export function trainingChecks(a: GraphAnalysis, dataset: DatasetFacts | null, s: CheckSettings, machine: MachineFacts | null): TrainingCheck[] {
  const out: TrainingCheck[] = []
  if (dataset) {
    if (dataset.usable === false) out.push({ id: 'dataset', severity: 'error', code: 'UNUSABLE_DATASET', message: dataset.problem ?? `${dataset.root} cannot be trained on` })
    else out.push({ id: 'dataset', severity: 'ok', message: `${dataset.splits ? plural(dataset.splits.train, 'training image') : plural(dataset.images, 'image')} in ${dataset.classes.length} classes (${dataset.classes.join(', ')}) from ${dataset.root}${dataset.splits ? splitsNote(dataset.splits) : ''}${dataset.skipped ? `; ${plural(dataset.skipped, 'file')} skipped` : ''}` })
  }

  const errors = a.issues.filter((i) => i.severity === 'error')
  for (const [k, i] of errors.entries()) {
    const out_ = i.code === 'NO_CLASSIFIER' && i.nodeId ? a.byId.get(i.nodeId) : undefined
    // A model that ends in a vector of scores lacks only the softmax: one click adds it.
    const fix: CheckFix | undefined = out_ && out_.type !== 'softmax' && out_.outputShape?.length === 1 ? { kind: 'add-softmax', after: out_.id } : undefined
    out.push({ id: `graph-${k}`, severity: 'error', code: 'INVALID_MODEL', issue: i.code, message: `${i.code}: ${i.message}`, ...(i.nodeId ? { nodeId: i.nodeId } : {}), ...(fix ? { fix } : {}) })
  }
  const input = a.inputId ? a.byId.get(a.inputId) : undefined
  const channels = input?.attrs.channels
  if (input && channels !== undefined && channels !== 1 && channels !== 3) {
    // Analysis takes any channel count (a feature map to reason about); images come in grey or colour.
    out.push({
      id: 'channels', severity: 'error', code: 'INVALID_MODEL', nodeId: input.id, fix: { kind: 'set-input-channels', nodeId: input.id, value: 3 },
      message: `input ${input.id}: ${String(channels)} channels describe a feature map, which the studio can analyse but not train: training reads images, so set channels to 1 (greyscale) or 3 (RGB colour)`,
    })
  }
  if (errors.length) return out
  out.push({ id: 'model', severity: 'ok', message: `${plural(a.nodes.length, 'layer')}, ${plural(a.totals.params, 'parameter')}` })

  if (dataset && dataset.usable !== false && a.classes !== null && a.classes !== dataset.classes.length) {
    const dense = lastDense(a)
    const n = dataset.classes.length
    out.push({
      id: 'classes', severity: 'error', code: 'INVALID_MODEL', ...(dense ? { nodeId: dense, fix: { kind: 'set-units', nodeId: dense, value: n } } : {}),
      message: `the model ends in ${a.classes} classes but the dataset has ${n} (${dataset.classes.join(', ')}), in ${dataset.root}; set the last dense layer's units to ${n}`,
    })
  }

  const ck = checkpointBytes(a, s.optimizer)
  if (ck > MAX_CHECKPOINT_BYTES) {
    const perParam = s.optimizer === 'sgd' ? 8 : 12
    out.push({
      id: 'checkpoint', severity: 'error', code: 'MODEL_TOO_LARGE',
      message: `the model has ${plural(a.totals.params, 'parameter')}: its checkpoint with ${s.optimizer} would take ${plural(ck, 'byte')} (${perParam} bytes a parameter), more than the ${plural(MAX_CHECKPOINT_BYTES, 'byte')} the experiment database stores in one value, so it could never be saved; use fewer filters or units (at most about ${(Math.floor(MAX_CHECKPOINT_BYTES / perParam / 1e5) / 10).toFixed(1)}M parameters${s.optimizer === 'sgd' ? '' : `, ${(Math.floor(MAX_CHECKPOINT_BYTES / 8 / 1e5) / 10).toFixed(1)}M with sgd`})`,
    })
  }

  if (machine) {
    const workers = workersFor(s, machine.cores)
    const images = dataset?.images ?? 0
    const m = estimateTrainingMemory(a, { batchSize: s.batchSize, optimizer: s.optimizer, momentum: s.momentum, workers, datasetImages: images })
    const verdict = memoryVerdict(m, s, workers, images, machine)
    out.push(verdict ?? { id: 'memory', severity: 'ok', message: `Memory: ${describeEstimate(m, s.batchSize, workers, images)}; ${gib(machine.availableBytes)} available` })
  }
  return out
}

/** The dense layer whose units are the class count: the last one along the graph. */
export function lastDense(a: GraphAnalysis): string | null {
  return [...a.order].reverse().find((id) => a.byId.get(id)?.type === 'dense') ?? null
}

/** The first error among the checks, which a start is refused with; null when it may start. */
export const firstError = (checks: TrainingCheck[]): TrainingCheck | null => checks.find((c) => c.severity === 'error') ?? null
