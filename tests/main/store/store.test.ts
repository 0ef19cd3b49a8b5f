// The experiment store on real SQLite files: migrations, records, cascading deletes and vacuum, and the
// files it must refuse without touching them.
import Database from 'better-sqlite3'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../../src-main/services/store/store.ts'
import { APPLICATION_ID, migrate, SCHEMA_VERSION, StoreError } from '../../../src-main/services/store/open.ts'
import { chainModel } from '../../helpers/graphs.ts'
import { thrown } from '../../helpers/errors.ts'

const tmp = () => mkdtempSync(join(tmpdir(), 'cnn-store-'))
const model = chainModel([8, 8, 1], [['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])
const epoch = (n: number, val: number) => ({ epoch: n, trainLoss: 1 / n, trainAccuracy: 0.5, valLoss: 1 / n, valAccuracy: val, lr: 0.01, seconds: 1, imagesPerSecond: 100 })

function refusal(file: string): StoreError {
  try {
    new Store(file).close()
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError)
    return e as StoreError
  }
  throw new Error('expected a StoreError')
}

describe('migrations', () => {
  it('an empty file migrates to the latest schema, in WAL mode with foreign keys on', () => {
    const s = new Store(join(tmp(), 'a.db'))
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1)
    s.close()
  })

  /** A file of the previous schema version with one run in it, as the studio before left it. */
  function previousVersionFile(name: string): string {
    const file = join(tmp(), name)
    const db = new Database(file)
    migrate(db, SCHEMA_VERSION - 1)
    db.prepare("INSERT INTO models (hash, name, json, created_at) VALUES ('h', 'm', '{}', 'now')").run()
    db.prepare("INSERT INTO runs (id, name, status, settings, model_id, split_seed, created_at) VALUES ('r_old', 'old run', 'completed', '{}', 1, 1, '2026-01-01')").run()
    db.close()
    return file
  }

  it('a file at the previous version migrates forward, keeping its runs', () => {
    const s = new Store(previousVersionFile('old.db'))
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(s.getRun('r_old').name).toBe('old run')
    expect(s.db.prepare("SELECT name FROM sqlite_master WHERE name = 'runs_created'").get()).toBeDefined()
    s.close()
  })

  it('a file at the previous version opened read-only (not migrated) still reads its runs and their normalisation', () => {
    const s = new Store(previousVersionFile('old-ro.db'), { readonly: true })
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION - 1)
    expect(s.getRun('r_old').name).toBe('old run')
    expect(s.normalizationOf('r_old')).toBeNull() // recomputed from the folder, as before schema 4
    expect(s.steps('r_old')).toEqual({ epoch: [], step: [], loss: [], accuracy: [] })
    s.close()
  })
})

describe('records', () => {
  it('a note, name or tag with a lone surrogate is refused, naming where; whole characters come back as typed (issue 21)', () => {
    const s = new Store(join(tmp(), 'n.db'))
    const id = s.createRun({ name: 'n', settings: {}, modelId: s.saveModel(model).id, datasetId: null, splitSeed: 1 })
    const cut = 'ok \u{1F600}'.slice(0, -1) // an emoji cut in half: its high surrogate alone
    const cases: [Parameters<Store['updateRun']>[1], string][] = [[{ note: cut }, `the note of run ${id}`], [{ name: '\uDE00x' }, `the name of run ${id}`], [{ tags: ['a', cut] }, `a tag of run ${id}`]]
    for (const [patch, what] of cases) {
      const err = thrown(() => s.updateRun(id, patch), StoreError)
      expect(err.code).toBe('INVALID')
      expect(err.message).toMatch(new RegExp(`^${what} has half of a character at position \\d+ \\(a lone surrogate U\\+D[8-F][0-9A-F]{2}`))
    }
    expect(s.getRun(id).notes).toBe('')
    const text = 'caf\u00e9 \u{1F600} \u{1D11E}'
    expect(s.updateRun(id, { note: text }).notes).toBe(text)
    s.close()
  })

  it('shares one model row between runs of the same graph; epochs and checkpoints in one transaction', () => {
    const s = new Store(join(tmp(), 'r.db'))
    const m1 = s.saveModel(model), m2 = s.saveModel({ ...model, layout: { f: { x: 1, y: 1 } } })
    expect(m2.id).toBe(m1.id) // layout is not the graph
    const a = s.createRun({ name: 'a', settings: { lr: 0.1 }, modelId: m1.id, datasetId: null, splitSeed: 1 })
    s.setStatus(a, 'running')
    s.recordEpoch(a, epoch(1, 0.6), [{ step: 1, loss: 1, accuracy: 0.5 }], Uint8Array.of(1))
    s.recordEpoch(a, epoch(2, 0.5), [{ step: 1, loss: 0.5, accuracy: 0.6 }], Uint8Array.of(2))
    expect(s.epochs(a).map((e) => e.epoch)).toEqual([1, 2])
    expect(s.checkpoint(a, 'last')).toEqual({ epoch: 2, weights: Uint8Array.of(2) })
    expect(s.checkpoint(a, 'best')).toEqual({ epoch: 1, weights: Uint8Array.of(1) }) // best validation accuracy
    expect(s.getRun('latest').runId).toBe(a)
    // runs created within one millisecond still list newest first
    const later = Array.from({ length: 5 }, (_, i) => s.createRun({ name: `b${i}`, settings: {}, modelId: m1.id, datasetId: null, splitSeed: 1 }))
    expect(s.listRuns().map((r) => r.runId)).toEqual([...later.reverse(), a])
    expect(s.getRun('latest').runId).toBe(later[0])
    expect(() => s.getRun('r_nope')).toThrow(/no run 'r_nope'/)
    s.close()
  })

  it('runs a dead process left running, paused or queued become interrupted, keeping their epochs; this process\'s own stay', () => {
    const file = join(tmp(), 'i.db')
    const s = new Store(file)
    const m = s.saveModel(model)
    const ids = ['running', 'paused', 'queued', 'completed', 'running'].map((st) => {
      const id = s.createRun({ name: st, settings: {}, modelId: m.id, datasetId: null, splitSeed: 1 })
      s.setStatus(id, st as 'running')
      return id
    })
    s.recordEpoch(ids[0], epoch(1, 0.5), [], Uint8Array.of(9))
    // The first four were trained by a process that is gone: a pid no process has, on this host.
    const gone = JSON.stringify({ host: hostname(), pid: 2 ** 22 + 1, start: null, label: 'cnn-studio train', instance: 'dead' })
    s.db.prepare('UPDATE runs SET owner = ?, owner_instance = ? WHERE id IN (?, ?, ?, ?)').run(gone, 'dead', ...ids.slice(0, 4))
    expect(s.getRun(ids[0]).status).toBe('interrupted') // every reader sees it so before anyone writes it
    expect(s.getRun(ids[0]).error).toMatch(/pid 4194305\) is gone/)
    expect(s.markInterrupted().sort()).toEqual(ids.slice(0, 3).sort())
    expect(s.getRun(ids[3]).status).toBe('completed')
    expect(s.getRun(ids[4]).status).toBe('running') // this process trains it
    expect(s.epochs(ids[0])).toHaveLength(1)
    s.close()
  })

  it('deleting a run removes its rows and blobs; vacuum gives the space back', () => {
    const file = join(tmp(), 'd.db')
    const s = new Store(file)
    const m = s.saveModel(model)
    const id = s.createRun({ name: 'big', settings: {}, modelId: m.id, datasetId: null, splitSeed: 1 })
    for (let e = 1; e <= 5; e++) s.recordEpoch(id, epoch(e, e / 10), [], new Uint8Array(1_000_000).fill(e))
    expect(() => s.deleteRun(id)).toThrow(/queued in this studio; stop it before you delete it/)
    s.setStatus(id, 'completed')
    const before = s.vacuum().after
    s.deleteRun(id)
    for (const t of ['epochs', 'checkpoints', 'steps', 'runs', 'models']) expect(s.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get()).toEqual({ n: 0 })
    const { after } = s.vacuum()
    expect(after).toBeLessThan(before / 2)
    s.close()
  })
})

describe('files it must refuse, untouched', () => {
  it('a database from a newer studio', () => {
    const file = join(tmp(), 'new.db')
    const db = new Database(file)
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    db.close()
    const bytes = readFileSync(file)
    const e = refusal(file)
    expect(e.code).toBe('NEWER_VERSION')
    expect(e.message).toMatch(/newer CNN Studio/)
    expect(readFileSync(file)).toEqual(bytes)
  })

  it('random bytes', () => {
    const file = join(tmp(), 'junk.db')
    const junk = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256))
    writeFileSync(file, junk)
    expect(refusal(file).code).toBe('NOT_SQLITE')
    expect(readFileSync(file)).toEqual(junk)
  })

  it('a read-only location', () => {
    const dir = tmp()
    const file = join(dir, 'ro.db')
    new Store(file).close()
    const bytes = readFileSync(file)
    chmodSync(file, 0o444)
    chmodSync(dir, 0o555)
    try {
      // root ignores permission bits: only check the refusal where they apply
      if (process.getuid?.() !== 0) {
        expect(refusal(file).code).toBe('READ_ONLY')
        expect(readFileSync(file)).toEqual(bytes)
      }
      const sub = join(dir, 'sub')
      if (process.getuid?.() !== 0) expect(refusal(join(sub, 'x.db')).code).toBe('READ_ONLY')
    } finally {
      chmodSync(dir, 0o755)
      chmodSync(file, 0o644)
    }
    // a location that can never be written, even by root: a path under a regular file
    const blocker = join(dir, 'blocker')
    writeFileSync(blocker, 'x')
    expect(refusal(join(blocker, 'x.db')).code).toBe('READ_ONLY')
    mkdirSync(join(dir, 'ok'))
  })
})

describe('two processes opening a new file at once', () => {
  it('migrate it exactly once and both work', async () => {
    const file = join(tmp(), 'race.db')
    const { spawn } = await import('node:child_process')
    const script = `import { Store } from ${JSON.stringify(new URL('../../../src-main/services/store/store.ts', import.meta.url).href)}\n` +
      `const s = new Store(${JSON.stringify(file)}); s.saveModel({ format: 'cnn-studio.graph', version: 1, name: String(process.pid), nodes: [], edges: [] }); s.close()`
    const run = () => new Promise<number>((resolve) => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' }).once('exit', (c) => resolve(c ?? 1)))
    expect(await Promise.all([run(), run(), run(), run()])).toEqual([0, 0, 0, 0])
    const s = new Store(file)
    expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect((s.db.prepare('SELECT COUNT(*) AS n FROM models').get() as { n: number }).n).toBe(4)
    s.close()
  })
})
