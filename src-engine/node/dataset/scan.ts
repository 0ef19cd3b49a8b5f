// Scanning an image folder: classes are the sub-folders of the root (sorted, names kept as labels), images
// are the files inside them (nested folders included). Hidden files and folders are ignored; a symlink loop
// or an unreadable entry is listed with its reason, never fatal.
//
// Links can make a folder reachable many times (a diamond of links doubles the paths at each level) or
// reach a whole disk (a class folder linking to `/`), so each real folder (device + inode) is read once,
// each real file counted once, and the scan is capped in folders, files and depth.
//
// Only regular files are listed, with the size their stat gives: a device, FIFO or socket (or a link to one)
// is skipped with what it is, and a file over the size cap with its size, so nothing after the scan opens
// them. A file whose size reads 0 (an empty file, or a /proc file) is listed: the reader reads one byte of
// it and tells which.
import { readdirSync, statSync, type BigIntStats } from 'node:fs'
import { join, relative } from 'node:path'
import { FILE_SIZE_LIMIT, specialKind, tooLargeReason } from './file-kind.ts'

export interface ScannedFile {
  /** Path relative to the root, with forward slashes: the file's name in reports. */
  rel: string
  abs: string
  size: number
  mtimeMs: number
  label: number
}

export interface Skipped {
  path: string
  reason: string
}

export interface Scan {
  root: string
  classes: string[]
  files: ScannedFile[]
  skipped: Skipped[]
}

export class DatasetError extends Error {
  readonly code: 'NOT_FOUND' | 'NOT_A_FOLDER' | 'UNREADABLE' | 'UNUSABLE' | 'TOO_LARGE' | 'CANCELLED'
  constructor(code: DatasetError['code'], message: string) {
    super(message)
    this.code = code
  }
}

const hidden = (name: string) => name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name === '__MACOSX'

export interface ScanLimits {
  /** Folders read in all, the root's included. */
  folders: number
  /** Files found in all. */
  files: number
  /** Folders below a class folder; deeper ones are skipped with a reason. */
  depth: number
  /** The largest file listed (FILE_SIZE_LIMIT by default); a larger one is skipped, unread, with its size. */
  fileBytes?: number
}

// A class-per-folder dataset rarely has more than a few hundred folders; 10,000 stops a link to / within seconds.
export const SCAN_LIMITS: ScanLimits = { folders: 10_000, files: 500_000, depth: 32, fileBytes: FILE_SIZE_LIMIT }

const realId = (s: BigIntStats) => `${s.dev}:${s.ino}`
/** The mtimeMs a plain statSync gives (Node's own formula), so cache keys and fingerprints stay as they were. */
const msOf = (ns: bigint) => Number(ns / 1_000_000_000n) * 1e3 + Number(ns % 1_000_000_000n) / 1e6
const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message

/** The root's stats, or the DatasetError that says why it is not a folder to scan. */
export function statRoot(root: string): BigIntStats {
  let st
  try {
    st = statSync(root, { bigint: true })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new DatasetError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `${root}: ${code === 'ENOENT' ? 'no such folder' : (e as Error).message}`)
  }
  const kind = specialKind(st)
  if (!st.isDirectory()) throw new DatasetError('NOT_A_FOLDER', `${root} is ${kind ?? 'a file'}; a dataset is a folder with one sub-folder of images per class`)
  return st
}

/** The walk's shared state: what was found, and which real folders and files were seen where. */
interface Walk {
  root: string
  limits: ScanLimits
  files: ScannedFile[]
  skipped: Skipped[]
  /** Real folder -> where it was first read; real file -> where it was first counted. */
  foldersSeen: Map<string, string>
  filesSeen: Map<string, string>
  /** The error a cap (in folders or files) stops the walk with. */
  tooLarge: (what: string, dir: string) => DatasetError
  /** Told the files found so far, every SEEN_EVERY files (a long scan shows it is moving). */
  onSeen?: (files: number) => void
}

const SEEN_EVERY = 256

const relTo = (root: string, p: string) => relative(root, p).split('\\').join('/')

/** Depth-first with the real folders on the current path, to tell a loop from a folder reached twice. */
function walk(w: Walk, dir: string, dirStat: BigIntStats, ancestors: Set<string>, depth: number, label: number): void {
  const rel = (p: string) => relTo(w.root, p) || '.'
  const { limits, skipped } = w
  const id = realId(dirStat)
  if (ancestors.has(id)) {
    skipped.push({ path: rel(dir), reason: 'a symbolic link loop (this folder links back to one that contains it); skipped' })
    return
  }
  const first = w.foldersSeen.get(id)
  if (first !== undefined) {
    skipped.push({ path: rel(dir), reason: `the same folder as ${first} (reached again through a link); its images count once` })
    return
  }
  if (depth > limits.depth) {
    skipped.push({ path: rel(dir), reason: `more than ${limits.depth} folders deep; skipped (a link to a large tree?)` })
    return
  }
  if (w.foldersSeen.size >= limits.folders) throw w.tooLarge(`${limits.folders.toLocaleString('en-US')} folders`, dir)
  w.foldersSeen.set(id, rel(dir))
  let list
  try {
    list = readdirSync(dir, { withFileTypes: true })
  } catch (e) {
    skipped.push({ path: rel(dir), reason: `cannot read this folder (${why(e)})` })
    return
  }
  ancestors.add(id)
  const maxBytes = limits.fileBytes ?? FILE_SIZE_LIMIT
  for (const e of list.sort(byName)) {
    if (hidden(e.name)) continue
    const p = join(dir, e.name)
    let s
    try {
      s = statSync(p, { bigint: true })
    } catch (err) {
      skipped.push({ path: rel(p), reason: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link loop' : `cannot read it (${why(err)})` })
      continue
    }
    if (s.isDirectory()) walk(w, p, s, ancestors, depth + 1, label)
    else if (s.isFile()) {
      const fileId = realId(s)
      const seenAs = w.filesSeen.get(fileId)
      if (seenAs !== undefined) {
        skipped.push({ path: rel(p), reason: `the same file as ${seenAs} (a link); counted once` })
        continue
      }
      if (s.size > BigInt(maxBytes)) {
        skipped.push({ path: rel(p), reason: tooLargeReason(Number(s.size), maxBytes) })
        continue
      }
      if (w.filesSeen.size >= limits.files) throw w.tooLarge(`${limits.files.toLocaleString('en-US')} files`, dir)
      w.filesSeen.set(fileId, rel(p))
      w.files.push({ rel: rel(p), abs: p, size: Number(s.size), mtimeMs: msOf(s.mtimeNs), label })
      if (w.onSeen && w.files.length % SEEN_EVERY === 0) w.onSeen(w.files.length)
    } else {
      skipped.push({ path: rel(p), reason: `${specialKind(s) ?? 'not a regular file'}${e.isSymbolicLink() ? ' (through a link)' : ''}, not an image file; not read` })
    }
  }
  ancestors.delete(id)
}

export function scanFolder(root: string, limits: ScanLimits = SCAN_LIMITS, onSeen?: (files: number) => void): Scan {
  const st = statRoot(root)
  const rel = (p: string) => relTo(root, p)
  const skipped: Skipped[] = []
  const files: ScannedFile[] = []
  let entries
  try {
    entries = readdirSync(root, { withFileTypes: true })
  } catch (e) {
    throw new DatasetError('UNREADABLE', `${root}: cannot list it (${(e as Error).message})`)
  }
  const classDirs: string[] = []
  for (const e of entries.sort(byName)) {
    if (hidden(e.name)) continue
    const p = join(root, e.name)
    let isDir = e.isDirectory()
    if (e.isSymbolicLink()) {
      try {
        isDir = statSync(p).isDirectory()
      } catch {
        skipped.push({ path: e.name, reason: 'a broken link' })
        continue
      }
    }
    if (isDir) classDirs.push(e.name)
    else skipped.push({ path: e.name, reason: 'not inside a class folder; put each image in the sub-folder named after its class' })
  }

  const w: Walk = {
    root, limits, files, skipped, foldersSeen: new Map([[realId(st), '.']]), filesSeen: new Map(), onSeen,
    tooLarge: (what, dir) => new DatasetError('TOO_LARGE', `${root}: the scan stopped at ${what} (reached ${rel(dir) || '.'}); a dataset is a folder with one sub-folder of images per class. Is a class folder a link to a large tree, such as / or a home folder? Link to the images themselves instead`),
  }
  classDirs.forEach((name, label) => {
    const dir = join(root, name)
    let s
    try {
      s = statSync(dir, { bigint: true })
    } catch (e) {
      skipped.push({ path: name, reason: `cannot follow this link (${why(e)})` })
      return
    }
    walk(w, dir, s, new Set([realId(st)]), 0, label)
  })
  return { root, classes: classDirs, files, skipped }
}

/**
 * Every image file under `root` (nested folders included), with the dataset scan's rules and caps: links are
 * followed, each real folder read and each real file listed once, loops, devices and oversize files skipped
 * with their reason. The files' label is 0 and `classes` is empty. Stops with TOO_LARGE past `limits.files`.
 */
export function listFolder(root: string, limits: ScanLimits = SCAN_LIMITS, onSeen?: (files: number) => void): Scan {
  const st = statRoot(root)
  const w: Walk = {
    root, limits, files: [], skipped: [], foldersSeen: new Map(), filesSeen: new Map(), onSeen,
    tooLarge: (what, dir) => new DatasetError('TOO_LARGE', `${root}: the listing stopped at ${what} (reached ${relTo(root, dir) || '.'})`),
  }
  walk(w, root, st, new Set(), 0, 0)
  return { root, classes: [], files: w.files, skipped: w.skipped }
}
