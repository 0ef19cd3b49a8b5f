// What evaluate, predict and export share on the command line: the database, a run's checkpoint, and
// mapping the services' coded errors to the spec's exit codes.
import { StoreError } from '../../services/store/open.ts'
import { ServiceError } from '../../services/training.ts'
import { CliError, EXIT_NEGATIVE, EXIT_USAGE } from '../errors.ts'
import { openStore, storeFailure } from '../open-store.ts'
import type { Store } from '../../services/store/store.ts'

export const dbOption = ['--db <file>', 'the experiment database (default: the studio\'s own, or CNN_STUDIO_DB)'] as const
export const checkpointOption = ['--checkpoint <kind>', 'best (highest validation accuracy) or last', 'best'] as const

export function checkpointKind(v: string): 'best' | 'last' {
  if (v !== 'best' && v !== 'last') throw new CliError(`--checkpoint must be best or last, not '${v}'`, EXIT_USAGE)
  return v
}

/** Opens the store, runs `fn`, closes it; a missing run or bad input is exit 2, a run without a checkpoint (or with non-finite weights) exit 1. */
export async function withRunStore<T>(db: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  // evaluate, predict and export only read the run: a read-only database serves them, and none is marked or migrated
  const store = openStore(db, { readonly: true })
  try {
    return await fn(store)
  } catch (e) {
    if (e instanceof StoreError) throw storeFailure(e)
    // The work ran and the answer is no: no checkpoint yet, weights that diverged, a disk that filled up.
    if (e instanceof ServiceError) throw new CliError(e.message, (e.code === 'BAD_STATE' && /checkpoint/.test(e.message)) || e.code === 'NOT_FINITE' || e.code === 'WRITE_FAILED' ? EXIT_NEGATIVE : EXIT_USAGE)
    throw e
  } finally {
    store.close()
  }
}

export const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-')
