// Loading an image folder as an ImageSet in the model's input shape, through the decoded cache.
import { createHash } from 'node:crypto'
import type { ImageSet } from '../../core/data/types.ts'
import { cachePath, defaultCacheDir, readCache, writeCache, type CacheEntry } from './cache.ts'
import { decodeTo, ImageError, type Target } from './decode.ts'
import { forEachLimit } from './pool.ts'
import { readImageFile } from './read.ts'
import { DatasetError, type Scan, type Skipped } from './scan.ts'
import { scanFolderOffThread } from './scan-thread.ts'

export interface LoadOptions {
  /** Where decoded images are cached; default the user's cache folder. `false`: no cache. */
  cacheDir?: string | false
  onProgress?: (done: number, total: number) => void
  /** Class names to use (a test folder must match the training classes): a folder of another name is refused. */
  classes?: string[]
  /** A scan of `root` just made by the caller (to count its images first), so the folder is walked once. */
  scan?: Scan
}

export interface LoadedDataset {
  set: ImageSet
  /** Relative path of each image in `set`, in order. */
  files: string[]
  skipped: Skipped[]
  /** Hash of the folder's paths, sizes and mtimes: a changed folder has a new fingerprint. */
  fingerprint: string
  /** Images decoded now, and images taken from the cache. */
  decoded: number
  cached: number
}

export async function loadDataset(root: string, target: Target, opts: LoadOptions = {}): Promise<LoadedDataset> {
  const scan = opts.scan ?? await scanFolderOffThread(root)
  let labelOf = (l: number) => l
  let classes = scan.classes
  if (opts.classes) {
    const extra = scan.classes.filter((c) => !opts.classes!.includes(c))
    if (extra.length) throw new DatasetError('UNUSABLE', `${root} has class folder${extra.length === 1 ? '' : 's'} ${extra.map((c) => `'${c}'`).join(', ')} that the training data does not have (${opts.classes.join(', ')}); rename or remove ${extra.length === 1 ? 'it' : 'them'}`)
    classes = opts.classes
    labelOf = (l) => opts.classes!.indexOf(scan.classes[l])
  }
  const size = target.height * target.width * target.channels
  const path = opts.cacheDir === false ? null : cachePath(opts.cacheDir ?? defaultCacheDir(), root, target)
  const old = path ? readCache(path) : null
  const oldAt = new Map<string, { entry: CacheEntry; offset: number }>()
  if (old) {
    let offset = 0
    for (const e of old.entries) {
      oldAt.set(e.rel, { entry: e, offset })
      if (!e.reason) offset += size
    }
  }

  const out: (Uint8Array | string)[] = new Array(scan.files.length)
  let decoded = 0, cached = 0, done = 0
  await forEachLimit(scan.files, async (f, i) => {
    const hit = oldAt.get(f.rel)
    if (hit && hit.entry.size === f.size && hit.entry.mtimeMs === f.mtimeMs) {
      out[i] = hit.entry.reason ?? old!.pixels.subarray(hit.offset, hit.offset + size)
      cached++
    } else {
      try {
        out[i] = new Uint8Array(await decodeTo(await readImageFile(f.abs), target))
      } catch (e) {
        out[i] = e instanceof ImageError ? e.message : `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`
      }
      decoded++
    }
    opts.onProgress?.(++done, scan.files.length)
  })

  const good = scan.files.filter((_, i) => typeof out[i] !== 'string').length
  const pixels = new Uint8Array(good * size)
  const labels = new Int32Array(good)
  const files: string[] = []
  const skipped: Skipped[] = [...scan.skipped]
  const entries: CacheEntry[] = []
  let k = 0
  scan.files.forEach((f, i) => {
    const r = out[i]
    if (typeof r === 'string') {
      skipped.push({ path: f.rel, reason: r })
      entries.push({ rel: f.rel, size: f.size, mtimeMs: f.mtimeMs, reason: r })
      return
    }
    pixels.set(r, k * size)
    labels[k] = labelOf(f.label)
    files.push(f.rel)
    entries.push({ rel: f.rel, size: f.size, mtimeMs: f.mtimeMs })
    k++
  })
  if (path && decoded > 0) writeCache(path, entries, pixels, { root, target })

  const counts = new Map<number, number>()
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1)
  if (!opts.classes) {
    if (counts.size === 0) throw new DatasetError('UNUSABLE', `${root} has no class folder with a usable image; put each class's images in a sub-folder named after it`)
    if (counts.size === 1) throw new DatasetError('UNUSABLE', `${root} has images in one class only ('${classes[[...counts.keys()][0]]}'); a classifier needs at least two classes`)
  }
  const fingerprint = createHash('sha1').update(JSON.stringify(scan.files.map((f) => [f.rel, f.size, f.mtimeMs]))).digest('hex')
  return {
    set: { count: good, height: target.height, width: target.width, channels: target.channels, pixels, labels, classes },
    files, skipped, fingerprint, decoded, cached,
  }
}
