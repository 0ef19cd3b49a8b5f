// The experiment store: models (content-hashed, shared between runs), datasets, runs with their settings
// and status, per-epoch metrics, sampled step losses, checkpoints and final evaluations, in one SQLite file.
import type Database from 'better-sqlite3'
import { createHash, randomBytes } from 'node:crypto'
import { statSync } from 'node:fs'
import type { ModelFile } from '../../../src-engine/core/graph/types.ts'
import { serializeModelFile } from '../../../src-engine/core/graph/index.ts'
import type { EpochEvent } from '../../../src-engine/core/train/types.ts'
import { openDatabase, StoreError } from './open.ts'

export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'stopped' | 'diverged' | 'failed' | 'interrupted'

export interface FinalMetrics {
  valAccuracy?: number
  valLoss?: number
  testAccuracy?: number
  testLoss?: number
}

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
}

export interface EpochRow extends EpochEvent {
  epoch: number
}

const now = () => new Date().toISOString()
/** Sortable by creation: time in base 36, then randomness. */
const newRunId = () => `r_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`

export class Store {
  readonly db: Database.Database
  readonly file: string
  constructor(file: string) {
    this.file = file
    this.db = openDatabase(file)
  }

  close(): void {
    this.db.close()
  }

  /** The model's row id; the same graph (by content) is stored once. */
  saveModel(model: ModelFile): { id: number; hash: string } {
    const json = serializeModelFile({ ...model, layout: undefined })
    const hash = createHash('sha256').update(json).digest('hex').slice(0, 16)
    this.db.prepare('INSERT OR IGNORE INTO models (hash, name, json, created_at) VALUES (?, ?, ?, ?)').run(hash, model.name ?? null, serializeModelFile(model), now())
    const row = this.db.prepare('SELECT id FROM models WHERE hash = ?').get(hash) as { id: number }
    return { id: row.id, hash }
  }

  saveDataset(d: { root: string; fingerprint: string; classes: string[]; counts: number[] }): number {
    this.db.prepare('INSERT OR IGNORE INTO datasets (root, fingerprint, classes, counts, images, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(d.root, d.fingerprint, JSON.stringify(d.classes), JSON.stringify(d.counts), d.counts.reduce((a, b) => a + b, 0), now())
    return (this.db.prepare('SELECT id FROM datasets WHERE root = ? AND fingerprint = ?').get(d.root, d.fingerprint) as { id: number }).id
  }

  createRun(r: { name: string; settings: Record<string, unknown>; modelId: number; datasetId: number | null; testDatasetId?: number | null; splitSeed: number; skipped?: unknown[] }): string {
    const id = newRunId()
    this.db.prepare(`INSERT INTO runs (id, name, status, settings, model_id, dataset_id, test_dataset_id, split_seed, created_at, skipped)
      VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`).run(id, r.name, JSON.stringify(r.settings), r.modelId, r.datasetId, r.testDatasetId ?? null, r.splitSeed, now(), JSON.stringify(r.skipped ?? []))
    return id
  }

  setStatus(runId: string, status: RunStatus, extra: { error?: string | null; imagesPerSecond?: number; final?: FinalMetrics } = {}): void {
    const sets = ['status = @status']
    if (status === 'running') sets.push('started_at = COALESCE(started_at, @now)', 'ended_at = NULL', 'error = NULL')
    if (['completed', 'stopped', 'diverged', 'failed', 'interrupted'].includes(status)) sets.push('ended_at = @now')
    if (extra.error !== undefined) sets.push('error = @error')
    if (extra.imagesPerSecond !== undefined) sets.push('images_per_second = @ips')
    if (extra.final !== undefined) sets.push('final = @final')
    this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run({ id: runId, status, now: now(), error: extra.error ?? null, ips: extra.imagesPerSecond ?? null, final: extra.final ? JSON.stringify(extra.final) : null })
  }

  /** One epoch's metrics, its sampled steps and its checkpoints, in ONE transaction: a crash keeps all or none. */
  recordEpoch(runId: string, e: EpochEvent, steps: { step: number; loss: number; accuracy: number }[], weights: Uint8Array): void {
    this.db.transaction(() => {
      this.db.prepare(`INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, lr, seconds, images_per_second)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(runId, e.epoch, e.trainLoss, e.trainAccuracy, e.valLoss ?? null, e.valAccuracy ?? null, e.lr, e.seconds, e.imagesPerSecond)
      const st = this.db.prepare('INSERT OR REPLACE INTO steps (run_id, epoch, step, loss, accuracy) VALUES (?, ?, ?, ?, ?)')
      for (const s of steps) st.run(runId, e.epoch, s.step, s.loss, s.accuracy)
      const ck = this.db.prepare('INSERT OR REPLACE INTO checkpoints (run_id, kind, epoch, val_accuracy, weights) VALUES (?, ?, ?, ?, ?)')
      ck.run(runId, 'last', e.epoch, e.valAccuracy ?? null, weights)
      const best = this.db.prepare("SELECT val_accuracy FROM checkpoints WHERE run_id = ? AND kind = 'best'").get(runId) as { val_accuracy: number | null } | undefined
      if (!best || (e.valAccuracy ?? -1) > (best.val_accuracy ?? -1)) ck.run(runId, 'best', e.epoch, e.valAccuracy ?? null, weights)
    })()
  }

  checkpoint(runId: string, kind: 'last' | 'best'): { epoch: number; weights: Uint8Array } | null {
    const r = this.db.prepare('SELECT epoch, weights FROM checkpoints WHERE run_id = ? AND kind = ?').get(runId, kind) as { epoch: number; weights: Buffer } | undefined
    return r ? { epoch: r.epoch, weights: new Uint8Array(r.weights) } : null
  }

  saveEvaluation(runId: string, split: string, ev: { loss: number; accuracy: number; confusion: number[][] }, classes: string[]): void {
    const perClass = ev.confusion.map((row, i) => ({ class: classes[i], accuracy: row.reduce((a, b) => a + b, 0) ? row[i] / row.reduce((a, b) => a + b, 0) : null }))
    this.db.prepare('INSERT OR REPLACE INTO evaluations (run_id, split, loss, accuracy, confusion, per_class) VALUES (?, ?, ?, ?, ?, ?)')
      .run(runId, split, ev.loss, ev.accuracy, JSON.stringify(ev.confusion), JSON.stringify(perClass))
  }

  evaluations(runId: string): { split: string; loss: number; accuracy: number; confusion: number[][]; perClass: { class: string; accuracy: number | null }[] }[] {
    return (this.db.prepare('SELECT * FROM evaluations WHERE run_id = ? ORDER BY split').all(runId) as { split: string; loss: number; accuracy: number; confusion: string; per_class: string }[])
      .map((r) => ({ split: r.split, loss: r.loss, accuracy: r.accuracy, confusion: JSON.parse(r.confusion), perClass: JSON.parse(r.per_class) }))
  }

  /** Runs a dead process left running, paused or queued become `interrupted`, keeping what they recorded. */
  markInterrupted(): string[] {
    const ids = (this.db.prepare("SELECT id FROM runs WHERE status IN ('running', 'paused', 'queued')").all() as { id: string }[]).map((r) => r.id)
    for (const id of ids) this.setStatus(id, 'interrupted', { error: 'the studio stopped while this run was in progress; what it had recorded is kept, and it can be resumed from its last checkpoint' })
    return ids
  }

  private row(r: Record<string, unknown>): RunRow {
    return {
      runId: r.id as string, name: r.name as string, status: r.status as RunStatus, settings: JSON.parse(r.settings as string),
      model: (r.model_name as string) ?? 'model', modelHash: r.model_hash as string, dataset: (r.dataset_root as string) ?? null,
      createdAt: r.created_at as string, startedAt: (r.started_at as string) ?? null, endedAt: (r.ended_at as string) ?? null,
      imagesPerSecond: (r.images_per_second as number) ?? null, error: (r.error as string) ?? null, notes: r.notes as string,
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

  steps(runId: string): { epoch: number; step: number; loss: number; accuracy: number }[] {
    return this.db.prepare('SELECT epoch, step, loss, accuracy FROM steps WHERE run_id = ? ORDER BY epoch, step').all(runId) as { epoch: number; step: number; loss: number; accuracy: number }[]
  }

  deleteRun(runId: string): void {
    const r = this.db.prepare('DELETE FROM runs WHERE id = ?').run(runId)
    if (r.changes === 0) throw new StoreError('NOT_FOUND', `no run '${runId}'`)
    this.db.prepare('DELETE FROM models WHERE id NOT IN (SELECT model_id FROM runs)').run()
  }

  /** Gives the space of deleted runs back to the file system. */
  vacuum(): { before: number; after: number } {
    const size = () => statSync(this.file).size
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    const before = size()
    this.db.exec('VACUUM')
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    return { before, after: size() }
  }
}
