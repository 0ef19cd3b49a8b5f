// The training service: validates a request before writing anything (the training checks of
// core/train/checks.ts, the page's own, before any image is decoded), queues runs (one at a time), drives the engine's trainer, streams progress
// (at most 10 events a second per run), and records each epoch's metrics and checkpoint in one transaction.
// It owns the runs it trains (store/owner.ts) and keeps their heartbeat; runs whose owner died become
// `interrupted` and can be resumed from their last checkpoint, on the data they were trained on.
import { analyzeGraph, type GraphAnalysis, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { classCounts, createBatchSource, DatasetError, loadDataset, scanFolderOffThread, splitStratified, channelStats, type LoadedDataset, type Scan } from '../../src-engine/node/dataset/index.ts'
import { createTrainer } from '../../src-engine/node/trainer/index.ts'
import { chooseDevice } from '../../src-engine/node/gpu/choose.ts'
import { analyzeForTraining } from '../../src-engine/core/graph/analyze.ts'
import type { Trainer } from '../../src-engine/core/train/types.ts'
import { firstError, trainingChecks, type TrainingCheck } from '../../src-engine/core/train/checks.ts'
import type { FinalMetrics, RunEvent, RunStatus } from '../api/contract.ts'
import { parseSettings, type TrainSettings } from '../api/settings.ts'
import { ServiceError, type ServiceErrorCode } from './errors.ts'
import { machineFacts } from './memory-check.ts'
import { dataChanges, splitFolders, targetOf } from './run-data.ts'
import { weightsMisfit } from './import/weights-fit.ts'
import { HEARTBEAT_MS } from './store/owner.ts'
import { Store } from './store/store.ts'
import { judgeRun } from './verdict.ts'


export interface StartRequest {
  model: ModelFile
  datasetDir: string
  testDir?: string
  settings?: unknown
  /** Start from these weights (an import's, fine-tuning) instead of a seeded initialisation; every tensor must fit. */
  initialWeights?: Uint8Array
  /** The seed group this run is queued in (the same run with other seeds; `train --seeds`, "Repeat with 3 seeds"). */
  group?: string
}

interface Job {
  runId: string
  model: ModelFile
  data: LoadedDataset
  test: LoadedDataset | null
  /** A validation folder (a root's val/): it replaces the random split of `data`. */
  val: LoadedDataset | null
  settings: TrainSettings
  /** Resuming: the checkpoint to start from. */
  from?: { epoch: number; weights: Uint8Array }
}

export interface ResumeOptions {
  /** Resume although the classes or the images changed since the run started; recorded with the run. */
  forceData?: boolean
}

/** A failed check as the error a start is refused with: its code (the checks name the services' codes) and its message. */
const refusal = (c: TrainingCheck) => new ServiceError((c.code as ServiceErrorCode | undefined) ?? 'INVALID_MODEL', c.message)

const STEP_SAMPLES = 200 // per epoch: enough for a smooth curve, bounded for long epochs

export class TrainingService {
  readonly store: Store
  private readonly cacheDir?: string
  private readonly listeners = new Set<(e: RunEvent) => void>()
  private readonly queue: Job[] = []
  private active: { job: Job; trainer: Trainer } | null = null
  private draining = false
  private idle: Promise<void> = Promise.resolve()
  private beat: ReturnType<typeof setInterval> | null = null
  /** How each run this service ran ended, also when the store could not record it (a full disk). */
  private readonly outcomes = new Map<string, { status: RunStatus; error: string | null }>()
  /** Runs whose owner had died, written `interrupted` when this service started. */
  readonly recovered: string[]

  constructor(store: Store, opts: { cacheDir?: string } = {}) {
    this.store = store
    this.cacheDir = opts.cacheDir
    this.recovered = store.markInterrupted()
  }

  /** How a run this service trained ended (what the store holds may lag behind when a write failed). */
  outcome(runId: string): { status: RunStatus; error: string | null } | undefined {
    return this.outcomes.get(runId)
  }

  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private emit(e: RunEvent): void {
    for (const fn of this.listeners) fn(e)
  }

  private setStatus(runId: string, status: RunStatus, extra: Parameters<Store['setStatus']>[2] = {}): void {
    this.store.setStatus(runId, status, extra, true)
    this.emit({ type: 'status', runId, status, ...(extra.error ? { message: extra.error } : {}) })
  }

  /** Loads a folder (from the scan `checkMemory` made of it), turning a DatasetError into UNUSABLE_DATASET. */
  private async load(dir: string, target: ReturnType<typeof targetOf>, scan: Scan | undefined, classes?: string[]): Promise<LoadedDataset> {
    try {
      return await loadDataset(dir, target, { cacheDir: this.cacheDir, classes, scan })
    } catch (e) {
      if (e instanceof DatasetError) throw new ServiceError('UNUSABLE_DATASET', e.message)
      throw e
    }
  }

  /** Scans the folders (on a worker thread, so a huge or looping folder never stalls the host), turning a DatasetError into UNUSABLE_DATASET. */
  private async scan(dirs: (string | null | undefined)[]): Promise<Map<string, Scan>> {
    const scans = new Map<string, Scan>()
    try {
      for (const d of dirs) if (d) scans.set(d, await scanFolderOffThread(d))
    } catch (e) {
      if (e instanceof DatasetError) throw new ServiceError('UNUSABLE_DATASET', e.message)
      throw e
    }
    return scans
  }

  /**
   * The checks of core/train/checks.ts on what the folders hold (from their scans) and this machine's memory,
   * before any image is decoded: the first error refuses the start, with the message the page shows.
   */
  private check(a: GraphAnalysis, s: TrainSettings, dir: string, scans: Map<string, Scan>): TrainingCheck[] {
    const train = scans.get(dir)!
    const images = [...scans.values()].reduce((n, scan) => n + scan.files.length, 0)
    // A folder with images in fewer than two classes is refused by the load, with its own reason (UNUSABLE_DATASET).
    const filled = new Set(train.files.map((f) => f.label)).size
    return trainingChecks(a, filled < 2 ? null : { root: dir, classes: train.classes, images }, s, machineFacts())
  }

  /** Validates everything, then records the run as queued and starts it when its turn comes. */
  async start(req: StartRequest): Promise<{ runId: string }> {
    const parsed = parseSettings(req.settings)
    if (!parsed.ok) throw new ServiceError('INVALID_SETTINGS', parsed.message, parsed.fields)
    const settings = parsed.settings
    const a = analyzeGraph(req.model, { forTraining: true })
    // The model's own errors first: a broken model is refused without touching the folders.
    const modelError = firstError(trainingChecks(a, null, settings, null))
    if (modelError) throw refusal(modelError)
    const dirs = splitFolders(req.datasetDir, req.testDir)
    const scans = await this.scan([dirs.train, dirs.test, dirs.val])
    const failed = firstError(this.check(a, settings, dirs.train, scans))
    if (failed) throw refusal(failed)
    const target = targetOf(a)
    // Weights to start from (an import: "train from these weights") must fit the model, tensor by tensor.
    const misfit = req.initialWeights ? weightsMisfit(a, req.initialWeights) : null
    if (misfit) throw new ServiceError('INVALID_MODEL', `cannot start from these weights: ${misfit}`)
    const data = await this.load(dirs.train, target, scans.get(dirs.train))
    const test = dirs.test ? await this.load(dirs.test, target, scans.get(dirs.test), data.set.classes) : null
    const val = dirs.val ? await this.load(dirs.val, target, scans.get(dirs.val), data.set.classes) : null
    const model = this.store.saveModel(req.model)
    const counts = classCounts(data.set)
    const datasetId = this.store.saveDataset({ root: req.datasetDir, fingerprint: data.fingerprint, classes: data.set.classes, counts })
    const testId = test ? this.store.saveDataset({ root: dirs.test!, fingerprint: test.fingerprint, classes: test.set.classes, counts: classCounts(test.set) }) : null
    const base = settings.name ?? `${req.model.name ?? 'model'} ${settings.optimizer} lr ${settings.lr}`
    // The runs of a seed group share their settings but the seed: their names say which one they are.
    const name = req.group ? `${base} · seed ${settings.seed}` : base
    const recorded = { ...settings, datasetDir: req.datasetDir, testDir: dirs.test, ...(dirs.val ? { valDir: dirs.val } : {}) }
    const runId = this.store.createRun({ name, settings: recorded, modelId: model.id, datasetId, testDatasetId: testId, splitSeed: settings.seed, skipped: data.skipped, group: req.group ?? null })
    this.enqueue({ runId, model: req.model, data, test, val, settings, ...(req.initialWeights ? { from: { epoch: 0, weights: req.initialWeights } } : {}) })
    return { runId }
  }

  /**
   * Continues a stopped, interrupted or failed run from its last checkpoint, on the data it was trained
   * on: changed classes or images refuse the resume (DATA_CHANGED) unless `forceData`, which is recorded.
   * A run another live process owns is refused (IN_USE), naming that process.
   */
  async resume(runId: string, opts: ResumeOptions = {}): Promise<void> {
    const run = this.store.getRun(runId)
    if (this.active?.job.runId === runId) {
      this.active.trainer.resume()
      this.setStatus(runId, 'running')
      return
    }
    this.store.assertNotOwnedElsewhere(run, 'resume')
    if (!['interrupted', 'stopped', 'failed'].includes(run.status)) throw new ServiceError('BAD_STATE', `run ${runId} is ${run.status}; only a paused, stopped, interrupted or failed run can be resumed`)
    const s = run.settings as TrainSettings & { datasetDir: string; testDir: string | null }
    const model = this.store.modelOf(runId)
    const a = analyzeGraph(model, { forTraining: true })
    const target = targetOf(a)
    const dirs = splitFolders(s.datasetDir, s.testDir)
    const scans = await this.scan([dirs.train, dirs.test, dirs.val])
    const failed = firstError(this.check(a, s, dirs.train, scans))
    if (failed?.id === 'classes') {
      const now = scans.get(dirs.train)!.classes
      throw new ServiceError('DATA_CHANGED', `run ${runId} cannot resume: its model ends in ${a.classes} classes but ${s.datasetDir} now has ${now.length} (${now.join(', ')}), even --force-data cannot change that; put the folder back as it was, or start a new run with the last dense layer's units set to ${now.length}`)
    }
    if (failed) throw refusal(failed)
    const data = await this.load(dirs.train, target, scans.get(dirs.train))
    const stored = this.store.datasetOf(runId)
    const counts = classCounts(data.set)
    const changes = stored ? dataChanges(stored, { classes: data.set.classes, fingerprint: data.fingerprint, counts }) : []
    if (changes.length && !opts.forceData) {
      throw new ServiceError('DATA_CHANGED', `run ${runId} cannot resume: ${s.datasetDir} changed since it was trained: ${changes.join('; ')}. Put the folder back as it was, start a new run on it as it is now, or resume anyway with --force-data (recorded with the run)`)
    }
    const test = dirs.test ? await this.load(dirs.test, target, scans.get(dirs.test), data.set.classes) : null
    const val = dirs.val ? await this.load(dirs.val, target, scans.get(dirs.val), data.set.classes) : null
    this.store.claim(runId)
    if (changes.length) {
      const datasetId = this.store.saveDataset({ root: s.datasetDir, fingerprint: data.fingerprint, classes: data.set.classes, counts })
      this.store.recordForced(runId, changes, datasetId)
    }
    const from = this.store.checkpoint(runId, 'last') ?? undefined
    this.enqueue({ runId, model, data, test, val, settings: s, from })
  }

  /** A run this service does not train: refused naming its owner when another live process has it. */
  private notHere(runId: string, doing: string): ServiceError {
    this.store.assertNotOwnedElsewhere(this.store.getRun(runId), doing, true)
    return new ServiceError('BAD_STATE', `run ${runId} is not ${doing === 'pause' ? 'running' : 'running or queued'}`)
  }

  /**
   * Asks the run to pause; it is marked paused once its trainer has halted, after the last progress event
   * of the step that was in flight, so nothing of a paused run moves. Refusals throw at once.
   */
  pause(runId: string): void {
    if (this.active?.job.runId !== runId) throw this.notHere(runId, 'pause')
    const { trainer } = this.active
    void trainer.pause().then((halted) => {
      if (halted && this.active?.trainer === trainer) this.setStatus(runId, 'paused')
    }).catch(() => {}) // a store that cannot record it: the run stays halted, and resume or stop still work
  }

  stop(runId: string): void {
    if (this.active?.job.runId === runId) {
      this.active.trainer.stop()
      return
    }
    const i = this.queue.findIndex((j) => j.runId === runId)
    if (i < 0) throw this.notHere(runId, 'stop')
    this.queue.splice(i, 1)
    this.setStatus(runId, 'stopped')
  }

  /** Deletes a run; refused while it is in progress here or in another live process. */
  delete(runId: string): void {
    this.store.deleteRun(this.store.getRun(runId).runId)
  }

  /** Resolves once the queue is empty and nothing runs. */
  whenIdle(): Promise<void> {
    return this.idle
  }

  private enqueue(job: Job): void {
    this.queue.push(job)
    this.emit({ type: 'status', runId: job.runId, status: 'queued' })
    // One drain at a time: `active` is null while a finished trainer closes, which is not an idle queue.
    if (!this.draining) this.idle = this.drain()
  }

  /** Runs the queue; the heartbeat of this process's runs ticks meanwhile (unref'd: it never keeps the process up). */
  private async drain(): Promise<void> {
    this.draining = true
    this.beat ??= setInterval(() => {
      try {
        this.store.heartbeat()
      } catch {
        // a full disk or a busy file: the next beat tries again, and a minute of silence is the stated limit
      }
    }, HEARTBEAT_MS)
    this.beat.unref()
    try {
      while (this.queue.length) await this.execute(this.queue.shift()!)
    } finally {
      clearInterval(this.beat)
      this.beat = null
      this.draining = false
    }
  }

  /** The end-of-run verdict (verdict.ts); a store that cannot record it loses only the verdict, not the run. */
  private recordVerdict(runId: string, v: ReturnType<typeof judgeRun>): void {
    try {
      this.store.setVerdict(runId, v)
    } catch {
      // a full disk: the status write that follows reports it
    }
  }

  private async execute(job: Job): Promise<void> {
    const { runId, settings: s, data } = job
    const ended = (status: RunStatus, extra: Parameters<Store['setStatus']>[2] = {}) => {
      this.outcomes.set(runId, { status, error: extra.error ?? null })
      try {
        this.setStatus(runId, status, extra)
      } catch (e) {
        // The store cannot record it (a full disk): the outcome above is still reported to the caller, and
        // once this process ends, readers see the run as interrupted with every epoch it recorded.
        const why = e instanceof Error ? e.message : String(e)
        this.outcomes.set(runId, { status, error: `${extra.error ?? status} (the database could not record this ${why === extra.error ? 'either' : `either: ${why}`})` })
        this.emit({ type: 'status', runId, status, message: this.outcomes.get(runId)!.error! })
      }
    }
    let trainer: Trainer | null = null
    try {
      // A validation folder replaces the random split: the whole training folder trains.
      const { train, val } = job.val ? { train: data.set, val: job.val.set } : splitStratified(data.set, s.valSplit, s.seed)
      // A resumed run keeps the statistics its weights were trained against, even on a folder changed since.
      const a = analyzeGraph(job.model)
      const byDataset = a.byId.get(a.inputId!)!.attrs.normalize === 'dataset'
      let normalize = byDataset ? this.store.normalizationOf(runId) : null
      if (byDataset && !normalize) {
        normalize = channelStats(train)
        this.store.setNormalization(runId, normalize)
      }
      let steps: { step: number; loss: number; accuracy: number }[] = []
      let lastEmit = 0
      const started = performance.now()
      const startEpoch = job.from?.epoch ?? 0
      // 'auto' times a few steps on each device; 'gpu' without one fails the run with the reason.
      let device: 'cpu' | 'gpu' = 'cpu'
      if (s.device && s.device !== 'cpu') {
        const choice = await chooseDevice(analyzeForTraining(job.model), Math.min(s.batchSize, train.count), s.device)
        device = choice.device
        this.store.recordDevice(runId, device, choice.reason)
        this.emit({ type: 'status', runId, status: 'running', message: choice.reason })
      }
      trainer = createTrainer({
        device,
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
      this.recordVerdict(runId, r.status === 'completed' ? judgeRun(this.store.epochs(runId), data.set.classes.length, s.lr) : null)
      ended(r.status, { imagesPerSecond: r.imagesPerSecond, final, error: r.message ?? null })
    } catch (e) {
      ended('failed', { error: e instanceof Error ? e.message : String(e) })
    } finally {
      this.active = null
      await trainer?.close().catch(() => {})
    }
  }
}
