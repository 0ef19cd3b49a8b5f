// Schema migrations, applied in order; PRAGMA user_version records how many have run. Never edit a
// migration that has shipped: add the next one.
export const MIGRATIONS: string[] = [
  // 1: the first schema
  `
  CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
  CREATE TABLE models (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT, json TEXT NOT NULL, created_at TEXT NOT NULL);
  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY, root TEXT NOT NULL, fingerprint TEXT NOT NULL, classes TEXT NOT NULL, counts TEXT NOT NULL,
    images INTEGER NOT NULL, created_at TEXT NOT NULL, UNIQUE (root, fingerprint));
  CREATE TABLE runs (
    id TEXT PRIMARY KEY, project_id INTEGER REFERENCES projects(id), name TEXT NOT NULL, status TEXT NOT NULL,
    settings TEXT NOT NULL, model_id INTEGER NOT NULL REFERENCES models(id), dataset_id INTEGER REFERENCES datasets(id),
    test_dataset_id INTEGER REFERENCES datasets(id), split_seed INTEGER NOT NULL,
    created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT, images_per_second REAL, error TEXT,
    notes TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '[]', starred INTEGER NOT NULL DEFAULT 0,
    final TEXT, skipped TEXT NOT NULL DEFAULT '[]');
  CREATE TABLE epochs (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL,
    train_loss REAL, train_accuracy REAL, val_loss REAL, val_accuracy REAL, lr REAL, seconds REAL, images_per_second REAL,
    PRIMARY KEY (run_id, epoch));
  CREATE TABLE steps (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, epoch INTEGER NOT NULL, step INTEGER NOT NULL,
    loss REAL, accuracy REAL, PRIMARY KEY (run_id, epoch, step));
  CREATE TABLE checkpoints (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, kind TEXT NOT NULL CHECK (kind IN ('last', 'best')),
    epoch INTEGER NOT NULL, val_accuracy REAL, weights BLOB NOT NULL, PRIMARY KEY (run_id, kind));
  CREATE TABLE evaluations (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, split TEXT NOT NULL, loss REAL, accuracy REAL,
    confusion TEXT NOT NULL, per_class TEXT NOT NULL, PRIMARY KEY (run_id, split));
  `,
  // 2: the runs list is read newest first
  `CREATE INDEX runs_created ON runs (created_at DESC);`,
  // 3: who trains a run (owner.ts), its heartbeat, and the data changes a resume was forced past
  `
  ALTER TABLE runs ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN owner_instance TEXT;
  ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
  ALTER TABLE runs ADD COLUMN data_forced TEXT NOT NULL DEFAULT '[]';
  `,
  // 4: the per-channel mean and std a run was trained with (input normalize: dataset), so predict and
  // export need not the training folder, and a folder changed since cannot change what the network sees
  `ALTER TABLE runs ADD COLUMN normalization TEXT;`,
  // 5: runs an older studio (before schema 3, which records no owner) is still training in another process.
  // Such a run has no heartbeat, so it gets one here, at the upgrade, and one every time that studio records
  // an epoch or a status (these triggers run in its connection too): owner.ts then takes it as alive until its
  // progress is old, rather than as interrupted at once, which let it be resumed and trained twice.
  `
  UPDATE runs SET heartbeat_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    WHERE owner IS NULL AND status IN ('queued', 'running', 'paused');
  CREATE TRIGGER ownerless_progress_epoch AFTER INSERT ON epochs BEGIN
    UPDATE runs SET heartbeat_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.run_id AND owner IS NULL;
  END;
  CREATE TRIGGER ownerless_progress_status AFTER UPDATE OF status ON runs WHEN NEW.owner IS NULL BEGIN
    UPDATE runs SET heartbeat_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) WHERE id = NEW.id;
  END;
  `,
  // 6: the end-of-run verdict (services/verdict.ts: a run that did not learn, and what to try), and the run
  // page's evaluation of its best checkpoint, kept whole (every image's prediction and thumbnail) so its
  // confusion matrix and galleries are computed once, not on every visit
  `
  ALTER TABLE runs ADD COLUMN verdict TEXT;
  CREATE TABLE stored_evaluations (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, split TEXT NOT NULL, checkpoint TEXT NOT NULL,
    epoch INTEGER NOT NULL, report TEXT NOT NULL, PRIMARY KEY (run_id, split, checkpoint));
  `,
  // 7: the group a run was queued in ("Repeat with 3 seeds", `train --seeds 1,2,3`): the same run with other
  // seeds, which Compare draws as one mean curve with its min-max band. Null for a run trained alone.
  `
  ALTER TABLE runs ADD COLUMN group_id TEXT;
  CREATE INDEX runs_group ON runs (group_id) WHERE group_id IS NOT NULL;
  `,
  // 8: runs trained elsewhere and brought back (services/run-import/): where they came from (the run
  // folder, torch, processes, devices), and the folder's identity, one run per folder
  `
  ALTER TABLE runs ADD COLUMN origin TEXT;
  ALTER TABLE runs ADD COLUMN import_fingerprint TEXT;
  CREATE UNIQUE INDEX runs_import_fingerprint ON runs (import_fingerprint) WHERE import_fingerprint IS NOT NULL;
  `,
  // 9: stored validation evaluations are a cache (made again on demand); those stored before the fix of
  // image paths in train/ + test/ folders named files that do not exist, so all are made again.
  `
  DELETE FROM stored_evaluations WHERE split = 'val';
  `,
]
