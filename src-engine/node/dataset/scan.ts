// Scanning an image folder: classes are the sub-folders of the root (sorted, names kept as labels), images
// are the files inside them (nested folders included). Hidden files and folders are ignored; a symlink loop
// or an unreadable entry is listed with its reason, never fatal.
import { readdirSync, realpathSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

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
  readonly code: 'NOT_FOUND' | 'NOT_A_FOLDER' | 'UNREADABLE' | 'UNUSABLE'
  constructor(code: DatasetError['code'], message: string) {
    super(message)
    this.code = code
  }
}

const hidden = (name: string) => name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || name === '__MACOSX'

export function scanFolder(root: string): Scan {
  let st
  try {
    st = statSync(root)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new DatasetError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNREADABLE', `${root}: ${code === 'ENOENT' ? 'no such folder' : (e as Error).message}`)
  }
  if (!st.isDirectory()) throw new DatasetError('NOT_A_FOLDER', `${root} is a file; a dataset is a folder with one sub-folder of images per class`)
  const rel = (p: string) => relative(root, p).split('\\').join('/')
  const skipped: Skipped[] = []
  const files: ScannedFile[] = []
  let entries
  try {
    entries = readdirSync(root, { withFileTypes: true })
  } catch (e) {
    throw new DatasetError('UNREADABLE', `${root}: cannot list it (${(e as Error).message})`)
  }
  const classDirs: string[] = []
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
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

  classDirs.forEach((name, label) => {
    // Depth-first with the real paths seen on this branch, so a link back up the tree is caught.
    const walk = (dir: string, seen: Set<string>) => {
      let real: string
      try {
        real = realpathSync(dir)
      } catch (e) {
        skipped.push({ path: rel(dir), reason: `cannot follow this link (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` })
        return
      }
      if (seen.has(real)) {
        skipped.push({ path: rel(dir), reason: 'a symbolic link loop (this folder links back to one that contains it); skipped' })
        return
      }
      const here = new Set(seen).add(real)
      let list
      try {
        list = readdirSync(dir, { withFileTypes: true })
      } catch (e) {
        skipped.push({ path: rel(dir), reason: `cannot read this folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` })
        return
      }
      for (const e of list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (hidden(e.name)) continue
        const p = join(dir, e.name)
        let s
        try {
          s = statSync(p)
        } catch (err) {
          skipped.push({ path: rel(p), reason: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link loop' : `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` })
          continue
        }
        if (s.isDirectory()) walk(p, here)
        else if (s.isFile()) files.push({ rel: rel(p), abs: p, size: s.size, mtimeMs: s.mtimeMs, label })
      }
    }
    walk(join(root, name), new Set([realpathSync(root)]))
  })
  return { root, classes: classDirs, files, skipped }
}
