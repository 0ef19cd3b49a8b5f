// The experiment store: models (content-hashed, shared between runs), datasets, runs with their settings
// and status, per-epoch metrics, sampled step losses, checkpoints and final evaluations, in one SQLite file.
import type Database from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import type { ModelFile } from '../../../src-engine/core/graph/types.ts'
import { serializeModelFile } from '../../../src-engine/core/graph/index.ts'
import type { EpochEvent } from '../../../src-engine/core/train/types.ts'
import { openDatabase, StoreError, translate, type OpenOptions } from './open.ts'
import { describeOwner, heldElsewhere, ownerState, thisProcess, type Owner } from './owner.ts'
import { ENDED_STATUSES, IN_PROGRESS_STATUSES, type CheckpointKind, type FinalMetrics, type RunStatus, type StepColumns } from '../../api/contract.ts'
import type { Verdict } from '../verdict.ts'

/** A run in one of these states has an owner process that must be alive for the state to be true. */
export const IN_PROGRESS: readonly RunStatus[] = IN_PROGRESS_STATUSES
const ENDED: readonly RunStatus[] = ENDED_STATUSES
/** The in-progress states as an SQL list. */
const IN_PROGRESS_SQL = IN_PROGRESS_STATUSES.map((s) => `'${s}'`).join(', ')

/** A resume that went ahead although the data had changed (`--force-data`), kept with the run. */
export interface ForcedResume {
  at: string
  changes: string[]
}

export interface Normalization { mean: number[]; std: number[] }

export interface RunRow {
  runId: string
  name: string
  status: RunStatus
  settings: Record<string, unknown>
  model: string
  modelHash: string
  dataset: string | null
  createdAt: string
  startedAt: string | null
  endedAt: string | null
  imagesPerSecond: number | null
  error: string | null
  notes: string
  tags: string[]
  starred: boolean
  final: FinalMetrics | null
  skipped: { path: string; reason: string }[]
  /** The process that trains (or last trained) the run, and its last heartbeat (ms since 1970). */
  owner: (Owner & { heartbeatAt: number | null }) | null
  /** For a run in progress: whether its owner is this process. */
  ownedHere: boolean
  dataForced: ForcedResume[]
  datasetId: number | null
  /** Set when a completed run did not learn (schema 6; null before, or for a run that learnt). */
  verdict: Verdict | null
  /** The seed group the run was queued in (schema 7; null for a run trained alone). */
  group: string | null
  /** Set for a run trained elsewhere and imported (schema 8; null for the studio's own). */
  origin: RunOrigin | null
}

/**
 * A run trained elsewhere (the exported PyTorch script's run folder) and imported: where and how it was
 * trained. Null for the studio's own runs.
 */
export interface RunOrigin {
  kind: 'imported'
  /** The run folder as it was imported, and when. */
  folder: string
  importedAt: string
  /** The folder's identity (its run.json id), so the same run is not imported twice. */
  fingerprint: string
  /** The studio run the script was exported from, if any. */
  exportedFrom: string | null
  torch: string | null
  worldSize: number
  devices: string[]
  /** The status the folder recorded (running for a job killed mid-way). */
  folderStatus: string
}

/** An imported run's rows, written by `Store.insertImportedRun` in one transaction. */
export interface ImportedRun {
  name: string
  model: ModelFile
  dataset: { root: string; fingerprint: string; classes: string[]; counts: number[] }
  settings: Record<string, unknown>
  splitSeed: number
  status: RunStatus
  error: string | null
  startedAt: string | null
  endedAt: string | null
  final: FinalMetrics
  imagesPerSecond: number | null
  normalization: Normalization | null
  epochs: { event: EpochEvent; steps: { step: number; loss: number; accuracy: number }[] }[]
  checkpoints: { kind: CheckpointKind; epoch: number; valAccuracy: number | null; weights: Uint8Array }[]
  origin: RunOrigin
}

export interface EpochRow extends EpochEvent {
  epoch: number
}

const now = () => new Date().toISOString()
const sig7 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(7)) : v)

/**
 * Refuses text that is not valid Unicode (a lone UTF-16 surrogate, as a cut emoji leaves): SQLite stores
 * text as UTF-8, where it would silently become U+FFFD, so what was typed would not come back.
 */
function assertWellFormed(what: string, text: string): void {
  const at = LONE_SURROGATE.exec(text)?.index
  if (at === undefined) return
  throw new StoreError('INVALID', `${what} has half of a character at position ${at + 1} (a lone surrogate U+${text.charCodeAt(at).toString(16).toUpperCase()}, as a cut emoji leaves): it cannot be stored as it is; remove it or type the character again`)
}
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Sortable by creation: time in base 36, then randomness. */
const newRunId = () => `r_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`

export class Store {
  readonly db: Database.Database
  readonly file: string
  readonly readonly: boolean
  /** What the user should know about the file that did not stop a read (a failed integrity check). */
  readonly warnings: string[]
  constructor(file: string, opts: OpenOptions = {}) {
    this.file = file
    const o = openDatabase(file, opts)
    this.db = o.db
    this.readonly = o.readonly
    this.warnings = o.warnings
  }

  /** Runs `fn`, turning what SQLite throws (a full disk above all) into a StoreError that says what to do. */
  private write<T>(fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      if (e instanceof StoreError) throw e
      if ((e as { code?: string }).code?.startsWith('SQLITE_')) translate(this.file, e)
      throw e
    }
  }

  close(): void {
    this.db.close()
  }

  /** The model's row id; the same graph (by content) is stored once. */
  saveModel(model: ModelFile): { id: number; hash: string } {
    const json = serializeModelFile({ ...model, layout: undefined })
    const hash = createHash('sha256').update(json).digest('hex').slice(0, 16)
    this.write(() => this.db.prepare('INSERT OR IGNORE INTO models (hash, name, json, created_at) VALUES (?, ?, ?, ?)').run(hash, model.name ?? null, serializeModelFile(model), now()))
    const row = this.db.prepare('SELECT id FROM models WHERE hash = ?').get(hash) as { id: number }
    return { id: row.id, hash }
  }

  saveDataset(d: { root: string; fingerprint: string; classes: string[]; counts: number[] }): number {
    this.write(() => this.db.prepare('INSERT OR IGNORE INTO datasets (root, fingerprint, classes, counts, images, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.root, d.fingerprint, JSON.stringify(d.classes), JSON.stringify(d.counts), d.counts.reduce((a, b) => a + b, 0), now()))
    return (this.db.prepare('SELECT id FROM datasets WHERE root = ? AND fingerprint = ?').get(d.root, d.fingerprint) as { id: number }).id
  }

  createRun(r: { name: string; settings: Record<string, unknown>; modelId: number; datasetId: number | null; testDatasetId?: number | null; splitSeed: number; skipped?: unknown[]; group?: string | null }): string {
    assertWellFormed('the run name', r.name)
    if (r.group) assertWellFormed('the run group', r.group)
    const id = newRunId()
    const me = thisProcess()
    this.write(() => this.db.prepare(`INSERT INTO runs (id, name, status, settings, model_id, dataset_id, test_dataset_id, split_seed, created_at, skipped, owner, owner_instance, heartbeat_at, group_id)
      VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, r.name, JSON.stringify(r.settings), r.modelId, r.datasetId, r.testDatasetId ?? null, r.splitSeed, now(), JSON.stringify(r.skipped ?? []),
      JSON.stringify(me), me.instance, Date.now(), r.group ?? null))
    return id
  }

  /** Throws IN_USE naming the owner when `run` is in progress in another live process (or in this one, unless `here` is allowed). */
  assertNotOwnedElsewhere(run: RunRow, doing: string, allowHere = false): void {
    if (!IN_PROGRESS.includes(run.status)) return
    // In progress without an owner: an older studio's run that row() did not judge gone (owner.ts).
    if (!run.owner) throw new StoreError('IN_USE', `run ${run.runId} is ${run.status} in an older CNN Studio, which records no owner: another process has the database open and the run's last progress is recent, so it may still be training; you cannot ${doing} it from here: stop it in that studio first, or close it (the run is taken as interrupted once nothing else has the file open, or after an hour without progress)`)
    if (run.ownedHere) {
      if (allowHere) return
      throw new StoreError('IN_USE', `run ${run.runId} is ${run.status} in this studio; stop it before you ${doing} it`)
    }
    throw new StoreError('IN_USE', `run ${run.runId} is ${run.status} in another process: ${describeOwner(run.owner, run.owner.heartbeatAt)}; you cannot ${doing} it from here: stop it there first (Ctrl-C in its terminal, or Stop in the studio that runs it), or wait for it to finish`)
  }

  /**
   * Makes this process the owner of a run that no live process owns (to resume it): one IMMEDIATE transaction
   * re-reads the owner under the write lock, so two processes resuming at once cannot both win.
   */
  claim(runId: string, doing = 'resume'): void {
    const me = thisProcess()
    this.write(() => this.db.transaction(() => {
      this.assertNotOwnedElsewhere(this.getRun(runId), doing)
      this.db.prepare("UPDATE runs SET owner = ?, owner_instance = ?, heartbeat_at = ?, status = 'queued', ended_at = NULL WHERE id = ?").run(JSON.stringify(me), me.instance, Date.now(), runId)
    }).immediate())
  }

  /** Refreshes the heartbeat of every run in progress that this process owns. */
  heartbeat(): void {
    this.write(() => this.db.prepare(`UPDATE runs SET heartbeat_at = ? WHERE owner_instance = ? AND status IN (${IN_PROGRESS_SQL})`).run(Date.now(), thisProcess().instance))
  }

  /** Records that a resume went past changed data, with what changed; the run continues on `datasetId`. */
  recordForced(runId: string, changes: string[], datasetId: number): void {
    const forced = [...this.getRun(runId).dataForced, { at: now(), changes }]
    this.write(() => this.db.prepare('UPDATE runs SET data_forced = ?, dataset_id = ? WHERE id = ?').run(JSON.stringify(forced), datasetId, runId))
  }

  /** The stored classes and fingerprint of a run's dataset. */
  datasetOf(runId: string): { root: string; fingerprint: string; classes: string[]; counts: number[] } | null {
    const r = this.db.prepare('SELECT d.root, d.fingerprint, d.classes, d.counts FROM runs JOIN datasets d ON d.id = runs.dataset_id WHERE runs.id = ?').get(runId) as { root: string; fingerprint: string; classes: string; counts: string } | undefined
    return r ? { root: r.root, fingerprint: r.fingerprint, classes: JSON.parse(r.classes), counts: JSON.parse(r.counts) } : null
  }

  /** The per-channel statistics a run normalises its inputs with (input `normalize: dataset`), kept once set. */
  /** The device a run trained on and why (settings.device 'auto' or 'gpu' resolved), kept with its settings. */
  recordDevice(runId: string, device: 'cpu' | 'gpu', reason: string): void {
    this.write(() => this.db.prepare("UPDATE runs SET settings = json_set(settings, '$.deviceUsed', ?, '$.deviceReason', ?) WHERE id = ?").run(device, reason, runId))
  }

  setNormalization(runId: string, n: Normalization): void {
    this.write(() => this.db.prepare('UPDATE runs SET normalization = ? WHERE id = ? AND normalization IS NULL').run(JSON.stringify({ mean: n.mean, std: n.std }), runId))
  }

  /** Null for a run without dataset normalisation, or one recorded before schema 4 (then they are recomputed). */
  normalizationOf(runId: string): Normalization | null {
    // A file of an older schema opened read-only is not migrated: it has no such column, and no statistics.
    if ((this.db.pragma('user_version', { simple: true }) as number) < 4) return null
    const r = this.db.prepare('SELECT normalization AS n FROM runs WHERE id = ?').get(runId) as { n: string | null } | undefined
    return r?.n ? JSON.parse(r.n) : null
  }

  /** Sets a run's status. The training service passes `mine`, so a run another process took over is left alone (returns false). */
  setStatus(runId: string, status: RunStatus, extra: { error?: string | null; imagesPerSecond?: number; final?: FinalMetrics } = {}, mine = false): boolean {
    const sets = ['status = @status']
    if (status === 'running') sets.push('started_at = COALESCE(started_at, @now)', 'ended_at = NULL', 'error = NULL')
    if (ENDED.includes(status)) sets.push('ended_at = @now')
    if (extra.error !== undefined) sets.push('error = @error')
    if (extra.imagesPerSecond !== undefined) sets.push('images_per_second = @ips')
    if (extra.final !== undefined) sets.push('final = @final')
    const guard = mine ? ' AND owner_instance = @me' : ''
    const r = this.write(() => this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id${guard}`)
      .run({ id: runId, status, now: now(), error: extra.error ?? null, ips: extra.imagesPerSecond ?? null, final: extra.final ? JSON.stringify(extra.final) : null, ...(mine ? { me: thisProcess().instance } : {}) }))
    return r.changes > 0
  }

  /** One epoch's metrics, its sampled steps and its checkpoints, in ONE transaction: a crash keeps all or none. */
  recordEpoch(runId: string, e: EpochEvent, steps: { step: number; loss: number; accuracy: number }[], weights: Uint8Array): void {
    this.write(() => this.db.transaction(() => {
      // Fencing: a process that lost its run (judged gone, and the run resumed elsewhere) must not write into it.
      const owner = this.db.prepare('SELECT owner_instance FROM runs WHERE id = ?').get(runId) as { owner_instance: string | null } | undefined
      if (owner?.owner_instance && owner.owner_instance !== thisProcess().instance) {
        throw new StoreError('IN_USE', `run ${runId} was taken over by another process (its heartbeat here had stopped for over a minute); this process stops training it`)
      }
      this.db.prepare(`INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds, images_per_second)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(runId, e.epoch, e.trainLoss, e.trainAccuracy, e.valLoss ?? null, e.valAccuracy ?? null, e.lr, e.seconds, e.imagesPerSecond)
      const st = this.db.prepare('INSERT OR REPLACE INTO steps (run_id, epoch, step, loss, accuracy) VALUES (?, ?, ?, ?, ?)')
      // To float32's 7 significant digits, the engine's precision: more are noise that only lengthens every read.
      for (const s of steps) st.run(runId, e.epoch, s.step, sig7(s.loss), sig7(s.accuracy))
      const ck = this.db.prepare('INSERT OR REPLACE INTO checkpoints (run_id, kind, epoch, val_accuracy, weights) VALUES (?, ?, ?, ?, ?)')
      ck.run(runId, 'last', e.epoch, e.valAccuracy ?? null, weights)
      const best = this.db.prepare("SELECT val_accuracy FROM checkpoints WHERE run_id = ? AND kind = 'best'").get(runId) as { val_accuracy: number | null } | undefined
      if (!best || (e.valAccuracy ?? -1) > (best.val_accuracy ?? -1)) ck.run(runId, 'best', e.epoch, e.valAccuracy ?? null, weights)
      this.db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now(), runId)
    }).immediate())
  }

  checkpoint(runId: string, kind: CheckpointKind): { epoch: number; weights: Uint8Array } | null {
    const r = this.db.prepare('SELECT epoch, weights FROM checkpoints WHERE run_id = ? AND kind = ?').get(runId, kind) as { epoch: number; weights: Buffer } | undefined
    return r ? { epoch: r.epoch, weights: new Uint8Array(r.weights) } : null
  }

  saveEvaluation(runId: string, split: string, ev: { loss: number; accuracy: number; confusion: number[][] }, classes: string[]): void {
    const perClass = ev.confusion.map((row, i) => ({ class: classes[i], accuracy: row.reduce((a, b) => a + b, 0) ? row[i] / row.reduce((a, b) => a + b, 0) : null }))
    this.write(() => this.db.prepare('INSERT OR REPLACE INTO evaluations (run_id, split, loss, accuracy, confusion, per_class) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, split, ev.loss, ev.accuracy, JSON.stringify(ev.confusion), JSON.stringify(perClass)))
  }

  evaluations(runId: string): { split: string; loss: number; accuracy: number; confusion: number[][]; perClass: { class: string; accuracy: number | null }[] }[] {
    return (this.db.prepare('SELECT * FROM evaluations WHERE run_id = ? ORDER BY split').all(runId) as { split: string; loss: number; accuracy: number; confusion: string; per_class: string }[])
      .map((r) => ({ split: r.split, loss: r.loss, accuracy: r.accuracy, confusion: JSON.parse(r.confusion), perClass: JSON.parse(r.per_class) }))
  }

  /**
   * Writes `interrupted` on the runs in progress whose owner is gone (every reader already shows them so),
   * keeping what they recorded. A run another live process trains is left alone.
   */
  markInterrupted(): string[] {
    const ids: string[] = []
    for (const r of this.db.prepare(`SELECT id FROM runs WHERE status IN (${IN_PROGRESS_SQL})`).all() as { id: string }[]) {
      this.write(() => this.db.transaction(() => {
        const run = this.getRun(r.id) // re-read under the write lock: the owner may have just refreshed it
        if (run.status !== 'interrupted') return
        this.db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = ?, error = ? WHERE id = ? AND status IN (${IN_PROGRESS_SQL})`).run(now(), run.error, r.id)
        ids.push(r.id)
      }).immediate())
    }
    return ids
  }

  /** A row as it is now: a run in progress whose owner is gone reads as `interrupted`, with why. */
  private row(r: Record<string, unknown>): RunRow {
    let status = r.status as RunStatus
    let error = (r.error as string) ?? null
    const owner = r.owner ? { ...(JSON.parse(r.owner as string) as Owner), heartbeatAt: (r.heartbeat_at as number) ?? null } : null
    const ownedHere = !!owner && owner.instance === thisProcess().instance
    if (IN_PROGRESS.includes(status)) {
      const s = ownerState(owner, owner?.heartbeatAt ?? (r.heartbeat_at as number | undefined) ?? null, Date.now(), () => heldElsewhere(this.file))
      if (!s.alive) {
        status = 'interrupted'
        error = `${s.why}: the run was interrupted; what it had recorded is kept, and it can be resumed from its last checkpoint (cnn-studio runs resume ${r.id as string})`
      }
    }
    return {
      owner, ownedHere, dataForced: JSON.parse((r.data_forced as string) ?? '[]'), datasetId: (r.dataset_id as number) ?? null,
      verdict: r.verdict ? JSON.parse(r.verdict as string) : null, group: (r.group_id as string | undefined) ?? null,
      origin: r.origin ? JSON.parse(r.origin as string) : null,
      runId: r.id as string, name: r.name as string, status, settings: JSON.parse(r.settings as string),
      model: (r.model_name as string) ?? 'model', modelHash: r.model_hash as string, dataset: (r.dataset_root as string) ?? null,
      createdAt: r.created_at as string, startedAt: (r.started_at as string) ?? null, endedAt: (r.ended_at as string) ?? null,
      imagesPerSecond: (r.images_per_second as number) ?? null, error, notes: r.notes as string,
      tags: JSON.parse(r.tags as string), starred: !!r.starred, final: r.final ? JSON.parse(r.final as string) : null, skipped: JSON.parse(r.skipped as string),
    }
  }

  private static SELECT = `SELECT runs.*, models.name AS model_name, models.hash AS model_hash, datasets.root AS dataset_root
    FROM runs JOIN models ON models.id = runs.model_id LEFT JOIN datasets ON datasets.id = runs.dataset_id`

  /** Newest first; runs created in the same millisecond keep their insertion order (rowid). */
  listRuns(): RunRow[] {
    return (this.db.prepare(`${Store.SELECT} ORDER BY runs.created_at DESC, runs.rowid DESC`).all() as Record<string, unknown>[]).map((r) => this.row(r))
  }

  /** A run by id, or `latest`; throws StoreError NOT_FOUND naming what was asked. */
  getRun(ref: string): RunRow {
    const r = (ref === 'latest'
      ? this.db.prepare(`${Store.SELECT} ORDER BY runs.created_at DESC, runs.rowid DESC LIMIT 1`).get()
      : this.db.prepare(`${Store.SELECT} WHERE runs.id = ?`).get(ref)) as Record<string, unknown> | undefined
    if (!r) throw new StoreError('NOT_FOUND', ref === 'latest' ? `there are no runs in ${this.file} yet` : `no run '${ref}' in ${this.file} (see: cnn-studio runs list)`)
    return this.row(r)
  }

  modelOf(runId: string): ModelFile {
    return JSON.parse((this.db.prepare('SELECT models.json FROM runs JOIN models ON models.id = runs.model_id WHERE runs.id = ?').get(runId) as { json: string }).json)
  }

  epochs(runId: string): EpochRow[] {
    return (this.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(runId) as Record<string, number | null>[]).map((e) => ({
      epoch: e.epoch!, trainLoss: e.train_loss!, trainAccuracy: e.train_accuracy!, ...(e.val_loss !== null ? { valLoss: e.val_loss } : {}),
      ...(e.val_accuracy !== null ? { valAccuracy: e.val_accuracy } : {}), lr: e.lr!, seconds: e.seconds!, imagesPerSecond: e.images_per_second!,
    }))
  }

  /**
   * A run's sampled steps, one array a field, as charts take them: a row object a step made a comparison
   * of ten long runs send three times the bytes.
   */
  steps(runId: string): StepColumns {
    const rows = this.db.prepare('SELECT epoch, step, loss, accuracy FROM steps WHERE run_id = ? ORDER BY epoch, step').raw().all(runId) as [number, number, number | null, number | null][]
    const out: StepColumns = { epoch: new Array(rows.length), step: new Array(rows.length), loss: new Array(rows.length), accuracy: new Array(rows.length) }
    rows.forEach(([epoch, step, loss, accuracy], i) => {
      out.epoch[i] = epoch
      out.step[i] = step
      out.loss[i] = loss
      out.accuracy[i] = accuracy
    })
    return out
  }

  /** Rename, star, tag or annotate a run; fields left out keep their value. Throws NOT_FOUND. */
  updateRun(runId: string, patch: { name?: string; starred?: boolean; tags?: string[]; note?: string }): RunRow {
    if (patch.name !== undefined) assertWellFormed(`the name of run ${runId}`, patch.name)
    if (patch.note !== undefined) assertWellFormed(`the note of run ${runId}`, patch.note)
    for (const t of patch.tags ?? []) assertWellFormed(`a tag of run ${runId}`, t)
    // Tags are kept unique, in the order given.
    const values: Record<string, unknown> = {
      name: patch.name, starred: patch.starred === undefined ? undefined : patch.starred ? 1 : 0,
      tags: patch.tags && JSON.stringify([...new Set(patch.tags)]), notes: patch.note,
    }
    const sets = Object.keys(values).filter((k) => values[k] !== undefined).map((k) => `${k} = @${k}`)
    for (const k of Object.keys(values)) if (values[k] === undefined) delete values[k]
    values.id = runId
    if (sets.length && this.write(() => this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(values)).changes === 0) throw new StoreError('NOT_FOUND', `no run '${runId}'`)
    return this.getRun(runId)
  }

  /** Deletes a run and its records; refused (IN_USE) while it is in progress, here or in another live process. */
  deleteRun(runId: string): void {
    this.write(() => this.db.transaction(() => {
      this.assertNotOwnedElsewhere(this.getRun(runId), 'delete')
      const r = this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId)
      if (r.changes === 0) throw new StoreError('NOT_FOUND', `no run '${runId}'`)
      this.db.prepare('DELETE FROM models WHERE id NOT IN (SELECT model_id FROM runs)').run()
    }).immediate())
  }

  /** The run imported from the folder of this identity (RunOrigin.fingerprint), if any. */
  importedRunOf(fingerprint: string): string | null {
    if ((this.db.pragma('user_version', { simple: true }) as number) < 8) return null
    return (this.db.prepare('SELECT id FROM runs WHERE import_fingerprint = ?').get(fingerprint) as { id: string } | undefined)?.id ?? null
  }

  /**
   * A run trained elsewhere, with its model, dataset, epochs, sampled steps and checkpoints, in ONE
   * transaction: a refusal or a failure leaves the database as it was. It has no owner (it trains nowhere).
   */
  insertImportedRun(r: ImportedRun): string {
    assertWellFormed('the run name', r.name)
    const id = newRunId()
    this.write(() => this.db.transaction(() => {
      if (this.importedRunOf(r.origin.fingerprint)) throw new StoreError('INVALID', `this run folder was imported already, as run ${this.importedRunOf(r.origin.fingerprint)}`)
      const modelId = this.saveModel(r.model).id
      const datasetId = this.saveDataset(r.dataset)
      this.db.prepare(`INSERT INTO runs (id, name, status, settings, model_id, dataset_id, split_seed, created_at, started_at, ended_at, images_per_second, error, final, origin, import_fingerprint)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, r.name, r.status, JSON.stringify(r.settings), modelId, datasetId, r.splitSeed, now(), r.startedAt, r.endedAt,
        r.imagesPerSecond, r.error, JSON.stringify(r.final), JSON.stringify(r.origin), r.origin.fingerprint)
      if (r.normalization) this.db.prepare('UPDATE runs SET normalization = ? WHERE id = ?').run(JSON.stringify(r.normalization), id)
      const ep = this.db.prepare(`INSERT INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds, images_per_second) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      const st = this.db.prepare('INSERT OR REPLACE INTO steps (run_id, epoch, step, loss, accuracy) VALUES (?, ?, ?, ?, ?)')
      for (const { event: e, steps } of r.epochs) {
        ep.run(id, e.epoch, e.trainLoss, e.trainAccuracy, e.valLoss ?? null, e.valAccuracy ?? null, e.lr, e.seconds, e.imagesPerSecond)
        for (const s of steps) st.run(id, e.epoch, s.step, sig7(s.loss), sig7(s.accuracy))
      }
      const ck = this.db.prepare('INSERT INTO checkpoints (run_id, kind, epoch, val_accuracy, weights) VALUES (?, ?, ?, ?, ?)')
      for (const c of r.checkpoints) ck.run(id, c.kind, c.epoch, c.valAccuracy, c.weights)
    }).immediate())
    return id
  }

  /** Schema 6 added verdicts and stored evaluations; an older file opened read-only has neither. */
  private get hasSchema6(): boolean {
    return (this.db.pragma('user_version', { simple: true }) as number) >= 6
  }

  /** Records (or clears, with null) the end-of-run verdict. */
  setVerdict(runId: string, v: Verdict | null): void {
    this.write(() => this.db.prepare('UPDATE runs SET verdict = ? WHERE id = ?').run(v ? JSON.stringify(v) : null, runId))
  }

  /** Each run's last epoch and its best-checkpoint epoch, with their validation accuracy (one run, or all). */
  epochMarks(runId?: string): Map<string, { last: { epoch: number; valAccuracy: number | null } | null; best: { epoch: number; valAccuracy: number | null } | null }> {
    const where = runId ? ' WHERE run_id = ?' : ''
    const args = runId ? [runId] : []
    const out = new Map<string, { last: { epoch: number; valAccuracy: number | null } | null; best: { epoch: number; valAccuracy: number | null } | null }>()
    const mark = (id: string) => out.get(id) ?? (out.set(id, { last: null, best: null }), out.get(id)!)
    const last = this.db.prepare(`SELECT e.run_id AS id, e.epoch, e.val_accuracy AS acc FROM epochs e JOIN (SELECT run_id, MAX(epoch) AS m FROM epochs${where} GROUP BY run_id) x ON x.run_id = e.run_id AND x.m = e.epoch`).all(...args) as { id: string; epoch: number; acc: number | null }[]
    for (const r of last) mark(r.id).last = { epoch: r.epoch, valAccuracy: r.acc }
    const best = this.db.prepare(`SELECT run_id AS id, epoch, val_accuracy AS acc FROM checkpoints WHERE kind = 'best'${where ? ' AND run_id = ?' : ''}`).all(...args) as { id: string; epoch: number; acc: number | null }[]
    for (const r of best) mark(r.id).best = { epoch: r.epoch, valAccuracy: r.acc }
    return out
  }

  /** The stored evaluation (a JSON report) of a run's checkpoint on a split, with the epoch it was made at. */
  storedEvaluation(runId: string, split: string, checkpoint: string): { epoch: number; report: string } | null {
    if (!this.hasSchema6) return null
    return (this.db.prepare('SELECT epoch, report FROM stored_evaluations WHERE run_id = ? AND split = ? AND checkpoint = ?').get(runId, split, checkpoint) as { epoch: number; report: string } | undefined) ?? null
  }

  saveStoredEvaluation(runId: string, split: string, checkpoint: string, epoch: number, report: string): void {
    this.write(() => this.db.prepare('INSERT OR REPLACE INTO stored_evaluations (run_id, split, checkpoint, epoch, report) VALUES (?, ?, ?, ?, ?)').run(runId, split, checkpoint, epoch, report))
  }

  /**
   * Gives the space of deleted runs back to the file system. `heldBy`: the file could not shrink because
   * another connection is reading it (its snapshot keeps the rewritten pages in the write-ahead log, so the
   * checkpoint cannot complete); the space comes back at a later checkpoint, once it lets go. Throws a
   * StoreError (DISK_FULL above all: VACUUM writes the whole database again).
   */
  vacuum(): { before: number; after: number; heldBy: 'another connection' | null } {
    const size = () => statSync(this.file).size
    const checkpoint = () => (this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[])[0]
    return this.write(() => {
      checkpoint()
      const before = size()
      this.db.exec('VACUUM')
      const c = checkpoint()
      return { before, after: size(), heldBy: c && (c.busy !== 0 || c.checkpointed < c.log) ? 'another connection' : null }
    })
  }
}
