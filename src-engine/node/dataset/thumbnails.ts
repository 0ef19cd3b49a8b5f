// A contact sheet per class for the UI: up to `count` images as small tiles on one PNG, cached next to
// the decoded images and rebuilt only when the class's files change. The gaps are transparent, so the
// sheet sits on the page's own background in light and dark themes.
//
// A sheet is written whole or not at all (writeWhole: a full disk leaves no torn PNG to be served later),
// and the folder is kept small: each class keeps its few most recently used sheets (a sheet per count the
// page asks for would otherwise pile up), and the folder at most SHEETS_KEPT, least recently used first.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { defaultCacheDir, writeWhole } from './cache.ts'
import { decodeTo } from './decode.ts'
import { readImageFile } from './read.ts'
import { DatasetError } from './scan.ts'
import { scanFolderOffThread } from './scan-thread.ts'

export interface SheetOptions { count?: number; tile?: number; columns?: number; cacheDir?: string }

export async function contactSheet(root: string, className: string, opts: SheetOptions = {}): Promise<Buffer> {
  return (await classSheet(root, className, opts)).png
}

// The Data screen asks for every class's sheet at once: one walk of the folder serves them all, for a few
// seconds (a folder changed after that is walked again; the health report always walks it anew).
const SCAN_REUSE_MS = 2000
const recentScans = new Map<string, { at: number; scan: ReturnType<typeof scanFolderOffThread> }>()
function scanOnce(root: string): ReturnType<typeof scanFolderOffThread> {
  const now = Date.now()
  for (const [k, v] of recentScans) if (now - v.at > SCAN_REUSE_MS) recentScans.delete(k)
  let hit = recentScans.get(root)
  if (!hit) {
    hit = { at: now, scan: scanFolderOffThread(root) }
    recentScans.set(root, hit)
    hit.scan.catch(() => recentScans.delete(root)) // a failed walk is not remembered
  }
  return hit.scan
}

/** The sheet with what the UI needs to caption it: how many files the class has, how many tiles a row. */
export async function classSheet(root: string, className: string, opts: SheetOptions = {}): Promise<{ png: Buffer; total: number; columns: number }> {
  const count = opts.count ?? 24, tile = opts.tile ?? 48
  const scan = await scanOnce(root)
  const label = scan.classes.indexOf(className)
  if (label < 0) throw new DatasetError('NOT_FOUND', `${root} has no class '${className}' (it has: ${scan.classes.join(', ')})`)
  const all = scan.files.filter((f) => f.label === label)
  const files = all.slice(0, count)
  const columns = opts.columns ?? 8
  const hash = (v: unknown) => createHash('sha1').update(JSON.stringify(v)).digest('hex')
  const classKey = hash(['v3', root, className]).slice(0, 12)
  const key = hash(['v3', root, className, count, tile, columns, files.map((f) => [f.rel, f.size, f.mtimeMs])]).slice(0, 20)
  const dir = join(opts.cacheDir ?? defaultCacheDir(), 'thumbnails')
  const path = join(dir, `${classKey}-${key}.png`)
  try {
    const png = readFileSync(path)
    touch(path)
    return { png, total: all.length, columns }
  } catch {
    // not cached yet
  }
  const tiles: { input: Buffer; left: number; top: number }[] = []
  for (const f of files) {
    try {
      const raw = await decodeTo(await readImageFile(f.abs), { width: tile, height: tile, channels: 3, resize: 'cover' })
      const png = await sharp(raw, { raw: { width: tile, height: tile, channels: 3 } }).png().toBuffer()
      const i = tiles.length
      tiles.push({ input: png, left: (i % columns) * (tile + 2), top: Math.floor(i / columns) * (tile + 2) })
    } catch {
      // unreadable images are listed by the health report; the sheet shows the rest
    }
  }
  const rows = Math.max(1, Math.ceil(tiles.length / columns))
  const sheet = await sharp({ create: { width: columns * (tile + 2) - 2, height: rows * (tile + 2) - 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite(tiles).png().toBuffer()
  if (writeWhole(path, sheet)) evictSheets(dir, classKey, path)
  return { png: sheet, total: all.length, columns }
}

/** Sheets kept per class: a few counts the page switches between. */
export const SHEETS_PER_CLASS = 4
/** Sheets kept in all (48-pixel tiles: a few hundred KB each at most). */
export const SHEETS_KEPT = 200
/** A temporary sheet older than this is a crashed writer's: removed. */
const STALE_TMP_MS = 10 * 60_000

function touch(path: string): void {
  try {
    const t = new Date()
    utimesSync(path, t, t) // used now: the last to be evicted
  } catch {
    // a read-only cache still serves
  }
}

/** Keeps the class's SHEETS_PER_CLASS and the folder's SHEETS_KEPT most recently used sheets (`keep` stays). */
export function evictSheets(dir: string, classKey: string, keep: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  const now = Date.now()
  const sheets = names.flatMap((name) => {
    try {
      const mtimeMs = statSync(join(dir, name)).mtimeMs
      if (name.endsWith('.tmp')) {
        if (now - mtimeMs > STALE_TMP_MS) rmSync(join(dir, name), { force: true })
        return []
      }
      return name.endsWith('.png') ? [{ name, path: join(dir, name), mtimeMs }] : []
    } catch {
      return [] // removed meanwhile by another process
    }
  }).sort((a, b) => b.mtimeMs - a.mtimeMs || (a.path === keep ? -1 : b.path === keep ? 1 : 0))
  let ofClass = 0
  sheets.forEach((f, i) => {
    const mine = f.name.startsWith(`${classKey}-`)
    if (mine) ofClass++
    if (f.path === keep || (i < SHEETS_KEPT && (!mine || ofClass <= SHEETS_PER_CLASS))) return
    rmSync(f.path, { force: true })
  })
}
