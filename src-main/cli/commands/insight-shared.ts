// What evaluate, predict and export share on the command line: the database, a run's checkpoint, and
// mapping the services' coded errors to the spec's exit codes.
import { StoreError } from '../../services/store/open.ts'
import { ServiceError } from '../../services/errors.ts'
import { CHECKPOINT_KINDS, type CheckpointKind } from '../../api/contract.ts'
import { DatasetError } from '../../../src-engine/node/dataset/index.ts'
import { CliError, EXIT_NEGATIVE, EXIT_USAGE } from '../errors.ts'
import { openStore, storeFailure } from '../open-store.ts'
import type { Store } from '../../services/store/store.ts'
import type { DeviceRequest } from '../../../src-engine/core/gpu/choose.ts'

export const dbOption = ['--db <file>', 'the experiment database (default: the studio\'s own, or CNN_STUDIO_DB)'] as const
export const checkpointOption = ['--checkpoint <kind>', 'best (highest validation accuracy) or last', 'best'] as const

export function checkpointKind(v: string): CheckpointKind {
  if (!(CHECKPOINT_KINDS as readonly string[]).includes(v)) throw new CliError(`--checkpoint must be ${CHECKPOINT_KINDS.join(' or ')}, not '${v}'`, EXIT_USAGE)
  return v as CheckpointKind
}

/** Opens the store, runs `fn`, closes it; a missing run or bad input is exit 2, a run without a checkpoint (or with non-finite weights) exit 1. */
export async function withRunStore<T>(db: string | undefined, fn: (store: Store) => Promise<T>): Promise<T> {
  // evaluate, predict and export only read the run: a read-only database serves them, and none is marked or migrated
  const store = openStore(db, { readonly: true })
  try {
    return await fn(store)
  } catch (e) {
    if (e instanceof StoreError) throw storeFailure(e)
    // The work ran and the answer is no: no checkpoint yet, weights that diverged, a disk that filled up (1);
    // anything else is the input (2).
    if (e instanceof ServiceError) throw new CliError(e.message, e.code === 'NO_CHECKPOINT' || e.code === 'NOT_FINITE' || e.code === 'WRITE_FAILED' ? EXIT_NEGATIVE : EXIT_USAGE)
    if (e instanceof DatasetError) throw new CliError(e.message, EXIT_USAGE) // a path that cannot be read, or too many images
    throw e
  } finally {
    store.close()
  }
}

export const pct = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '-')

export const deviceOption = ['--device <name>', 'cpu (the default), gpu (WebGPU) or auto (a few timed steps on each, the faster kept, and why)'] as const

/** --device as the services take it. */
export function deviceRequest(v: string | undefined): DeviceRequest | undefined {
  if (v === undefined) return undefined
  if (v !== 'cpu' && v !== 'gpu' && v !== 'auto') throw new CliError(`--device must be cpu, gpu or auto (got '${v}')`, EXIT_USAGE)
  return v
}
