// The decoded cache: one compact file per (folder, target shape, fit policy, background) holding every
// image's pixels as uint8 and, per file, the size and mtime it was decoded from. On the next open a file
// whose size and mtime are unchanged is taken from the cache; only changed or new files are decoded.
// Layout: u32 header length, header JSON (with the folder and target, for `cnn-studio cache`), then the
// pixels of the 'ok' entries back to back. The folder is capped (CNN_STUDIO_CACHE_MAX, default 1 GiB):
// a file's mtime is its last use, and after each write the least recently used files go first.
// The cache only ever saves time: a failed write (a full or read-only disk) is skipped, never fatal.
import { createHash } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { homedir, platform } from 'node:os'
import { join } from 'node:path'
import type { Target } from './decode.ts'

export const CACHE_VERSION = 2
export const DEFAULT_CACHE_LIMIT = 2 ** 30
const FILE = /^images-[0-9a-f]+\.bin$/

export interface CacheEntry {
  rel: string
  size: number
  mtimeMs: number
  /** Decoded fine (its pixels are in the file), or skipped with the reason. */
  reason?: string
}

export interface CacheFile {
  entries: CacheEntry[]
  /** Pixels of entries without a reason, in order. */
  pixels: Uint8Array
}

/** The user's cache folder for the studio (XDG on Linux, Caches on macOS, LocalAppData on Windows). */
export function defaultCacheDir(): string {
  if (process.env.CNN_STUDIO_CACHE) return process.env.CNN_STUDIO_CACHE
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Caches', 'cnn-studio')
  if (platform() === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'cnn-studio', 'cache')
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cnn-studio')
}

export function cachePath(dir: string, root: string, t: Target): string {
  const key = createHash('sha1').update(JSON.stringify([CACHE_VERSION, root, t.height, t.width, t.channels, t.resize ?? 'stretch', t.background ?? null])).digest('hex').slice(0, 20)
  return join(dir, `images-${key}.bin`)
}

/** The cap on the cache folder's decoded images: CNN_STUDIO_CACHE_MAX in bytes (or with K, M, G), else 1 GiB. */
export function cacheLimit(): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$/i.exec(process.env.CNN_STUDIO_CACHE_MAX ?? '')
  if (!m) return DEFAULT_CACHE_LIMIT
  return Math.floor(Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()))
}

interface Header { version: number; root?: string; target?: Target; entries: CacheEntry[] }

export function readCache(path: string): CacheFile | null {
  try {
    const buf = readFileSync(path)
    const len = buf.readUInt32LE(0)
    const header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Header
    if (header.version !== CACHE_VERSION) return null
    try {
      const t = new Date()
      utimesSync(path, t, t) // used now: the last to be evicted
    } catch {
      // a read-only cache still serves
    }
    return { entries: header.entries, pixels: new Uint8Array(buf.buffer, buf.byteOffset + 4 + len, buf.length - 4 - len) }
  } catch {
    return null // no cache yet, or a damaged one: decode again
  }
}

/**
 * Writes `data` to a temporary file beside `path` and renames it into place, so `path` is either whole or as
 * it was (a full disk or a crash never leaves half a file under its name); the temporary is removed when the
 * write fails. Returns false when it failed: the cache only ever saves time.
 */
export function writeWhole(path: string, data: Uint8Array): boolean {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(tmp, data)
    renameSync(tmp, path)
    return true
  } catch {
    try {
      rmSync(tmp, { force: true })
    } catch {
      // the folder itself is unusable (or the name is taken by a folder): nothing of ours was left in it
    }
    return false
  }
}

/** Writes atomically (writeWhole), then evicts the least recently used files beyond the cap. False when the write failed. */
export function writeCache(path: string, entries: CacheEntry[], pixels: Uint8Array, meta: { root?: string; target?: Target } = {}): boolean {
  const header = Buffer.from(JSON.stringify({ version: CACHE_VERSION, root: meta.root, target: meta.target, entries }), 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32LE(header.length)
  if (!writeWhole(path, Buffer.concat([len, header, pixels]))) return false
  evict(join(path, '..'), cacheLimit(), path)
  return true
}

export interface CacheListing {
  dir: string
  limit: number
  /** Bytes of every file in the folder (decoded images, thumbnails). */
  bytes: number
  files: { file: string; bytes: number; lastUsed: string; root: string | null; height?: number; width?: number; channels?: number; resize?: string; images: number; current: boolean }[]
  thumbnails: { files: number; bytes: number }
}

/** The header of one cache file without reading its pixels. */
function peekHeader(path: string): Header | null {
  const fd = openSync(path, 'r')
  try {
    const len = Buffer.alloc(4)
    if (readSync(fd, len, 0, 4, 0) < 4) return null
    const head = Buffer.alloc(len.readUInt32LE(0))
    readSync(fd, head, 0, head.length, 4)
    return JSON.parse(head.toString('utf8')) as Header
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

function images(dir: string): { file: string; path: string; bytes: number; mtimeMs: number }[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((n) => FILE.test(n)).flatMap((file) => {
    try {
      const st = statSync(join(dir, file))
      return [{ file, path: join(dir, file), bytes: st.size, mtimeMs: st.mtimeMs }]
    } catch {
      return [] // removed meanwhile by another process
    }
  })
}

/** Deletes the least recently used image files until the folder's images fit in `limit` (`keep` stays). */
export function evict(dir: string, limit: number, keep?: string): string[] {
  const files = images(dir).sort((a, b) => a.mtimeMs - b.mtimeMs)
  let total = files.reduce((s, f) => s + f.bytes, 0)
  const gone: string[] = []
  for (const f of files) {
    if (total <= limit) break
    if (f.path === keep) continue
    rmSync(f.path, { force: true })
    total -= f.bytes
    gone.push(f.file)
  }
  return gone
}

/** What the cache folder holds: each folder's decoded images (newest use first) and the thumbnails. */
export function listCache(dir = defaultCacheDir()): CacheListing {
  const files = images(dir).sort((a, b) => b.mtimeMs - a.mtimeMs).map((f) => {
    const h = peekHeader(f.path)
    const current = h?.version === CACHE_VERSION
    return {
      file: f.file, bytes: f.bytes, lastUsed: new Date(f.mtimeMs).toISOString(), root: h?.root ?? null,
      ...(h?.target ? { height: h.target.height, width: h.target.width, channels: h.target.channels, resize: h.target.resize ?? 'stretch' } : {}),
      images: h ? h.entries.filter((e) => !e.reason).length : 0, current,
    }
  })
  let thumbs: { files: number; bytes: number } = { files: 0, bytes: 0 }
  try {
    const names = readdirSync(join(dir, 'thumbnails'))
    thumbs = { files: names.length, bytes: names.reduce((s, n) => s + statSync(join(dir, 'thumbnails', n)).size, 0) }
  } catch {
    // no thumbnails yet
  }
  return { dir, limit: cacheLimit(), bytes: files.reduce((s, f) => s + f.bytes, 0) + thumbs.bytes, files, thumbnails: thumbs }
}

/** Deletes every decoded-image file, leftover temporary and thumbnail; returns the bytes freed. */
export function clearCache(dir = defaultCacheDir()): number {
  const before = listCache(dir).bytes
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  for (const n of names) if (FILE.test(n) || /^images-[0-9a-f]+\.bin\.\d+\.tmp$/.test(n)) rmSync(join(dir, n), { force: true })
  rmSync(join(dir, 'thumbnails'), { recursive: true, force: true })
  return before
}
