// Opening the experiment database without harming anything. Every check is made before the first write:
// a directory, a truncated file, a file that is not SQLite, another program's SQLite file (the studio marks
// its own with PRAGMA application_id), a file from a newer studio, a damaged one (quick_check) and a file that
// cannot be written are each refused with what is wrong and what to do, and their bytes are never touched.
// Only then are the mark, the journal mode and the migrations written. Reading commands open read-only.
import Database from 'better-sqlite3'
import { accessSync, closeSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { MIGRATIONS } from './migrations.ts'

export type StoreErrorCode =
  | 'NOT_SQLITE' | 'NOT_OURS' | 'NEWER_VERSION' | 'READ_ONLY' | 'UNREADABLE' | 'NOT_FOUND' | 'INVALID' | 'DIRECTORY' | 'TRUNCATED' | 'DAMAGED' | 'DISK_FULL'
  /** The run belongs to another live process. */
  | 'IN_USE'

export class StoreError extends Error {
  readonly code: StoreErrorCode
  constructor(code: StoreErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length
/** 'CNNS': the studio's mark in the SQLite header (offset 68), so another program's database is never taken for ours. */
export const APPLICATION_ID = 0x434e4e53
/** Tables every studio database has had since schema 1: an unmarked file holding them was written before the mark. */
const STUDIO_TABLES = ['runs', 'models', 'epochs', 'checkpoints']

export interface OpenOptions {
  /** Reading commands (runs list/show/compare): open read-only, write nothing, accept a read-only file. */
  readonly?: boolean
}

export interface OpenedDatabase {
  db: Database.Database
  readonly: boolean
  /** Things the user should know that did not stop a read (a failed integrity check). */
  warnings: string[]
}

const recover = (file: string) => `restore it from a backup, or save what can be read with: sqlite3 ${file} .recover | sqlite3 recovered.db (then pass --db recovered.db)`

interface Header { pageSize: number; pages: number | null; applicationId: number; wal: boolean }

/** The 100-byte SQLite header, checked against the file's size; throws for anything that is not a whole SQLite file. */
function readHeader(file: string, size: number): Header {
  const head = Buffer.alloc(100)
  const fd = openSync(file, 'r')
  let got: number
  try {
    got = readSync(fd, head, 0, 100, 0)
  } finally {
    closeSync(fd)
  }
  const magic = 'SQLite format 3\0'
  if (head.subarray(0, Math.min(got, 16)).toString('latin1') !== magic.slice(0, Math.min(got, 16))) {
    throw new StoreError('NOT_SQLITE', `${file} is not a CNN Studio experiment database (not an SQLite file); it was left untouched: pass another --db path`)
  }
  if (got < 100) throw new StoreError('TRUNCATED', `${file} is truncated: ${size} bytes, shorter than an SQLite header (100 bytes). It was left untouched: ${recover(file)}`)
  const raw = head.readUInt16BE(16)
  const pageSize = raw === 1 ? 65536 : raw
  // The in-header page count is valid when its version-valid-for number equals the change counter, and
  // only when no WAL is beside the file: a checkpoint in another process writes page 1 before the pages after it.
  const pages = head.readUInt32BE(92) === head.readUInt32BE(24) && !existsSync(`${file}-wal`) ? head.readUInt32BE(28) : null
  if (size % pageSize !== 0 || (pages !== null && size < pages * pageSize)) {
    throw new StoreError('TRUNCATED', `${file} is truncated: ${size} bytes, but its header says ${pages ?? 'whole'} pages of ${pageSize} bytes${pages !== null ? ` (${pages * pageSize} bytes)` : ''}, as a full disk or an interrupted copy leaves it. It was left untouched: ${recover(file)}`)
  }
  return { pageSize, pages, applicationId: head.readUInt32BE(68), wal: head[18] === 2 && head[19] === 2 }
}

function isSqliteError(e: unknown, ...codes: string[]): boolean {
  const code = (e as { code?: string }).code ?? ''
  return codes.some((c) => code === c || code.startsWith(`${c}_`))
}

/** Why `file` cannot be written: a read-only mount or permissions; null when it can. */
function notWritable(file: string): string | null {
  for (const p of [file, dirname(file)]) {
    try {
      accessSync(p, constants.W_OK)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'EROFS') return `${file} is on a read-only file system`
      return `${p === file ? file : `the folder ${dirname(file)}`} is not writable (${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code})`
    }
  }
  return null
}

/**
 * A read-only connection for looking at the file. A WAL file SQLite would have to put a -shm beside: one
 * on a read-only mount (it cannot), or an unmarked one (it must not: it may be another program's) is read
 * from a private copy instead, deleted when the process exits.
 */
function openForReading(file: string, header: Header): Database.Database {
  if (!header.wal || header.applicationId === APPLICATION_ID) {
    let db: Database.Database | null = null
    try {
      db = new Database(file, { readonly: true, fileMustExist: true })
      db.pragma('application_id') // a WAL file on a read-only mount fails here, not when opened
      return db
    } catch (e) {
      db?.close()
      if (!isSqliteError(e, 'SQLITE_CANTOPEN') || !notWritable(file)) throw e
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'cnn-studio-ro-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  const copy = join(dir, basename(file))
  copyFileSync(file, copy)
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
  return new Database(copy, { readonly: true, fileMustExist: true })
}

interface Look { applicationId: number; version: number; tables: string[]; check: string }

function look(db: Database.Database): Look {
  db.pragma('busy_timeout = 5000')
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)
  return {
    applicationId: db.pragma('application_id', { simple: true }) as number,
    version: db.pragma('user_version', { simple: true }) as number,
    tables,
    check: String(db.pragma('quick_check(1)', { simple: true })),
  }
}

/** Refuses a file that is not ours or is newer; returns whether it is an unmarked studio file from before the mark. */
function judge(file: string, l: Look): void {
  const ours = l.applicationId === APPLICATION_ID
  const legacy = l.applicationId === 0 && l.version >= 1 && STUDIO_TABLES.every((t) => l.tables.includes(t))
  if (!ours && !legacy) {
    const what = l.applicationId !== 0
      ? `another program's SQLite database (application id 0x${l.applicationId.toString(16)})`
      : l.tables.length ? `an SQLite database of another program (its tables: ${l.tables.slice(0, 6).join(', ')}${l.tables.length > 6 ? ', ...' : ''})` : 'an SQLite database without the CNN Studio mark'
    throw new StoreError('NOT_OURS', `${file} is ${what}, not a CNN Studio experiment database; it was left untouched: pass another --db path (a new file name creates a fresh database)`)
  }
  if (l.version > SCHEMA_VERSION) {
    throw new StoreError('NEWER_VERSION', `${file} was written by a newer CNN Studio (schema ${l.version}; this one knows up to ${SCHEMA_VERSION}); update the studio to open it. The file was left untouched`)
  }
}

/** A StoreError for what SQLite threw on `file`: a full disk, a damaged or read-only file, said so. */
export function translate(file: string, e: unknown): never {
  if (e instanceof StoreError) throw e
  const m = e instanceof Error ? e.message : String(e)
  if (isSqliteError(e, 'SQLITE_FULL')) throw new StoreError('DISK_FULL', `the disk holding ${file} is full (${m}); free some space, then run the command again (a run resumes from its last recorded epoch: cnn-studio runs resume RUN)`)
  if (isSqliteError(e, 'SQLITE_CORRUPT', 'SQLITE_NOTADB')) throw new StoreError('DAMAGED', `${file} is damaged (SQLite says: ${m}). It was left untouched: ${recover(file)}`)
  if (isSqliteError(e, 'SQLITE_READONLY')) throw new StoreError('READ_ONLY', `${file} cannot be written (${m}); copy it somewhere writable and pass --db COPY`)
  throw new StoreError('UNREADABLE', `${file} cannot be opened (${m})`)
}

/**
 * Opens the experiment database, creating it where there is none. Throws StoreError, without having
 * written a byte, for every file it must not or cannot use.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): OpenedDatabase {
  let size: number | null = null
  try {
    const st = statSync(file)
    if (st.isDirectory()) throw new StoreError('DIRECTORY', `${file} is a folder; --db takes a database file, e.g. ${join(file, 'experiments.db')}`)
    size = st.size
  } catch (e) {
    if (e instanceof StoreError) throw e
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EACCES') throw new StoreError('UNREADABLE', `${file} cannot be read (permission denied)`)
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new StoreError('UNREADABLE', `${file} cannot be read (${code})`)
  }
  const warnings: string[] = []
  let applicationId = 0
  if (size) {
    try {
      accessSync(file, constants.R_OK)
    } catch {
      throw new StoreError('UNREADABLE', `${file} cannot be read (permission denied)`)
    }
    const header = readHeader(file, size)
    if (header.applicationId !== 0 && header.applicationId !== APPLICATION_ID) {
      throw new StoreError('NOT_OURS', `${file} is another program's SQLite database (application id 0x${header.applicationId.toString(16)}), not a CNN Studio experiment database; it was left untouched: pass another --db path`)
    }
    let reader: Database.Database | null = null
    try {
      reader = openForReading(file, header)
      const l = look(reader)
      judge(file, l)
      applicationId = l.applicationId
      if (l.check !== 'ok') {
        const problem = `${file} fails SQLite's integrity check ("${l.check.split('\n')[0]}")`
        if (!opts.readonly) throw new StoreError('DAMAGED', `${problem}; nothing was written to it: ${recover(file)}`)
        warnings.push(`${problem}: what is shown may be incomplete; ${recover(file)}`)
      }
      if (opts.readonly) return { db: reader, readonly: true, warnings }
    } catch (e) {
      reader?.close()
      translate(file, e)
    }
    reader.close()
    const why = notWritable(file)
    if (why) throw new StoreError('READ_ONLY', `${why}; reading commands (runs list, show, compare) can open it, but this one must write runs: copy it somewhere writable and pass --db COPY`)
  } else {
    try {
      mkdirSync(dirname(file), { recursive: true })
      accessSync(dirname(file), constants.W_OK)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      throw new StoreError('READ_ONLY', `cannot create ${file}: ${dirname(file)} ${code === 'EROFS' ? 'is on a read-only file system' : code === 'ENOTDIR' || code === 'EEXIST' ? 'is not a folder' : 'is not writable'}; pass another --db path`)
    }
  }
  let db: Database.Database | null = null
  try {
    db = new Database(file)
    // Wait for other processes' locks (a CLI run and the app may open the file at once) before anything else.
    db.pragma('busy_timeout = 5000')
    // The mark goes first (in the rollback journal, straight into the header), so a crash at any later
    // point leaves a file the next start recognises as ours.
    if (applicationId !== APPLICATION_ID) db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    return { db, readonly: false, warnings }
  } catch (e) {
    db?.close()
    translate(file, e)
  }
}

/**
 * Applies the missing migrations. Each runs in an IMMEDIATE transaction that re-reads the version under
 * the write lock, so two processes opening a new file at once migrate it once, not twice.
 */
export function migrate(db: Database.Database, upTo = SCHEMA_VERSION): void {
  for (;;) {
    const applied = db.transaction(() => {
      const v = db.pragma('user_version', { simple: true }) as number
      if (v >= upTo) return false
      db.exec(MIGRATIONS[v])
      db.pragma(`user_version = ${v + 1}`)
      return true
    }).immediate()
    if (!applied) return
  }
}
