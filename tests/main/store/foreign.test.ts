// Files the studio must leave alone, through the real `cnn-studio` commands: another program's SQLite file
// stays byte-identical after every command, and each refusal says what is wrong and what to do. A read-only
// mount (tmpfs remounted read-only, where this machine lets us mount) still serves the reading commands.
import Database from 'better-sqlite3'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../../src-main/services/store/store.ts'
import { APPLICATION_ID } from '../../../src-main/services/store/open.ts'
import { cli } from '../../helpers/cli.ts'
import { chainModel } from '../../helpers/graphs.ts'
import { olderStudioFile } from './old-files.ts'

const tmp = () => mkdtempSync(join(tmpdir(), 'cnn-foreign-'))
const shapesModel = new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
const shapes = new URL('../../../resources/sample-dataset/shapes', import.meta.url).pathname
const model = chainModel([8, 8, 1], [['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])

/** Every command that takes --db, as a user would run it. */
const commands = (db: string): string[][] => [
  ['runs', 'list', '--db', db], ['runs', 'list', '--db', db, '--json'], ['runs', 'show', 'latest', '--db', db],
  ['runs', 'compare', 'r_a', 'r_b', '--db', db], ['runs', 'delete', 'r_a', '--db', db, '--vacuum'], ['runs', 'resume', 'latest', '--db', db],
  ['train', shapesModel, shapes, '--epochs', '1', '--db', db, '--json'], ['serve', '--port', '0', '--db', db],
]

function foreignFiles(dir: string): Record<string, string> {
  const notes = join(dir, 'notes.db')
  let db = new Database(notes)
  db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('buy milk'), ('call Ana')")
  db.close()
  const runs = join(dir, 'runs.db') // another program's own `runs` table, in WAL mode
  db = new Database(runs)
  db.pragma('journal_mode = WAL')
  db.exec("CREATE TABLE runs (id TEXT, km REAL); INSERT INTO runs VALUES ('mon', 5.2)")
  db.close()
  const marked = join(dir, 'marked.db') // another program's application id, and a user_version of its own
  db = new Database(marked)
  db.pragma('application_id = 1179403647')
  db.pragma('user_version = 2')
  db.exec('CREATE TABLE runs (x); CREATE TABLE models (x); CREATE TABLE epochs (x); CREATE TABLE checkpoints (x)')
  db.close()
  const bare = join(dir, 'bare.db') // SQLite with no tables at all
  db = new Database(bare)
  db.exec('CREATE TABLE t (x); DROP TABLE t')
  db.close()
  return { notes, runs, marked, bare }
}

describe('another program\'s SQLite file', () => {
  for (const name of ['notes', 'runs', 'marked', 'bare']) {
    it(`${name}.db is refused by every command and stays byte-identical, with nothing created beside it`, () => {
      const dir = tmp()
      const file = foreignFiles(dir)[name]
      const bytes = readFileSync(file)
      const beside = readdirSync(dir).sort()
      for (const args of commands(file)) {
        const r = cli(args, { env: { ...process.env, CNN_STUDIO_CACHE: join(dir, 'cache') } })
        expect(r.code, args.join(' ')).toBe(2)
        expect(r.stderr, args.join(' ')).toMatch(/not a CNN Studio experiment database; it was left untouched: pass another --db path/)
        expect(r.stdout).toBe('')
        expect(readFileSync(file).equals(bytes), `changed after ${args.join(' ')}`).toBe(true)
        expect(readdirSync(dir).filter((f) => f !== 'cache').sort()).toEqual(beside)
      }
    })
  }

  it('names what it found: the other program\'s tables or its application id', () => {
    const files = foreignFiles(tmp())
    expect(cli(['runs', 'list', '--db', files.notes]).stderr).toMatch(/another program \(its tables: notes\)/)
    expect(cli(['runs', 'list', '--db', files.marked]).stderr).toMatch(/application id 0x464c457f/)
    expect(cli(['runs', 'list', '--db', files.bare]).stderr).toMatch(/without the CNN Studio mark/)
  })

  it('a studio file from before the mark (schema 2, unmarked, WAL) is recognised, read, and marked by the first writer', () => {
    const file = olderStudioFile(join(tmp(), 'old.db'), 2, 'running')
    const list = cli(['runs', 'list', '--db', file, '--json'])
    expect(list.code, list.stderr).toBe(0)
    // An older studio recorded no owner: the run can only have been left behind.
    expect(JSON.parse(list.stdout).runs[0]).toMatchObject({ runId: 'r_old', status: 'interrupted' })
    const s = new Store(file)
    expect(s.db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
    expect(s.getRun('r_old').name).toBe('old run')
    s.close()
  })
})

describe('messages that say what is wrong and what to do', () => {
  function studioFile(dir: string): string {
    const file = join(dir, 'exp.db')
    const s = new Store(file)
    const m = s.saveModel(model)
    for (let i = 0; i < 6; i++) {
      const id = s.createRun({ name: `run ${i}`, settings: { i }, modelId: m.id, datasetId: null, splitSeed: 1 })
      s.recordEpoch(id, { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, lr: 0.1, seconds: 1, imagesPerSecond: 1 }, Array.from({ length: 200 }, (_, k) => ({ step: k, loss: 1, accuracy: 0.5 })), new Uint8Array(3000).fill(i))
      s.setStatus(id, 'completed')
    }
    s.db.pragma('wal_checkpoint(TRUNCATE)')
    s.close()
    return file
  }

  it('a folder as --db', () => {
    const dir = tmp()
    const r = cli(['runs', 'list', '--db', dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${dir} is a folder; --db takes a database file, e.g. ${join(dir, 'experiments.db')}`)
  })

  it('a file truncated to 50 bytes, or cut short mid-way', () => {
    for (const size of [50, 8192]) {
      const file = studioFile(tmp())
      truncateSync(file, size)
      const bytes = readFileSync(file)
      for (const args of [['runs', 'list', '--db', file], ['runs', 'delete', 'latest', '--db', file]]) {
        const r = cli(args)
        expect(r.code).toBe(2)
        expect(r.stderr).toMatch(/is truncated: .* It was left untouched: restore it from a backup, or save what can be read with: sqlite3 .* \.recover/)
        expect(readFileSync(file).equals(bytes)).toBe(true)
      }
    }
  })

  it('a file failing the integrity check: nothing is written, and a reader is warned', () => {
    const file = studioFile(tmp())
    // Break a b-tree page of the steps table in the middle of the file: the header stays sound.
    const pageSize = readFileSync(file).readUInt16BE(16)
    const probe = new Database(file, { readonly: true })
    const root = (probe.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'steps'").get() as { rootpage: number }).rootpage
    probe.close()
    const buf = readFileSync(file)
    buf.fill(0xff, (root - 1) * pageSize + 8, (root - 1) * pageSize + 40)
    writeFileSync(file, buf)
    const bytes = readFileSync(file)
    const del = cli(['runs', 'delete', 'latest', '--db', file])
    expect(del.code).toBe(2)
    expect(del.stderr).toMatch(/fails SQLite's integrity check|is damaged/)
    expect(del.stderr).toMatch(/nothing was written to it|left untouched/)
    expect(readFileSync(file).equals(bytes)).toBe(true)
    const list = cli(['runs', 'list', '--db', file])
    expect(list.stderr).toMatch(/integrity check|is damaged/)
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })

  it('a healthy database on a read-only mount: the reading commands work, the writing ones say so', (ctx) => {
    const dir = tmp()
    const mnt = join(dir, 'ro')
    mkdirSync(mnt)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' })
    } catch {
      ctx.skip('mounting a tmpfs needs root with CAP_SYS_ADMIN, which this machine does not give; the read-only mount is not tested here')
    }
    try {
      const file = studioFile(mnt)
      execFileSync('mount', ['-o', 'remount,ro', mnt])
      const bytes = readFileSync(file)
      const list = cli(['runs', 'list', '--db', file, '--json'])
      expect(list.code, list.stderr).toBe(0)
      expect(JSON.parse(list.stdout).runs).toHaveLength(6)
      expect(cli(['runs', 'show', 'latest', '--db', file]).code).toBe(0)
      const del = cli(['runs', 'delete', 'latest', '--db', file])
      expect(del.code).toBe(2)
      expect(del.stderr).toContain(`${file} is on a read-only file system; reading commands (runs list, show, compare) can open it, but this one must write runs: copy it somewhere writable and pass --db COPY`)
      expect(del.stderr).not.toMatch(/damaged/)
      expect(readFileSync(file).equals(bytes)).toBe(true)
    } finally {
      execFileSync('umount', [mnt])
    }
  })
})
