// Where an export may write. Every target is checked before any work is done: its folder exists and is
// writable; it is not the experiment database (nor its -wal, -shm or -journal), compared by real path so a
// symlinked folder or name cannot hide it; it is a regular file or nothing (a device or a FIFO would be
// replaced by a file); and a file already there is replaced only when it is an earlier export of the same
// kind, or when the user says so (--force). The files are then written all or nothing (atomic-write.ts).
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { ServiceError } from '../errors.ts'

/** What an export writes, so an earlier one can be told from a file of the user's. */
export type ExportedFile = 'onnx' | 'onnx-preprocessing' | 'pytorch-script' | 'weights' | 'model'

export interface TargetOptions {
  /** The experiment database the export reads from: never written over. */
  database: string
  /** Replace an existing regular file that is not an earlier export (--force). */
  force?: boolean
}

/** Throws a clear error before any work is done if `path` cannot be written (no folder, a folder there, read-only). */
export function checkWritable(path: string): void {
  const dir = dirname(path)
  let st
  try {
    st = statSync(dir)
  } catch {
    throw new ServiceError('NOT_FOUND', `cannot write ${path}: the folder ${dir} does not exist; create it first or choose another --out`)
  }
  if (!st.isDirectory()) throw new ServiceError('NOT_FOUND', `cannot write ${path}: ${dir} is a file, not a folder`)
  try {
    accessSync(dir, constants.W_OK)
  } catch {
    throw new ServiceError('BAD_STATE', `cannot write ${path}: the folder ${dir} is not writable (permission denied); choose another --out`)
  }
  try {
    if (statSync(path).isDirectory()) throw new ServiceError('BAD_STATE', `cannot write ${path}: it is a folder; give a file name, e.g. ${join(path, 'model')}`)
  } catch (e) {
    if (e instanceof ServiceError) throw e // ENOENT: the file does not exist yet, as expected
  }
}

/** The entry `path` names, with its folder's links resolved (a rename replaces exactly this entry). */
function entryOf(path: string): string {
  try {
    return join(realpathSync(dirname(path)), basename(path))
  } catch {
    return path
  }
}

const DB_FILES: [string, string][] = [['', 'the experiment database'], ['-wal', "the experiment database's write-ahead log"], ['-shm', "the experiment database's shared-memory index"], ['-journal', "the experiment database's journal"]]

/** Every name under which the database's files can be reached (as given, and by real path), with what each is. */
function databaseEntries(database: string): Map<string, string> {
  const names = new Map<string, string>()
  let real = database
  try {
    real = realpathSync(database)
  } catch {
    // not created yet
  }
  for (const base of [database, real]) for (const [suffix, what] of DB_FILES) names.set(entryOf(`${base}${suffix}`), what)
  return names
}

function kindOf(st: Stats): string | null {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  if (st.isDirectory()) return 'a folder'
  return null
}

/** The first `max` bytes of a regular file (never more, whatever its size). */
function head(path: string, max: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.alloc(Math.min(max, statSync(path).size))
    const n = readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

const json = (path: string): { format?: unknown } | null => {
  try {
    const b = head(path, 16 << 20)
    return b.length < 16 << 20 ? JSON.parse(b.toString('utf8')) : null
  } catch {
    return null
  }
}

const CNNW = Buffer.from('CNNW', 'latin1')
/** ModelProto field 2 (producer_name) = "cnn-studio", as onnx.ts writes it near the start of the file. */
const ONNX_PRODUCER = Buffer.concat([Buffer.of(0x12, 10), Buffer.from('cnn-studio', 'latin1')])

const DESCRIBED: Record<ExportedFile, string> = {
  onnx: 'an ONNX model', 'onnx-preprocessing': 'an ONNX preprocessing file', 'pytorch-script': 'a PyTorch script', weights: 'a weights file', model: 'a model file with its weights beside it',
}

/** Whether `path` is a file an earlier export of this kind wrote. */
function isEarlierExport(path: string, kind: ExportedFile, stem: string): boolean {
  try {
    switch (kind) {
      case 'onnx': return head(path, 4096).includes(ONNX_PRODUCER)
      case 'onnx-preprocessing': return json(path)?.format === 'cnn-studio.onnx-preprocessing'
      case 'pytorch-script': return /^#!\/usr\/bin\/env python3\n#[^\n]*\n# Written by CNN Studio /.test(head(path, 4096).toString('utf8'))
      case 'weights': return head(path, 4).equals(CNNW)
      // A model file is also the user's own document: it is an export only beside the weights one wrote.
      case 'model': return json(path)?.format === 'cnn-studio.graph' && head(`${stem}.weights`, 4).equals(CNNW)
    }
  } catch {
    return false
  }
}

/**
 * Refuses, before any work, a target that is the experiment database or one of its files (by real path),
 * that is not a regular file, or that is a file of the user's (not an earlier export of this kind) unless
 * `force`.
 */
export function checkTarget(path: string, kind: ExportedFile, opts: TargetOptions): void {
  checkWritable(path)
  const entry = entryOf(path)
  let real = entry
  try {
    real = realpathSync(path)
  } catch {
    // nothing there yet (or a dangling link, which the rename replaces)
  }
  const db = databaseEntries(opts.database)
  const what = db.get(entry) ?? db.get(real)
  if (what) throw new ServiceError('FILE_EXISTS', `cannot write ${path}: it is ${what} (${opts.database}), which the export reads from; writing there would destroy every run. Choose another --out`)
  let st: Stats
  try {
    st = statSync(path)
  } catch {
    return // nothing there, or a dangling link (the rename replaces the link alone)
  }
  const other = kindOf(st)
  if (other) throw new ServiceError('FILE_EXISTS', `cannot write ${path}: it is ${other}, not a regular file, and an export writes regular files (it would be replaced by one); choose another --out`)
  if (!opts.force && !isEarlierExport(path, kind, stem(path))) {
    throw new ServiceError('FILE_EXISTS', `${path} already exists and is not ${DESCRIBED[kind]} that CNN Studio exported; choose another --out, or add --force to replace it`)
  }
}

/** `dir/name.onnx` -> `dir/name`; `dir/model.cnn.json` -> `dir/model`. */
export function stem(path: string): string {
  return path.replace(/(\.cnn\.json|\.[A-Za-z0-9]+)$/, '')
}
