// THE contract between the studio's UI and the main process: every command the UI may send (validated
// here at runtime, on the way in), what each returns, and the events it may listen to. Both transports
// carry it unchanged: Electron IPC through the preload, and a WebSocket for `cnn-studio serve`. Errors
// cross as { code, message }. The renderer imports only types from this file's folder.
import { z } from 'zod'
import type { BlockDef, ModelFile } from '../../src-engine/core/graph/types.ts'
import { BLOCK_NAME } from '../../src-engine/core/graph/blocks.ts'
import type { HealthReport, SplitCounts } from '../../src-engine/core/data/health.ts'
import { ENDED_STATUSES, IN_PROGRESS_STATUSES, RUN_STATUSES, type RunStatus } from '../../src-engine/core/train/status.ts'
import { clip, ECHO_LIMIT, fieldsOf } from './issues.ts'
import { base64Length, ONNX_UPLOAD_LIMIT } from '../../src-engine/core/limits.ts'
import type { RewriteResult } from '../../src-engine/core/graph/rewrites.ts'
import { TrainSettings } from './settings.ts'
import type { TrainSettings as Settings } from './settings.ts'

const runId = z.string().regex(/^r_[a-z0-9]+$/, 'a run id like r_mwv6efje9c0caac3')
const path = z.string().min(1).max(4096)
// The graph is checked in depth by the graph core; here only that it is a model file's shape.
const modelShape = z.object({ format: z.literal('cnn-studio.graph'), version: z.number(), nodes: z.array(z.object({ id: z.string(), type: z.string() }).passthrough()), edges: z.array(z.tuple([z.string(), z.string()])) }).passthrough()
const model = z.custom<ModelFile>((v) => modelShape.safeParse(v).success, { message: 'expected a model file: { "format": "cnn-studio.graph", "version", "nodes", "edges" }' })
const none = z.object({}).strict().optional()
// A block definition's shape (the graph core checks it in depth); the counts capped as a model file's are.
const blockShape = z.object({ nodes: z.array(z.object({ id: z.string().max(200), type: z.string().max(100) }).passthrough()).min(1).max(10_000), edges: z.array(z.tuple([z.string().max(200), z.string().max(200)])).max(40_000), output: z.string().max(200) }).passthrough()
const blockDef = z.custom<BlockDef>((v) => blockShape.safeParse(v).success, { message: 'expected a block definition: { "nodes", "edges", "output", "params"? }' })
/** A file's bytes in base64 (a data: URL's prefix allowed), at most `bytes` of them. */
const base64 = (bytes: number, what: string) => z.string().max(base64Length(bytes) + 100, `at most ${bytes / 2 ** 20} MiB of ${what}`).regex(/^(data:[^,]{0,100},)?[A-Za-z0-9+/]*={0,2}$/, 'the file\'s bytes in base64')
/** The most runs one comparison takes. */
export const MAX_COMPARE = 10
/** Which checkpoint of a run: the one with the best validation accuracy, or the last epoch's. */
export const CHECKPOINT_KINDS = ['best', 'last'] as const
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number]
const checkpointKind = z.enum(CHECKPOINT_KINDS)
export const EXPORT_FORMATS = ['onnx', 'pytorch', 'weights'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]
/** An image from the page (its bytes in base64, a data: URL's prefix allowed, up to ~12 MB) or a path on this machine. */
const imageInput = z.union([
  z.object({ name: z.string().min(1).max(512), data: z.string().min(1).max(12_000_000) }).strict(),
  z.object({ path }).strict(),
])

/**
 * What the studio remembers between sessions, kept beside the experiment database (services/prefs.ts): a
 * browser's storage is per origin, and `serve` starts on a new port each time. `prefs.set` takes a patch.
 */
export const StudioPrefs = z.object({
  theme: z.enum(['light', 'dark']).optional(),
  recentFolders: z.array(path).max(20).optional(),
  /** The train form as it was left: field name to what was typed (or a checkbox). */
  trainForm: z.record(z.string().max(64), z.union([z.string().max(1000), z.boolean()])).refine((r) => Object.keys(r).length <= 64, 'at most 64 fields').optional(),
  /** The Runs table's optional columns the user chose to show (RunsTable.vue names them). */
  runsColumns: z.array(z.string().regex(/^[a-zA-Z]+$/).max(40)).max(30).optional(),
  /** Whose "Val acc" Runs and Compare show: the last epoch's, or the best checkpoint's. */
  valAccEpoch: z.enum(['last', 'best']).optional(),
  /** "Try both" pairs waiting for their runs to end (stores/try-both.ts): then Compare opens on them. */
  tryBoth: z.array(z.object({ a: runId, b: runId, label: z.string().min(1).max(300) }).strict()).max(10).optional(),
}).strict()
export type StudioPrefs = z.infer<typeof StudioPrefs>

/**
 * An item of the native menu (Electron), as the page's action registry declares it: the page owns the
 * list (VS Code's way) and sends it with `menu.set`; a click comes back as a `menu` event with the id.
 * `keys` are Electron accelerators, the first one shown; `menu` is the top-level menu it goes in.
 */
export const MenuItem = z.object({
  id: z.string().regex(/^[a-z][a-z0-9.-]*$/, 'an action id like save-model').max(100),
  label: z.string().min(1).max(100),
  keys: z.array(z.string().min(1).max(40)).max(4),
  menu: z.enum(['File', 'Edit', 'View', 'Help']),
}).strict()
export type MenuItem = z.infer<typeof MenuItem>
export { clip, ECHO_LIMIT, fieldsOf }

export const COMMANDS = {
  'app.info': none,
  'templates.list': none,
  /** Shapes, params, MACs, receptive fields and issues of a graph (the canvas also runs this in the page). */
  'models.analyze': z.object({
    model, forTraining: z.boolean().optional(),
    /** The training memory for these settings comes back as `memory` (defaults: batch 32, adam, every core, no images). */
    memory: z.object({ batchSize: z.number().int().min(1).max(4096).optional(), optimizer: z.enum(['sgd', 'adam', 'adamw']).optional(), workers: z.number().int().min(1).max(256).optional(), datasetImages: z.number().int().min(0).max(1e9).optional() }).strict().optional(),
  }).strict(),
  /** The training settings with every default filled in, for the settings form. */
  'settings.defaults': none,
  /** An ONNX model on this machine opened as a design (services/import): the model file, what the import warns about, the ops it read. */
  'models.import': z.object({ path }).strict(),
  /**
   * The same from the page, which has no paths in a browser: the file's name (for messages) and its bytes in
   * base64 (a data: URL's prefix allowed), up to ONNX_UPLOAD_LIMIT bytes, so one message of `serve` carries it.
   */
  'models.importBytes': z.object({
    name: z.string().min(1).max(512).refine((n) => !/\p{Cc}/u.test(n), 'a file name without control characters'),
    data: base64(ONNX_UPLOAD_LIMIT, 'ONNX from the page; import a larger file with `cnn-studio import`').min(1),
  }).strict(),
  /** One of the course's rewrites (core/graph/rewrites.ts) applied to a design: the new design and the figures before and after, or why it does not apply. */
  'models.rewrite': z.object({ model, rule: z.enum(['stack3x3', 'gap-head', 'bottleneck', 'mlp-baseline']), node: z.string().min(1).max(200).optional(), width: z.number().int().min(1).max(65536).optional() }).strict(),
  /** The palette's block library: the built-in block files and the user's (a \`blocks\` folder beside the experiment database); a file that cannot be read is left out with a warning. */
  'blocks.list': none,
  /** Writes the block to the user's library as \`<name>.block.json\`; an existing name is refused unless \`replace\`. */
  'blocks.save': z.object({ name: z.string().regex(BLOCK_NAME, 'a block name: a letter or _ then letters, digits, _ or - (up to 64)'), block: blockDef, replace: z.boolean().optional() }).strict(),
  /** `readId`: names this read in its `dataset` progress events and to `datasets.cancel`. */
  'datasets.inspect': z.object({ dir: path, valSplit: z.number().min(0).max(0.9).optional(), seed: z.number().int().min(0).optional(), readId: z.string().min(1).max(100).optional() }).strict(),
  /** Stops the read of that id (its scan worker and its decoding); the read answers CANCELLED. Unknown or finished ids: nothing. */
  'datasets.cancel': z.object({ readId: z.string().min(1).max(100) }).strict(),
  'runs.list': none,
  /** `maxSteps`: the sampled steps thinned to about that many (each epoch's last kept), for a chart of many runs (Compare); 0: none. */
  'runs.get': z.object({ runId, maxSteps: z.number().int().min(0).max(1_000_000).optional() }).strict(),
  /** `initialWeights`: an import's weights as models.importBytes gave them (base64): the run starts from them, fine-tuning, when every tensor fits. */
  'runs.start': z.object({ model, datasetDir: path, testDir: path.optional(), settings: TrainSettings.optional(), group: z.string().trim().min(1).max(64).optional(), initialWeights: base64(ONNX_UPLOAD_LIMIT, 'weights of an import').optional() }).strict(),
  'runs.pause': z.object({ runId }).strict(),
  'runs.resume': z.object({ runId }).strict(),
  'runs.stop': z.object({ runId }).strict(),
  'runs.delete': z.object({ runId }).strict(),
  'runs.compare': z.object({ runIds: z.array(runId).min(2).max(MAX_COMPARE) }).strict(),
  /** A run trained elsewhere: the folder the exported PyTorch script wrote (--out), on this machine; `dataDir` when its dataset is elsewhere here. */
  'runs.import': z.object({ dir: path, dataDir: path.optional() }).strict(),
  /** The design as it was last left (autosaved beside the experiment database), or null on a first start. */
  'designs.autosaved': none,
  'designs.autosave': z.object({ model, path: path.nullable(), dirty: z.boolean() }).strict(),
  'prefs.get': none,
  'prefs.set': StudioPrefs,
  // Native dialogs in Electron; in a browser the UI shows a path field (or an upload/download) and these return null.
  'dialogs.openModel': none,
  /** Writes the model file: to `path` when this session opened or saved it there, otherwise where a save dialog says. */
  'dialogs.saveModel': z.object({ model, path: path.optional(), suggestedName: z.string().max(255).optional() }).strict(),
  'dialogs.pickFolder': none,
  /** The page's items of the native menu; in a browser there is none, and this does nothing. */
  'menu.set': z.object({ items: z.array(MenuItem).max(200) }).strict(),
  // --- The studio's screens (issue 9): Data, Train, Runs, Compare. ---
  /** The settings' JSON schema (from the zod schema), so the form is generated and checked field by field. */
  'settings.schema': none,
  /** A contact sheet of one class: up to `count` thumbnails on one PNG. */
  'datasets.thumbnails': z.object({ dir: path, className: z.string().min(1).max(1000), count: z.number().int().min(1).max(96).optional() }).strict(),
  /** Rename, star, tag or annotate a run; only the fields given change. */
  'runs.update': z.object({ runId, name: z.string().trim().min(1).max(200).optional(), starred: z.boolean().optional(), tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(), note: z.string().max(10_000).optional() }).strict(),
  /** The architecture diff of two runs' models, nodes paired by structure. */
  'runs.diff': z.object({ a: runId, b: runId }).strict(),
  // Insight and export (issue 10): a checkpoint evaluated, images predicted, one image looked into, an export.
  /** With every image's prediction and a thumbnail of what the network saw, for the confusion-matrix gallery. */
  'runs.evaluate': z.object({ runId, split: z.enum(['val', 'test']).optional(), testDir: path.optional(), checkpoint: checkpointKind.optional() }).strict(),
  'runs.predict': z.object({ runId, images: z.array(imageInput).min(1).max(64), top: z.number().int().min(1).max(1000).optional(), checkpoint: checkpointKind.optional() }).strict(),
  'runs.insight': z.object({ runId, image: imageInput, classIndex: z.number().int().min(0).optional(), checkpoint: checkpointKind.optional() }).strict(),
  /** `force` replaces a file at `out` that is not an earlier export (never the experiment database). */
  'runs.export': z.object({ runId, format: z.enum(EXPORT_FORMATS), out: path, checkpoint: checkpointKind.optional(), force: z.boolean().optional() }).strict(),
  /** The run page's evaluation: the best checkpoint on the validation split (or the run's test folder), made once and kept with the run. */
  'runs.evaluation': z.object({ runId, split: z.enum(['val', 'test']).optional() }).strict(),
  /** An export made in a temporary folder of the host and sent back as bytes, named after the run, for a download or a save dialog. */
  'runs.download': z.object({ runId, format: z.enum(EXPORT_FORMATS), checkpoint: checkpointKind.optional() }).strict(),
  /** What changed between two runs image by image (issue 22): both best checkpoints on the images they share (their common validation split, or `testDir`). */
  'runs.predictionDiff': z.object({ a: runId, b: runId, testDir: path.optional() }).strict().refine((p) => p.a !== p.b, 'a and b must be two different runs'),
  /** Learn (issue 19): one window of a conv/pool block of a run's checkpoint or of a model with seeded weights, on an image; with the block's tensors, the unit's receptive field and its effective receptive field. */
  'learn.explain': z.object({
    runId: runId.optional(), model: model.optional(), node: z.string().min(1).max(200), image: imageInput,
    at: z.tuple([z.number().int().min(0), z.number().int().min(0)]).optional(), filter: z.number().int().min(0).optional(),
    checkpoint: checkpointKind.optional(), seed: z.number().int().min(0).max(2 ** 31).optional(), label: z.number().int().min(0).max(100_000).optional(),
  }).strict().refine((p) => (p.runId === undefined) !== (p.model === undefined), 'give either runId or model'),
  /** Images to explain: a run's training folder (or `dir`), a few per class. */
  'learn.images': z.object({ runId: runId.optional(), dir: path.optional(), perClass: z.number().int().min(1).max(50).optional() }).strict(),
} as const

export type CommandName = keyof typeof COMMANDS
export type Request<K extends CommandName> = z.input<(typeof COMMANDS)[K]>

/** A run's states (declared in the engine core, where the page can import the lists too). */
export { ENDED_STATUSES, IN_PROGRESS_STATUSES, RUN_STATUSES, type RunStatus }
export interface FinalMetrics { valAccuracy?: number; valLoss?: number; testAccuracy?: number; testLoss?: number }
/** A completed run that did not learn (src-main/services/verdict.ts): why, what to try, and both in one sentence. */
export interface RunVerdict { didNotLearn: true; reason: string; advice: string; message: string }
/** An epoch of a run with its validation accuracy (null when nothing was held out). */
export interface EpochMark { epoch: number; valAccuracy: number | null }
export interface RunSummary {
  runId: string; name: string; status: RunStatus; createdAt: string; model: string; dataset: string | null; final: FinalMetrics; imagesPerSecond: number | null; starred: boolean
  tags: string[]; note: string
  /** The model's parameter count and multiply-accumulates per image. */
  params: number; macs: number
  /** When training started and ended (null until then). */
  startedAt?: string | null; endedAt?: string | null
  /** The settings' learning rate and number of epochs. */
  lr?: number | null; epochsPlanned?: number | null
  /** The last epoch recorded, and the epoch of the best checkpoint (the highest validation accuracy). */
  lastEpoch?: EpochMark | null; bestEpoch?: EpochMark | null
  verdict?: RunVerdict | null
  /** The seed group the run was queued in ("Repeat with 3 seeds", `train --seeds`); null for a run trained alone. */
  group?: string | null
  /** Set for a run trained elsewhere and imported (runs.import). */
  origin?: RunOriginSummary | null
}
/** Where an imported run was trained: its folder, torch, processes and devices (services/store RunOrigin). */
export interface RunOriginSummary { kind: 'imported'; folder: string; importedAt: string; exportedFrom: string | null; torch: string | null; worldSize: number; devices: string[]; folderStatus: string }
/** What runs.import answers: the new run, its status and epochs, and what the import warns about. */
export interface ImportedRunReport { runId: string; status: RunStatus; epochs: number; warnings: string[] }
export interface EpochMetrics { epoch: number; trainLoss: number; trainAccuracy: number; valLoss: number | null; valAccuracy: number | null; lr: number; seconds: number }
/** Sampled training steps, one array a field; null where the engine reported a loss that is not a number. */
export interface StepColumns { epoch: number[]; step: number[]; loss: (number | null)[]; accuracy: (number | null)[] }
export interface RunDetail extends RunSummary {
  settings: Record<string, unknown>
  epochs: EpochMetrics[]
  /** The sampled steps, one array a field (Store.steps). */
  steps: StepColumns
  evaluations: { split: string; loss: number; accuracy: number; confusion: number[][]; perClass: { class: string; accuracy: number | null }[] }[]
  skipped: { path: string; reason: string }[]
  error: string | null
  modelFile: ModelFile
}
/** Bytes a training run of the graph takes (src-engine/core/graph/memory.ts), for the settings it was worked out with. */
export interface MemorySummary {
  batchSize: number; optimizer: string; workers: number; datasetImages: number
  weights: number; gradients: number; optimizerState: number; activations: number; dataset: number
  /** The terms plus the runtime's own. */
  total: number
}
/** One node of an architecture diff: `a` is its id in the first model, `b` in the second (absent when added or removed). */
export interface DiffNode {
  /** 'reshaped': the same block (type, attributes, wiring) on tensors of another size, as when the input size differs. */
  a?: string; b?: string; type: string; status: 'same' | 'added' | 'removed' | 'changed' | 'reshaped'
  /** What changed, in words: attributes, input or output shape. */
  changes: string[]
  params: [number, number]; macs: [number, number]
}
export interface ArchitectureDiff {
  same: boolean; added: string[]; removed: string[]
  /** `id` is the node in the first model, `idB` its partner in the second. */
  changed: { id: string; idB: string; from: unknown; to: unknown }[]
  summary: string[]
  nodes: DiffNode[]
  totals: { a: { params: number; macs: number }; b: { params: number; macs: number } }
}
export interface Comparison {
  runs: {
    runId: string; name: string; status: RunStatus; model: string; final: FinalMetrics; params: number; macs: number
    /** The last epoch recorded and the best checkpoint's epoch (null before the first epoch), for the exported table. */
    lastEpoch: EpochMark | null; bestEpoch: EpochMark | null
  }[]
  differences: Record<string, unknown[]>
  /** The first two runs' architectures (runs.diff gives any other pair). */
  architecture: ArchitectureDiff
}
/** What datasets.inspect answers (declared in the engine core, which fills it). */
export type { HealthReport, SplitCounts }
export type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; enum?: unknown[]; default?: unknown; minimum?: number; maximum?: number; exclusiveMinimum?: number; maxLength?: number }

// Insight and export (issue 10).
export interface ClassMetrics { class: string; precision: number | null; recall: number | null; f1: number | null; support: number }
export interface ImagePrediction { path: string; true: number; predicted: number; confidence: number; probabilities: number[]; thumbnail?: string }
export interface EvaluationReport {
  runId: string; split: 'val' | 'test'; folder: string; checkpoint: { kind: CheckpointKind; epoch: number }; classes: string[]
  count: number; accuracy: number; loss: number; confusion: number[][]; normalized: number[][]; perClass: ClassMetrics[]; macroF1: number | null
  topK: { k: number; accuracy: number }[]; predictions: ImagePrediction[]; warnings: string[]
}
export interface TopClass { class: string; index: number; probability: number }
export interface PredictReport { runId: string; checkpoint: { kind: CheckpointKind; epoch: number }; classes: string[]; predictions: { path: string; top: TopClass[]; probabilities: number[] }[]; skipped: { path: string; reason: string }[]; warnings: string[] }
/** Images are PNG data URLs. */
export interface InsightReport {
  runId: string; checkpoint: { kind: CheckpointKind; epoch: number }; classes: string[]; input: string; top: TopClass[]
  featureMaps: { nodeId: string; type: string; shape: number[]; rectified: boolean; shown: number; columns: number; min: number; max: number; png: string }[]
  filters: { nodeId: string; shape: number[]; shown: number; columns: number; png: string } | null
  gradCam: { classIndex: number; class: string; layerId: string; camShape: number[]; cam: number[]; weights: number[]; heatmap: string; overlay: string } | null
}
export interface ParityReport { images: number; sample: 'dataset' | 'random'; maxProbabilityDifference: number; agreement: number; runtime: string }
// Learn (issue 19): the step types are the engine core's own.
export type { LearnBlock, LearnReport } from './learn-report.ts'
import type { LearnReport } from './learn-report.ts'
// What changed between two runs, image by image (issue 22).
export type { DiffCell, DiffGuess, DiffImage, DiffRun, PredictionDiff } from './prediction-diff.ts'
import type { PredictionDiff } from './prediction-diff.ts'
export interface ExportReport { runId: string; format: ExportFormat; checkpoint: { kind: CheckpointKind; epoch: number }; files: string[]; parity: ParityReport | null; warnings: string[] }

export interface Responses {
  /** `sample`: a model and a folder that train in seconds, so a fresh install has something to run. */
  'app.info': { version: string; host: 'electron' | 'web'; database: string; cores: number; memory: { totalBytes: number; freeBytes: number; /** What a run may take now (free plus reclaimable): the memory check's figure. */ availableBytes: number }; sample: { templateId: string; datasetDir: string; settings: { epochs: number; batchSize: number; lr: number } } }
  'templates.list': { id: string; name: string; model: ModelFile }[]
  'models.analyze': { nodes: { id: string; type: string; outputShape: number[] | null; params: number; macs: number; receptiveField: number | null }[]; totals: { params: number; trainableParams: number; nonTrainableParams: number; macs: number }; issues: { nodeId?: string; severity: 'error' | 'warning'; code: string; message: string }[]; memory?: MemorySummary }
  'settings.defaults': Settings
  'models.import': { model: ModelFile; warnings: string[]; ops: Record<string, number> }
  /** `weights`: the file's weights in the studio's layout (base64), which runs.start takes as `initialWeights`. */
  'models.importBytes': { model: ModelFile; warnings: string[]; ops: Record<string, number>; weights: string }
  'models.rewrite': RewriteResult
  'blocks.list': { blocks: { name: string; source: 'builtin' | 'user'; description?: string; block: BlockDef }[]; warnings: string[] }
  'blocks.save': { file: string }
  'datasets.inspect': HealthReport
  'datasets.cancel': null
  'runs.list': RunSummary[]
  'runs.get': RunDetail
  'runs.start': { runId: string }
  'runs.pause': null
  'runs.resume': null
  'runs.stop': null
  'runs.delete': null
  'runs.compare': Comparison
  'runs.import': ImportedRunReport
  'designs.autosaved': { model: ModelFile; path: string | null; dirty: boolean } | null
  'designs.autosave': null
  'prefs.get': StudioPrefs
  'prefs.set': null
  /** An ONNX file (`*.onnx`) is imported as models.import does: `path` null (it is not a model file to save to), with the import's warnings and the file's name. */
  'dialogs.openModel': { path: string | null; model: ModelFile; warnings?: string[]; name?: string; weights?: string } | null
  'dialogs.saveModel': { path: string } | null
  'dialogs.pickFolder': { path: string } | null
  'menu.set': null
  'settings.schema': JsonSchema
  /** `png`: a data: URL of the sheet (`columns` tiles a row, the class's first images); `total`: the files in the class. */
  'datasets.thumbnails': { className: string; png: string; total: number; columns: number }
  'runs.update': RunSummary
  'runs.diff': ArchitectureDiff
  'runs.evaluate': EvaluationReport
  'runs.predict': PredictReport
  'runs.insight': InsightReport
  'runs.export': ExportReport
  /** `data`: each file's bytes in base64, the main file first; `report`'s paths were in the host's temporary folder, now removed. */
  'runs.download': { files: { name: string; data: string }[]; report: ExportReport }
  'runs.evaluation': EvaluationReport
  'runs.predictionDiff': PredictionDiff
  'learn.explain': LearnReport
  'learn.images': { dir: string; images: { path: string; class: string }[] }
}

/** What the training service reports of a run. */
export type RunEvent =
  | { type: 'status'; runId: string; status: RunStatus; message?: string }
  | { type: 'progress'; runId: string; epoch: number; epochs: number; step: number; stepsPerEpoch: number; loss: number; accuracy: number; imagesPerSecond: number; etaSeconds: number }
  | { type: 'epoch'; runId: string; epoch: number; trainLoss: number; trainAccuracy: number; valLoss?: number; valAccuracy?: number; lr: number; seconds: number }
export type StudioEvent =
  | RunEvent
  /** A folder being read (`datasets.inspect` with a readId): files found by the scan, then images decoded of `total`. */
  | { type: 'dataset'; readId: string; dir: string; phase: 'scan' | 'decode'; seen: number; decoded: number; total: number }
  /** A native menu item (Electron) was chosen: the id of the action the page sent it as (`menu.set`). */
  | { type: 'menu'; action: string }

export interface ApiError {
  code: string; message: string
  /** Per field of the request that was refused, by its path (`settings.batchSize`): what is wrong with it, for a form to say beside the field. */
  fields?: Record<string, string>
}

/** A reply as it crosses a transport: errors stay data ({ code, message, fields }) on the way. */
export type Reply = { ok: true; result: unknown } | { ok: false; error: ApiError }

/** What the page sends over the WebSocket of `serve`: a command with an id its reply carries back. */
export interface SocketRequest { id: number | string | null; command: CommandName; payload?: unknown }
/** What `serve` sends over its WebSocket: a reply to a request (by its id), or an event. */
export type SocketFrame = (Reply & { id: SocketRequest['id'] }) | { event: StudioEvent }


/** What the Electron preload exposes as `window.studio`; the renderer's client wraps it into a StudioApi. */
export interface StudioBridge {
  invoke(command: CommandName, payload?: unknown): Promise<Reply>
  on(listener: (e: StudioEvent) => void): () => void
}

/** What the UI talks to, whichever transport is under it. */
export interface StudioApi {
  invoke<K extends CommandName>(command: K, payload?: Request<K>): Promise<Responses[K]>
  on(listener: (e: StudioEvent) => void): () => void
}

/** Deeper payloads than this are refused before any schema walks them (no model file nests past 5). */
export const MAX_DEPTH = 64
const MAX_ISSUES = 5

/** A short, safe description of any value a caller sent: a clipped string, or its kind. */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(clip(v))
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v)
  return Array.isArray(v) ? 'an array' : `a value of type ${typeof v}`
}

/** True when a value nests deeper than `limit` arrays/objects; iterative, so no input can overflow the stack. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth >= limit) return true
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
  }
  return false
}

// Looked up as own properties of a null-prototype copy: `toString`, `constructor`, `__proto__` and the other
// names every object inherits are not commands.
const KNOWN: Record<string, (typeof COMMANDS)[CommandName]> = Object.assign(Object.create(null), COMMANDS)
const isCommand = (c: string): c is CommandName => Object.hasOwn(KNOWN, c)

/** Validates a command and its payload at the boundary; returns a coded error instead of throwing, and echoes
 * at most a short prefix of what it was sent. */
export function validate(command: unknown, payload: unknown): { ok: true; command: CommandName; payload: unknown } | { ok: false; error: ApiError } {
  if (typeof command !== 'string' || !isCommand(command)) {
    return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `unknown command ${describe(command)}; known: ${Object.keys(COMMANDS).join(', ')}` } }
  }
  if (nestedDeeperThan(payload, MAX_DEPTH)) {
    return { ok: false, error: { code: 'INVALID_REQUEST', message: `${command}: payload nests deeper than ${MAX_DEPTH} levels; send the plain objects the contract names` } }
  }
  const r = KNOWN[command].safeParse(payload ?? undefined)
  if (!r.success) {
    const issues = r.error.issues
    const listed = issues.slice(0, MAX_ISSUES).map((i) => `${clip(i.path.map(String).join('.'), ECHO_LIMIT) || 'payload'}: ${clip(i.message, 2 * ECHO_LIMIT)}`)
    if (issues.length > MAX_ISSUES) listed.push(`and ${issues.length - MAX_ISSUES} more`)
    return { ok: false, error: { code: 'INVALID_REQUEST', message: `${command}: ${listed.join('; ')}`, fields: fieldsOf(issues) } }
  }
  return { ok: true, command, payload: r.data }
}
