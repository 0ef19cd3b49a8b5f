// The training service: validates a request before writing anything, queues runs (one at a time),
// drives the engine's trainer, streams progress (at most 10 events a second per run), and records each
// epoch's metrics and checkpoint in one transaction. Runs a dead process left behind become
// `interrupted` at start-up and can be resumed from their last checkpoint.
import { analyzeGraph, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { createBatchSource, DatasetError, loadDataset, splitStratified, channelStats, type LoadedDataset } from '../../src-engine/node/dataset/index.ts'
import { createTrainer } from '../../src-engine/node/trainer/index.ts'
import type { Trainer } from '../../src-engine/core/train/types.ts'
import { parseSettings, type TrainSettings } from '../api/settings.ts'
import { Store, type FinalMetrics, type RunStatus } from './store/store.ts'

export class ServiceError extends Error {
  readonly code: 'INVALID_SETTINGS' | 'INVALID_MODEL' | 'UNUSABLE_DATASET' | 'NOT_FOUND' | 'BAD_STATE'
  constructor(code: ServiceError['code'], message: string) {
    super(message)
    this.code = code
  }
}

export type RunEvent =
  | { type: 'status'; runId: string; status: RunStatus; message?: string }
  | { type: 'progress'; runId: string; epoch: number; epochs: number; step: number; stepsPerEpoch: number; loss: number; accuracy: number; imagesPerSecond: number; etaSeconds: number }
  | { type: 'epoch'; runId: string; epoch: number; trainLoss: number; trainAccuracy: number; valLoss?: number; valAccuracy?: number; lr: number; seconds: number }

export interface StartRequest {
  model: ModelFile
  datasetDir: string
  testDir?: string
  settings?: unknown
}

interface Job {
  runId: string
  model: ModelFile
  data: LoadedDataset
  test: LoadedDataset | null
  settings: TrainSettings
  /** Resuming: the checkpoint to start from. */
  from?: { epoch: number; weights: Uint8Array }
}

const STEP_SAMPLES = 200 // per epoch: enough for a smooth curve, bounded for long epochs

export class TrainingService {
  readonly store: Store
  private readonly cacheDir?: string
  private readonly listeners = new Set<(e: RunEvent) => void>()
  private readonly queue: Job[] = []
  private active: { job: Job; trainer: Trainer } | null = null
  private idle: Promise<void> = Promise.resolve()
  /** Runs that became `interrupted` when this service started. */
  readonly recovered: string[]

  constructor(store: Store, opts: { cacheDir?: string } = {}) {
    this.store = store
    this.cacheDir = opts.cacheDir
    this.recovered = store.markInterrupted()
  }

  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private emit(e: RunEvent): void {
    for (const fn of this.listeners) fn(e)
  }

  private setStatus(runId: string, status: RunStatus, extra: Parameters<Store['setStatus']>[2] = {}): void {
    this.store.setStatus(runId, status, extra)
    this.emit({ type: 'status', runId, status, ...(extra.error ? { message: extra.error } : {}) })
  }

  /** Validates everything, then records the run as queued and starts it when its turn comes. */
  async start(req: StartRequest): Promise<{ runId: string }> {
    const parsed = parseSettings(req.settings)
    if (!parsed.ok) throw new ServiceError('INVALID_SETTINGS', parsed.message)
    const settings = parsed.settings
    const a = analyzeGraph(req.model, { forTraining: true })
    if (a.hasErrors) throw new ServiceError('INVALID_MODEL', `the model has errors: ${a.issues.filter((i) => i.severity === 'error').map((i) => `${i.code}: ${i.message}`).join('; ')}`)
    const input = a.nodes.find((n) => n.type === 'input')!
    if (input.attrs.channels !== 1 && input.attrs.channels !== 3) {
      // Analysis takes any channel count (a feature map to reason about); images come in grey or colour.
      throw new ServiceError('INVALID_MODEL', `input ${input.id}: ${input.attrs.channels} channels describe a feature map, which the studio can analyse but not train: training reads images, so set channels to 1 (greyscale) or 3 (RGB colour)`)
    }
    const target = { height: input.attrs.height as number, width: input.attrs.width as number, channels: input.attrs.channels as 1 | 3, resize: input.attrs.resize as 'stretch' | 'cover' | 'contain' }
    let data: LoadedDataset, test: LoadedDataset | null = null
    try {
      data = await loadDataset(req.datasetDir, target, { cacheDir: this.cacheDir })
      if (req.testDir) test = await loadDataset(req.testDir, target, { cacheDir: this.cacheDir, classes: data.set.classes })
    } catch (e) {
      if (e instanceof DatasetError) throw new ServiceError('UNUSABLE_DATASET', e.message)
      throw e
    }
    const classes = a.byId.get(a.outputId!)!.outputShape![0]
    if (classes !== data.set.classes.length) {
      throw new ServiceError('INVALID_MODEL', `the model ends in ${classes} classes but ${req.datasetDir} has ${data.set.classes.length} (${data.set.classes.join(', ')}); set the last dense layer's units to ${data.set.classes.length}`)
    }
    const model = this.store.saveModel(req.model)
    const counts = data.set.classes.map((_, c) => data.set.labels.filter((l) => l === c).length)
    const datasetId = this.store.saveDataset({ root: req.datasetDir, fingerprint: data.fingerprint, classes: data.set.classes, counts })
    const testId = test ? this.store.saveDataset({ root: req.testDir!, fingerprint: test.fingerprint, classes: test.set.classes, counts: test.set.classes.map((_, c) => test!.set.labels.filter((l) => l === c).length) }) : null
    const name = settings.name ?? `${req.model.name ?? 'model'} ${settings.optimizer} lr ${settings.lr}`
    const runId = this.store.createRun({ name, settings: { ...settings, datasetDir: req.datasetDir, testDir: req.testDir ?? null }, modelId: model.id, datasetId, testDatasetId: testId, splitSeed: settings.seed, skipped: data.skipped })
    this.enqueue({ runId, model: req.model, data, test, settings })
    return { runId }
  }

  /** Continues a stopped or interrupted run from its last checkpoint. */
  async resume(runId: string): Promise<void> {
    const run = this.store.getRun(runId)
    if (this.active?.job.runId === runId) {
      this.active.trainer.resume()
      this.setStatus(runId, 'running')
      return
    }
    if (!['interrupted', 'stopped', 'failed'].includes(run.status)) throw new ServiceError('BAD_STATE', `run ${runId} is ${run.status}; only a paused, stopped, interrupted or failed run can be resumed`)
    const s = run.settings as TrainSettings & { datasetDir: string; testDir: string | null }
    const model = this.store.modelOf(runId)
    const input = analyzeGraph(model).nodes.find((n) => n.type === 'input')!
    const target = { height: input.attrs.height as number, width: input.attrs.width as number, channels: input.attrs.channels as 1 | 3, resize: input.attrs.resize as 'stretch' }
    const data = await loadDataset(s.datasetDir, target, { cacheDir: this.cacheDir })
    const test = s.testDir ? await loadDataset(s.testDir, target, { cacheDir: this.cacheDir, classes: data.set.classes }) : null
    const from = this.store.checkpoint(runId, 'last') ?? undefined
    this.store.setStatus(runId, 'queued')
    this.enqueue({ runId, model, data, test, settings: s, from })
  }

  pause(runId: string): void {
    if (this.active?.job.runId !== runId) throw new ServiceError('BAD_STATE', `run ${runId} is not running`)
    this.active.trainer.pause()
    this.setStatus(runId, 'paused')
  }

  stop(runId: string): void {
    if (this.active?.job.runId === runId) {
      this.active.trainer.stop()
      return
    }
    const i = this.queue.findIndex((j) => j.runId === runId)
    if (i < 0) throw new ServiceError('BAD_STATE', `run ${runId} is not running or queued`)
    this.queue.splice(i, 1)
    this.setStatus(runId, 'stopped')
  }

  /** Resolves once the queue is empty and nothing runs. */
  whenIdle(): Promise<void> {
    return this.idle
  }

  private enqueue(job: Job): void {
    this.queue.push(job)
    this.emit({ type: 'status', runId: job.runId, status: 'queued' })
    if (!this.active) this.idle = this.drain()
  }

  private async drain(): Promise<void> {
    while (this.queue.length) await this.execute(this.queue.shift()!)
  }

  private async execute(job: Job): Promise<void> {
    const { runId, settings: s, data } = job
    const { train, val } = splitStratified(data.set, s.valSplit, s.seed)
    const normalize = analyzeGraph(job.model).nodes.find((n) => n.type === 'input')!.attrs.normalize === 'dataset' ? channelStats(train) : null
    let steps: { step: number; loss: number; accuracy: number }[] = []
    let lastEmit = 0
    const started = performance.now()
    const startEpoch = job.from?.epoch ?? 0
    const trainer = createTrainer({
      model: job.model,
      train: createBatchSource(train, { shuffle: true, seed: s.seed, augment: s.augment, normalize }),
      val: val.count ? createBatchSource(val, { normalize }) : undefined,
      hyper: { epochs: s.epochs, batchSize: s.batchSize, optimizer: s.optimizer, lr: s.lr!, momentum: s.momentum, nesterov: s.nesterov, weightDecay: s.weightDecay, seed: s.seed, schedule: { type: s.schedule, warmupEpochs: s.warmupEpochs } },
      workers: s.workers,
      initialWeights: job.from?.weights,
      startEpoch,
      onStep: (e) => {
        const every = Math.max(1, Math.ceil(e.stepsPerEpoch / STEP_SAMPLES))
        if (e.step % every === 0 || e.step === e.stepsPerEpoch) steps.push({ step: e.step, loss: e.loss, accuracy: e.accuracy })
        const t = performance.now()
        if (t - lastEmit < 100 && e.step !== e.stepsPerEpoch) return // at most 10 progress events a second
        lastEmit = t
        const done = (e.epoch - 1 - startEpoch) * e.stepsPerEpoch + e.step
        const left = (s.epochs - e.epoch) * e.stepsPerEpoch + (e.stepsPerEpoch - e.step)
        this.emit({ type: 'progress', runId, epoch: e.epoch, epochs: s.epochs, step: e.step, stepsPerEpoch: e.stepsPerEpoch, loss: e.loss, accuracy: e.accuracy, imagesPerSecond: e.imagesPerSecond, etaSeconds: ((t - started) / 1000 / Math.max(done, 1)) * left })
      },
      onEpoch: (e, weights) => {
        this.store.recordEpoch(runId, e, steps, weights())
        steps = []
        this.emit({ type: 'epoch', runId, ...e })
      },
    })
    this.active = { job, trainer }
    this.setStatus(runId, 'running')
    try {
      const r = await trainer.run()
      const final: FinalMetrics = {}
      const last = this.store.epochs(runId).at(-1)
      if (last?.valAccuracy !== undefined) Object.assign(final, { valAccuracy: last.valAccuracy, valLoss: last.valLoss })
      if (r.status === 'completed') {
        if (val.count) this.store.saveEvaluation(runId, 'validation', await trainer.evaluate(createBatchSource(val, { normalize })), data.set.classes)
        if (job.test) {
          const ev = await trainer.evaluate(createBatchSource(job.test.set, { normalize }))
          this.store.saveEvaluation(runId, 'test', ev, data.set.classes)
          Object.assign(final, { testAccuracy: ev.accuracy, testLoss: ev.loss })
        }
      }
      this.setStatus(runId, r.status, { imagesPerSecond: r.imagesPerSecond, final, error: r.message ?? null })
    } catch (e) {
      this.setStatus(runId, 'failed', { error: e instanceof Error ? e.message : String(e) })
    } finally {
      this.active = null
      await trainer.close()
    }
  }
}
