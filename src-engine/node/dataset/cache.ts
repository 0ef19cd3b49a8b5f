// The decoded cache: one compact file per (folder, target shape, fit policy, background) holding every
// image's pixels as uint8 and, per file, the size and mtime it was decoded from. On the next open a file
// whose size and mtime are unchanged is taken from the cache; only changed or new files are decoded.
// Layout: u32 header length, header JSON, then the pixels of the 'ok' entries back to back.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir, platform } from 'node:os'
import { join } from 'node:path'
import type { Target } from './decode.ts'

export const CACHE_VERSION = 1

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

export function readCache(path: string): CacheFile | null {
  try {
    const buf = readFileSync(path)
    const len = buf.readUInt32LE(0)
    const header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as { version: number; entries: CacheEntry[] }
    if (header.version !== CACHE_VERSION) return null
    return { entries: header.entries, pixels: new Uint8Array(buf.buffer, buf.byteOffset + 4 + len, buf.length - 4 - len) }
  } catch {
    return null // no cache yet, or a damaged one: decode again
  }
}

/** Writes atomically (a temporary file renamed over the old one), so a crash never leaves half a cache. */
export function writeCache(path: string, entries: CacheEntry[], pixels: Uint8Array): void {
  const dir = join(path, '..')
  mkdirSync(dir, { recursive: true })
  const header = Buffer.from(JSON.stringify({ version: CACHE_VERSION, entries }), 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32LE(header.length)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, Buffer.concat([len, header, pixels]))
  renameSync(tmp, path)
}
