// Opens the experiment database for a command: --db, then CNN_STUDIO_DB, then the user data folder.
import { Store } from '../services/store/store.ts'
import { StoreError } from '../services/store/open.ts'
import { defaultDbPath } from '../services/paths.ts'
import { epochsOf } from '../services/run-view.ts'
import { CliError, EXIT_NEGATIVE, EXIT_USAGE } from './errors.ts'

/** A StoreError as the CLI reports it: a run busy in another process is a negative answer (1), the rest bad input (2). */
export function storeFailure(e: StoreError): CliError {
  return new CliError(e.message, e.code === 'IN_USE' || e.code === 'DISK_FULL' ? EXIT_NEGATIVE : EXIT_USAGE)
}

/** `readonly` for commands that only read (runs list/show/compare): nothing is written, a read-only file is fine. */
export function openStore(db?: string, opts: { readonly?: boolean } = {}): Store {
  let store: Store
  try {
    store = new Store(defaultDbPath(db), opts)
  } catch (e) {
    if (e instanceof StoreError) throw storeFailure(e)
    throw e
  }
  for (const w of store.warnings) process.stderr.write(`cnn-studio: warning: ${w}\n`)
  return store
}

/** The run JSON of the spec (train --json, runs show --json). */
export function runJson(store: Store, runId: string) {
  const run = store.getRun(runId)
  return {
    runId: run.runId,
    name: run.name,
    status: run.status,
    epochs: epochsOf(store, run.runId),
    final: run.final ?? {},
    imagesPerSecond: run.imagesPerSecond ?? 0,
    skipped: run.skipped,
    settings: run.settings,
    model: run.model,
    dataset: run.dataset,
    createdAt: run.createdAt,
    error: run.error,
    evaluations: store.evaluations(run.runId),
    owner: run.owner ? { host: run.owner.host, pid: run.owner.pid, process: run.owner.label, heartbeatAt: run.owner.heartbeatAt === null ? null : new Date(run.owner.heartbeatAt).toISOString() } : null,
    dataForced: run.dataForced,
    /** Set when the completed run did not learn (services/verdict.ts): { didNotLearn, reason, advice, message }. */
    verdict: run.verdict ?? null,
    /** The seed group the run was queued in (`train --seeds`), or null. */
    group: run.group,
    /** Set for a run trained elsewhere and imported (runs import): its folder, torch, processes and devices. */
    origin: run.origin ?? null,
  }
}
