// The contract's implementation, shared by both transports (Electron IPC and the WebSocket of `serve`):
// every request is validated at the boundary, dispatched to the services, and errors come back as
// { code, message }. Events from the training service fan out to every subscriber.
import { availableParallelism, freemem, totalmem } from 'node:os'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { z } from 'zod'
import { clip, validate, type ApiError, type CommandName, type MenuItem, type Reply, type Request, type Responses, type RunDetail, type RunSummary, type StudioEvent } from '../api/contract.ts'
import { analyzeGraph, parseModelFile, serializeModelFile } from '../../src-engine/core/graph/index.ts'
import { readAutosave, writeAtomic, writeAutosave } from '../services/designs.ts'
import { parseSettings, TrainSettings } from '../api/settings.ts'
import { classSheet, DatasetError } from '../../src-engine/node/dataset/index.ts'
import { DatasetReads } from '../services/dataset-reads.ts'
import { appFile } from '../../src-engine/node/app-files.ts'
import { compareRuns, diffModels, figuresCache, thinSteps } from '../services/compare.ts'
import { machineFacts, memorySummary } from '../services/memory-check.ts'
import { epochsOf } from '../services/run-view.ts'
import { defaultDbPath } from '../services/paths.ts'
import { StoreError } from '../services/store/open.ts'
import { Store, type RunRow } from '../services/store/store.ts'
import { ServiceError } from '../services/errors.ts'
import { TrainingService } from '../services/training.ts'
import { evaluateRun, storedEvaluation } from '../services/insight/evaluate.ts'
import { predictionDiff } from '../services/compare-predictions.ts'
import { predictImages } from '../services/insight/predict.ts'
import { lookInside } from '../services/insight/look-inside.ts'
import { explainBlock, learnImages } from '../services/insight/learn.ts'
import { importRunFolder } from '../services/run-import/import.ts'
import { exportRun } from '../services/export/export.ts'
import { ImportError, importOnnx, readOnnx } from '../services/import/onnx-import.ts'
import { rewriteModel } from '../../src-engine/core/graph/rewrites.ts'
import { readPrefs, writePrefs } from '../services/prefs.ts'
import { libraryDir, listBlocks, saveBlock } from '../services/blocks.ts'

const TEMPLATES = appFile('resources/templates/')
const SAMPLE_DATASET = appFile('resources/sample-dataset/shapes')
const VERSION = (JSON.parse(readFileSync(appFile('package.json'), 'utf8')) as { version: string }).version

export interface HostOptions {
  dbPath?: string
  cacheDir?: string
  kind?: 'electron' | 'web'
  /** Native dialogs, given by the Electron shell; absent in a browser. They only choose paths: the host reads and writes. */
  dialogs?: {
    openModelPath(): Promise<{ path: string } | null>
    saveModelPath(suggestedName: string): Promise<{ path: string } | null>
    pickFolder(): Promise<{ path: string } | null>
  }
  /** The native menu, given by the Electron shell: it shows the items the page sends. Absent in a browser. */
  menu?: { set(items: MenuItem[]): void }
}

export interface Host {
  /** Never throws: a bad request or a failing command gives { ok: false, error }. */
  invoke(command: unknown, payload: unknown): Promise<Reply>
  subscribe(fn: (e: StudioEvent) => void): () => void
  readonly service: TrainingService
  close(): void
}

/** The coded error a failing command replies with. Messages quote user text (node ids, paths), so a reply
 * is cut to a few lines whatever the input was. */
function errorOf(e: unknown): ApiError {
  const short = (m: string) => clip(m, MESSAGE_LIMIT)
  if (e instanceof ServiceError) return { code: e.code, message: short(e.message), ...(e.fields ? { fields: e.fields } : {}) }
  if (e instanceof StoreError || e instanceof DatasetError) return { code: e.code, message: short(e.message) }
  if (e instanceof Error && (e.name === 'ModelFileError' || e.name === 'UntrainableModelError')) return { code: 'INVALID_MODEL', message: short(e.message) }
  if (e instanceof ImportError) return { code: 'IMPORT_REFUSED', message: short(e.message) }
  return { code: 'INTERNAL', message: short(e instanceof Error ? e.message : String(e)) }
}
const MESSAGE_LIMIT = 1000
/** An image from the contract: a path on this machine, or bytes in base64 (a data: URL's prefix dropped). */
const imageSource = (i: { path: string } | { name: string; data: string }): string | { name: string; bytes: Buffer } =>
  'path' in i ? i.path : { name: i.name, bytes: Buffer.from(i.data.replace(/^data:[^,]*,/, ''), 'base64') }

const numberOr = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
/** The main file's ending per export format (its sidecars are named from the same stem). */
const EXTENSION = { onnx: '.onnx', pytorch: '.py', weights: '.cnn.json' } as const
/** A run's name as a file name: what no file system or browser download would refuse or reinterpret. */
export const fileStem = (name: string): string => name.replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 100) || 'model'

export function createHost(opts: HostOptions = {}): Host {
  const store = new Store(defaultDbPath(opts.dbPath))
  const service = new TrainingService(store, { cacheDir: opts.cacheDir })
  const autosaveFile = join(dirname(store.file), 'design-autosave.json')
  const prefsFile = join(dirname(store.file), 'studio-prefs.json')
  // Model files may be written only where the user chose through a dialog in this session, never to a path a
  // page merely names.
  const writable = new Set<string>()
  const figuresOf = figuresCache(store)
  // Progress of folder reads fans out to the same subscribers as the training service's events.
  const readListeners = new Set<(e: StudioEvent) => void>()
  const reads = new DatasetReads((e) => {
    for (const fn of readListeners) fn(e)
  })
  const summary = (r: RunRow, marks = store.epochMarks(r.runId)): RunSummary => ({
    runId: r.runId, name: r.name, status: r.status, createdAt: r.createdAt, model: r.model, dataset: r.dataset, final: r.final ?? {}, imagesPerSecond: r.imagesPerSecond, starred: r.starred,
    tags: r.tags, note: r.notes, ...figuresOf(r),
    startedAt: r.startedAt, endedAt: r.endedAt, lr: numberOr(r.settings.lr), epochsPlanned: numberOr(r.settings.epochs),
    lastEpoch: marks.get(r.runId)?.last ?? null, bestEpoch: marks.get(r.runId)?.best ?? null, verdict: r.verdict, group: r.group,
    ...(r.origin ? { origin: r.origin } : {}),
  })

  const handlers: { [K in CommandName]: (p: Request<K>) => Promise<Responses[K]> | Responses[K] } = {
    'app.info': () => ({
      version: VERSION, host: opts.kind ?? 'web', database: store.file, cores: availableParallelism(),
      memory: { totalBytes: totalmem(), freeBytes: freemem(), availableBytes: machineFacts().availableBytes },
      sample: { templateId: 'shapes-cnn', datasetDir: SAMPLE_DATASET, settings: { epochs: 30, batchSize: 16, lr: 0.005 } },
    }),
    'templates.list': () => readdirSync(TEMPLATES).filter((f) => f.endsWith('.cnn.json')).sort().map((f) => {
      const model = parseModelFile(readFileSync(TEMPLATES + f, 'utf8'))
      return { id: f.replace('.cnn.json', ''), name: model.name ?? f, model }
    }),
    'models.analyze': (p) => {
      const a = analyzeGraph(parseModelFile(p.model), { forTraining: p.forTraining })
      return {
        nodes: a.nodes.map((n) => ({ id: n.id, type: n.type, outputShape: n.outputShape, params: n.params, macs: n.macs, receptiveField: n.receptiveField })),
        totals: a.totals, issues: a.issues, memory: memorySummary(a, p.memory ?? {}),
      }
    },
    'models.import': async (p) => {
      const r = importOnnx(await readOnnx(p.path), p.path)
      return { model: r.model, warnings: r.warnings, ops: r.ops }
    },
    // The page's bytes go to the same importer; the name only labels messages (a clipped base name, on one line).
    'models.importBytes': (p) => {
      const r = importOnnx(Buffer.from(p.data.replace(/^data:[^,]*,/, ''), 'base64'), clip(basename(p.name.replace(/\\/g, '/')), 120))
      return { model: r.model, warnings: r.warnings, ops: r.ops, weights: Buffer.from(r.weights).toString('base64') }
    },
    'models.rewrite': (p) => rewriteModel(parseModelFile(p.model), p.rule, { node: p.node, width: p.width }),
    'blocks.list': () => listBlocks(libraryDir(store.file)),
    'blocks.save': (p) => saveBlock(libraryDir(store.file), p),
    'settings.defaults': () => {
      const r = parseSettings({})
      if (!r.ok) throw new Error(r.message)
      return r.settings
    },
    'datasets.inspect': (p) => reads.inspect(p.dir, { valSplit: p.valSplit, seed: p.seed, readId: p.readId }),
    'datasets.cancel': (p) => (reads.cancel(p.readId), null),
    'runs.list': () => {
      const marks = store.epochMarks()
      return store.listRuns().map((r) => summary(r, marks))
    },
    'runs.get': (p): RunDetail => {
      const r = store.getRun(p.runId)
      return {
        ...summary(r), settings: r.settings, skipped: r.skipped, error: r.error, modelFile: store.modelOf(r.runId),
        epochs: epochsOf(store, r.runId),
        // (the sampled steps are most of the read: Compare asks for none first, then for what its chart shows)
        steps: p.maxSteps === 0 ? { epoch: [], step: [], loss: [], accuracy: [] } : p.maxSteps ? thinSteps(store.steps(r.runId), p.maxSteps) : store.steps(r.runId),
        evaluations: store.evaluations(r.runId),
      }
    },
    'runs.start': (p) => service.start({
      model: parseModelFile(p.model), datasetDir: p.datasetDir, testDir: p.testDir, settings: p.settings,
      ...(p.group ? { group: p.group } : {}),
      ...(p.initialWeights ? { initialWeights: new Uint8Array(Buffer.from(p.initialWeights.replace(/^data:[^,]*,/, ''), 'base64')) } : {}),
    }),
    'runs.pause': (p) => (service.pause(p.runId), null),
    'runs.resume': async (p) => (await service.resume(p.runId), null),
    'runs.stop': (p) => (service.stop(p.runId), null),
    'runs.delete': (p) => (service.delete(p.runId), null),
    'runs.compare': (p) => compareRuns(store, p.runIds),
    'runs.import': (p) => importRunFolder(store, p.dir, { dataDir: p.dataDir, cacheDir: opts.cacheDir }),
    'prefs.get': () => readPrefs(prefsFile),
    'prefs.set': (p) => (writePrefs(prefsFile, p), null),
    'designs.autosaved': () => readAutosave(autosaveFile),
    'designs.autosave': (p) => (writeAutosave(autosaveFile, { model: parseModelFile(p.model), path: p.path, dirty: p.dirty }), null),
    'dialogs.openModel': async () => {
      const picked = await opts.dialogs?.openModelPath()
      if (!picked) return null
      // An ONNX model opens as a new, unsaved design: its path is not the model file's, and is never written.
      if (/\.onnx$/i.test(picked.path)) {
        const r = importOnnx(await readOnnx(picked.path), picked.path)
        return { path: null, model: r.model, warnings: r.warnings, name: basename(picked.path).replace(/\.onnx$/i, ''), weights: Buffer.from(r.weights).toString('base64') }
      }
      const model = parseModelFile(readFileSync(picked.path, 'utf8'))
      writable.add(picked.path)
      return { path: picked.path, model }
    },
    'dialogs.saveModel': async (p) => {
      if (!opts.dialogs) return null
      const target = p.path && writable.has(p.path) ? { path: p.path } : await opts.dialogs.saveModelPath(p.suggestedName ?? 'model.cnn.json')
      if (!target) return null
      writeAtomic(target.path, serializeModelFile(parseModelFile(p.model)))
      writable.add(target.path)
      return target
    },
    'dialogs.pickFolder': () => opts.dialogs?.pickFolder() ?? null,
    'menu.set': (p) => (opts.menu?.set(p.items), null),
    // --- The studio's screens (issue 9) ---
    'settings.schema': () => z.toJSONSchema(TrainSettings, { io: 'input' }) as Responses['settings.schema'],
    'datasets.thumbnails': async (p) => {
      const s = await classSheet(p.dir, p.className, { count: p.count, cacheDir: opts.cacheDir })
      return { className: p.className, png: `data:image/png;base64,${s.png.toString('base64')}`, total: s.total, columns: s.columns }
    },
    'runs.update': (p) => summary(store.updateRun(p.runId, { name: p.name, starred: p.starred, tags: p.tags, note: p.note })),
    'runs.diff': (p) => diffModels(store.modelOf(store.getRun(p.a).runId), store.modelOf(store.getRun(p.b).runId)),
    // Insight and export (issue 10): inference runs on a worker thread, decoding in libvips' threads,
    // the ONNX parity check in onnxruntime's: the event loop stays free.
    'runs.evaluate': (p) => evaluateRun(store, p.runId, { split: p.split, testDir: p.testDir, checkpoint: p.checkpoint, cacheDir: opts.cacheDir, thumbnails: true }),
    'runs.predict': (p) => predictImages(store, p.runId, p.images.map(imageSource), { top: p.top, checkpoint: p.checkpoint, cacheDir: opts.cacheDir }),
    'runs.insight': (p) => {
      const src = imageSource(p.image)
      return lookInside(store, p.runId, typeof src === 'string' ? { name: src, bytes: null } : src, { classIndex: p.classIndex, checkpoint: p.checkpoint, cacheDir: opts.cacheDir })
    },
    'runs.export': (p) => exportRun(store, p.runId, { format: p.format, out: p.out, checkpoint: p.checkpoint, cacheDir: opts.cacheDir, force: p.force }),
    'runs.evaluation': (p) => storedEvaluation(store, p.runId, { split: p.split, cacheDir: opts.cacheDir }),
    'runs.predictionDiff': (p) => predictionDiff(store, p.a, p.b, { testDir: p.testDir, cacheDir: opts.cacheDir }),
    // The page never names a path on this machine: the files are made in a private temporary folder, read back
    // and removed, and the page saves them (a download in a browser, Electron's save dialog).
    'runs.download': async (p) => {
      const dir = mkdtempSync(join(tmpdir(), 'cnn-studio-export-'))
      try {
        const out = join(dir, `${fileStem(store.getRun(p.runId).name)}${EXTENSION[p.format]}`)
        const report = await exportRun(store, p.runId, { format: p.format, out, checkpoint: p.checkpoint, cacheDir: opts.cacheDir })
        return { files: report.files.map((f) => ({ name: basename(f), data: readFileSync(f).toString('base64') })), report }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    'learn.explain': (p) => explainBlock(store, { run: p.runId, model: p.model ? parseModelFile(p.model) : undefined, node: p.node, image: imageSource(p.image), at: p.at, filter: p.filter, checkpoint: p.checkpoint, seed: p.seed, label: p.label, detail: true, cacheDir: opts.cacheDir }),
    'learn.images': (p) => learnImages(store, p),
  }

  return {
    service,
    async invoke(command, payload) {
      // Everything inside the try: this promise resolves with a reply for any input, over IPC as over the socket.
      try {
        const v = validate(command, payload)
        if (!v.ok) return v
        const handler = handlers[v.command] as (p: unknown) => unknown
        return { ok: true, result: (await handler(v.payload)) ?? null }
      } catch (e) {
        return { ok: false, error: errorOf(e) }
      }
    },
    subscribe: (fn) => {
      readListeners.add(fn)
      const off = service.subscribe(fn)
      return () => {
        readListeners.delete(fn)
        off()
      }
    },
    close: () => {
      reads.cancelAll()
      store.close()
    },
  }
}
