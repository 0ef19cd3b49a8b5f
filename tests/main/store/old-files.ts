// Database files as an older studio left them: migrated up to `version` only (in WAL mode, unmarked), with
// one model and one run in the given status, recorded without the columns later schemas added.
import Database from 'better-sqlite3'
import { migrate } from '../../../src-main/services/store/open.ts'

export function olderStudioFile(file: string, version: number, status: string, wal = true): string {
  const db = new Database(file)
  if (wal) db.pragma('journal_mode = WAL')
  migrate(db, version)
  db.prepare("INSERT INTO models (hash, name, json, created_at) VALUES ('h', 'm', '{}', 'now')").run()
  db.prepare("INSERT INTO runs (id, name, status, settings, model_id, split_seed, created_at) VALUES ('r_old', 'old run', ?, '{}', 1, 1, '2026-01-01')").run(status)
  db.close()
  return file
}
