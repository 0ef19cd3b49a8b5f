// Opening the experiment database safely: a file that is not SQLite, comes from a newer studio, or sits
// where it cannot be written is refused with a clear message, and its bytes are never touched.
import Database from 'better-sqlite3'
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations.ts'

export type StoreErrorCode = 'NOT_SQLITE' | 'NEWER_VERSION' | 'READ_ONLY' | 'UNREADABLE' | 'NOT_FOUND' | 'INVALID'

export class StoreError extends Error {
  readonly code: StoreErrorCode
  constructor(code: StoreErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length

function checkHeader(file: string): void {
  if (statSync(file).size === 0) return // an empty file becomes a new database
  const fd = openSync(file, 'r')
  const head = Buffer.alloc(16)
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (head.toString('latin1') !== 'SQLite format 3\0') {
    throw new StoreError('NOT_SQLITE', `${file} is not a CNN Studio experiment database (not an SQLite file); it was left untouched: pass another --db path`)
  }
}

/** Opens (creating if needed) and migrates the database; throws StoreError without modifying the file. */
export function openDatabase(file: string): Database.Database {
  if (existsSync(file)) {
    try {
      accessSync(file, constants.R_OK)
    } catch {
      throw new StoreError('UNREADABLE', `${file} cannot be read (permission denied)`)
    }
    checkHeader(file)
    // Look before migrating, read-only, so a newer file is never written to.
    let version: number
    try {
      const peek = new Database(file, { readonly: true, fileMustExist: true })
      try {
        version = peek.pragma('user_version', { simple: true }) as number
      } finally {
        peek.close()
      }
    } catch (e) {
      throw new StoreError('NOT_SQLITE', `${file} is damaged or not an experiment database (${(e as Error).message}); it was left untouched`)
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreError('NEWER_VERSION', `${file} was written by a newer CNN Studio (schema ${version}; this one knows up to ${SCHEMA_VERSION}); update the studio to open it. The file was left untouched`)
    }
    try {
      accessSync(file, constants.W_OK)
      accessSync(dirname(file), constants.W_OK)
    } catch {
      throw new StoreError('READ_ONLY', `${file} is in a read-only location; the studio must write runs there: copy it somewhere writable or pass another --db path`)
    }
  } else {
    try {
      mkdirSync(dirname(file), { recursive: true })
      accessSync(dirname(file), constants.W_OK)
    } catch {
      throw new StoreError('READ_ONLY', `cannot create ${file}: ${dirname(file)} is not writable; pass another --db path`)
    }
  }
  const db = new Database(file)
  // Wait for other processes' locks (a CLI run and the app may open the file at once) before anything else.
  db.pragma('busy_timeout = 5000')
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  migrate(db)
  return db
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
