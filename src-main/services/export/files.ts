// Writing an export's files all or nothing: each goes to a temporary file in its own folder (so the
// rename is atomic on one file system), and only when every one is written are they renamed into place.
// A failure removes the temporaries and leaves whatever was at the paths before untouched.
import { accessSync, constants, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { ServiceError } from '../training.ts'

export interface OutFile {
  path: string
  data: Uint8Array | string
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

export function writeAllOrNothing(files: OutFile[]): void {
  const tag = `${process.pid}.${randomBytes(3).toString('hex')}`
  const temps = files.map((f) => join(dirname(f.path), `.${basename(f.path)}.${tag}.tmp`))
  try {
    files.forEach((f, i) => writeFileSync(temps[i], f.data))
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true })
    const err = e as NodeJS.ErrnoException
    throw new ServiceError('BAD_STATE', `cannot write ${files.map((f) => f.path).join(', ')}: ${err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EACCES' ? 'permission denied' : err.message}; nothing was written`)
  }
  files.forEach((f, i) => renameSync(temps[i], f.path))
}

/** `dir/name.onnx` -> `dir/name`; `dir/model.cnn.json` -> `dir/model`. */
export function stem(path: string): string {
  return path.replace(/(\.cnn\.json|\.[A-Za-z0-9]+)$/, '')
}
