// Writing files so that a crash or a failure never leaves half of one under its name, and never leaves a
// temporary behind for long: each file goes to a temporary in its own folder (so the rename is atomic on
// one file system), is flushed to the disk, and only then renamed into place; a failure removes every
// temporary it made. A process killed mid-write cannot clean up, so the temporaries have one recognisable
// name, `.NAME.cnn-tmp-PID-XXXXXX`, and the next write of NAME sweeps those whose process is gone.
// Failures are a coded error (WRITE_FAILED) that says what could not be saved where, and why, in words.
import { chmodSync, closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { pidAlive } from './store/owner.ts'
import { ServiceError } from './errors.ts'

export interface OutFile {
  path: string
  data: Uint8Array | string
}

/** A temporary of `.NAME.cnn-tmp-PID-XXXXXX`, or one of the names earlier versions used (`.NAME.PID.XXXXXX.tmp` of export, `NAME.PID.tmp` of autosave and prefs). */
const TEMP_NAMES = [/^\.(.+)\.cnn-tmp-(\d+)-[0-9a-f]{6}$/, /^\.(.+)\.(\d+)\.[0-9a-f]{6}\.tmp$/, /^(.+)\.(\d+)\.tmp$/]
/** A temporary older than this is swept whatever its process (a pid reused since, a process on another machine). */
const TEMP_MAX_AGE_MS = 24 * 3600_000

export const tempPath = (file: string): string => join(dirname(file), `.${basename(file)}.cnn-tmp-${process.pid}-${randomBytes(3).toString('hex')}`)

/** Removes the temporaries of `file` that a gone process left (killed mid-write); returns their names. */
export function sweepTemps(file: string, now = Date.now()): string[] {
  const dir = dirname(file), name = basename(file)
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  const swept: string[] = []
  for (const entry of entries) {
    const m = TEMP_NAMES.map((re) => re.exec(entry)).find((x) => x && x[1] === name)
    if (!m) continue
    const pid = Number(m[2])
    const p = join(dir, entry)
    try {
      // This process writes synchronously, so a temporary of its own pid is never in flight here.
      const stale = pid === process.pid || !pidAlive(pid) || now - statSync(p).mtimeMs > TEMP_MAX_AGE_MS
      if (stale) {
        rmSync(p, { force: true })
        swept.push(entry)
      }
    } catch {
      // gone meanwhile, or not ours to remove: the next write tries again
    }
  }
  return swept
}

/** A system error in words: "the disk is full", "permission denied". */
export function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  switch (err.code) {
    case 'ENOSPC': return 'the disk is full'
    case 'EDQUOT': return 'the disk quota is used up'
    case 'EACCES': case 'EPERM': return 'permission denied'
    case 'EROFS': return 'the file system is read-only'
    case 'ENOENT': return 'its folder does not exist'
    case 'ENOTDIR': return 'a part of its path is a file, not a folder'
    case 'EISDIR': return 'it is a folder'
    case 'EIO': return 'the disk reported an input/output error'
    default: return err.code ? `${err.code}: ${err.message}` : String(err.message ?? e)
  }
}

function writeTemp(tmp: string, target: string, data: Uint8Array | string): void {
  const fd = openSync(tmp, 'wx')
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    for (let o = 0; o < bytes.length;) o += writeSync(fd, bytes, o, bytes.length - o)
    // A replaced file keeps its permissions, as editors do.
    try {
      chmodSync(tmp, statSync(target).mode & 0o7777)
    } catch {
      // no file there yet
    }
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes every file or none: all go to temporaries first, and are renamed into place only once each is
 * whole on the disk. `what` says what is saved, for the message: "could not ${what} PATH: the disk is full".
 */
export function writeFilesAtomic(files: OutFile[], what: string): void {
  for (const f of files) sweepTemps(f.path)
  const temps: string[] = []
  const fail = (path: string, e: unknown, done: string[]): never => {
    for (const t of temps) rmSync(t, { force: true })
    const kept = done.length ? `; ${done.join(', ')} ${done.length === 1 ? 'was' : 'were'} already replaced` : files.length > 1 ? '; nothing was written' : ''
    throw new ServiceError('WRITE_FAILED', `could not ${what} ${path}: ${reasonOf(e)}${kept}`)
  }
  for (const f of files) {
    const tmp = tempPath(f.path)
    temps.push(tmp)
    try {
      writeTemp(tmp, f.path, f.data)
    } catch (e) {
      fail(f.path, e, [])
    }
  }
  const done: string[] = []
  files.forEach((f, i) => {
    try {
      renameSync(temps[i], f.path)
    } catch (e) {
      fail(f.path, e, done)
    }
    done.push(f.path)
  })
}

/** One file, written whole or not at all (see writeFilesAtomic). */
export function writeFileAtomic(file: string, data: Uint8Array | string, what: string): void {
  writeFilesAtomic([{ path: file, data }], what)
}

/** A lock older than this is taken as left by a crash, whatever its process. */
const LOCK_STALE_MS = 10_000
const LOCK_WAIT_MS = 5_000

/**
 * Runs `fn` holding `${file}.lock` (created exclusively, holding this pid), so two processes' read-modify-
 * write of one small file cannot interleave and lose each other's update. A lock whose process is gone, or
 * older than 10 s, is broken; one held longer than 5 s by a live process is a WRITE_FAILED naming it.
 */
export function withFileLock<T>(file: string, what: string, fn: () => T): T {
  const lock = `${file}.lock`
  const until = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const fd = openSync(lock, 'wx')
      try {
        writeSync(fd, String(process.pid))
      } finally {
        closeSync(fd)
      }
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ServiceError('WRITE_FAILED', `could not ${what} ${file}: ${reasonOf(e)}`)
    }
    let holder: number, age: number
    try {
      holder = Number(readFileSync(lock, 'utf8'))
      age = Date.now() - statSync(lock).mtimeMs
    } catch {
      continue // released meanwhile
    }
    if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder) || age > LOCK_STALE_MS) {
      rmSync(lock, { force: true })
      continue
    }
    if (Date.now() > until) throw new ServiceError('WRITE_FAILED', `could not ${what} ${file}: another process (pid ${holder}) has been writing it for ${Math.round(age / 1000)} s; try again`)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10) // a short sleep without spinning a core
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { force: true })
  }
}
