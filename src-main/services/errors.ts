// The services' coded error: what a command refuses with, crossing to the page as the contract's ApiError
// ({ code, message, fields }) and to the command line as an exit code chosen by its code (cli/errors.ts).
import type { ApiError } from '../api/contract.ts'

export type ServiceErrorCode =
  | 'INVALID_SETTINGS' | 'INVALID_MODEL' | 'UNUSABLE_DATASET' | 'NOT_FOUND' | 'BAD_STATE' | 'DATA_CHANGED'
  | 'INSUFFICIENT_MEMORY' | 'MODEL_TOO_LARGE'
  /** A run that has not finished an epoch, so it has no checkpoint to evaluate, predict with or export. */
  | 'NO_CHECKPOINT'
  /** A checkpoint that cannot be read, or whose weights hold a NaN or an infinity (the run diverged). */
  | 'DAMAGED' | 'NOT_FINITE'
  /** A file could not be written (a full disk, permissions); an export target that is not the studio's to replace. */
  | 'WRITE_FAILED' | 'FILE_EXISTS'
  /** Two runs compared image by image that were evaluated on no common image: name a folder both can read. */
  | 'NO_SHARED_IMAGES'
  /** `runs import`: a folder that is not a run folder (or a damaged one), and one imported already. */
  | 'NOT_A_RUN_FOLDER' | 'IMPORTED_ALREADY'

export class ServiceError extends Error {
  readonly code: ServiceErrorCode
  /** Per field (its path, e.g. `batchSize`): what is wrong with it, so a form can say it beside the field. */
  readonly fields?: ApiError['fields']
  constructor(code: ServiceErrorCode, message: string, fields?: ApiError['fields']) {
    super(message)
    this.code = code
    if (fields) this.fields = fields
  }
}
