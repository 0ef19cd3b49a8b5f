// The health report of an image folder (`dataset inspect`): what is there, what is wrong with it, and
// what to do, before any training starts. JSON keys as shared/spec/model-and-cli.md gives them.
import { createHash } from 'node:crypto'
import { splitIndices } from '../../core/data/split.ts'
import { decodeTo, ImageError, probe } from './decode.ts'
import { forEachLimit } from './pool.ts'
import { readImageFile } from './read.ts'
import { type ScanLimits } from './scan.ts'
import { scanFolderOffThread } from './scan-thread.ts'
import type { HealthReport, Warning } from '../../core/data/health.ts'

export type { HealthReport, Warning } from '../../core/data/health.ts'

export interface InspectOptions {
  /** The split the leakage check assumes (the `train` defaults). */
  valSplit?: number
  seed?: number
  onProgress?: (done: number, total: number) => void
  /** Caps of the folder scan (SCAN_LIMITS by default). */
  limits?: ScanLimits
}

export async function inspectDataset(root: string, opts: InspectOptions = {}): Promise<HealthReport> {
  const scan = await scanFolderOffThread(root, opts.limits)
  const skipped = [...scan.skipped]
  const ok: { rel: string; label: number; hash: string; width: number; height: number; channels: number; hasAlpha: boolean; format: string }[] = []
  const results: (typeof ok[number] | null)[] = new Array(scan.files.length).fill(null)
  let done = 0
  await forEachLimit(scan.files, async (f, i) => {
    try {
      const buf = await readImageFile(f.abs)
      const p = await probe(buf)
      await decodeTo(buf, { width: 8, height: 8, channels: 3 }) // a full decode: truncated files fail here
      results[i] = { rel: f.rel, label: f.label, hash: createHash('sha1').update(buf).digest('hex'), ...p }
    } catch (e) {
      skipped.push({ path: f.rel, reason: e instanceof ImageError ? e.message : `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` })
    }
    opts.onProgress?.(++done, scan.files.length)
  })
  for (const r of results) if (r) ok.push(r)
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1))

  const counts = scan.classes.map(() => 0)
  const sizes = { minWidth: 0, maxWidth: 0, minHeight: 0, maxHeight: 0 }
  const channels = { grey: 0, rgb: 0, alpha: 0 }
  const formats: Record<string, number> = {}
  ok.forEach((r, i) => {
    counts[r.label]++
    if (i === 0) Object.assign(sizes, { minWidth: r.width, maxWidth: r.width, minHeight: r.height, maxHeight: r.height })
    sizes.minWidth = Math.min(sizes.minWidth, r.width)
    sizes.maxWidth = Math.max(sizes.maxWidth, r.width)
    sizes.minHeight = Math.min(sizes.minHeight, r.height)
    sizes.maxHeight = Math.max(sizes.maxHeight, r.height)
    if (r.channels <= 2) channels.grey++
    else channels.rgb++
    if (r.hasAlpha) channels.alpha++
    formats[r.format] = (formats[r.format] ?? 0) + 1
  })

  const byHash = new Map<string, number[]>()
  ok.forEach((r, i) => byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), i]))
  const groups = [...byHash.values()].filter((g) => g.length > 1)
  const duplicates = groups.map((g) => g.map((i) => ok[i].rel))

  const warnings: Warning[] = []
  const classes = scan.classes.map((name, i) => ({ name, count: counts[i] }))
  for (const c of classes) {
    if (c.count === 0) warnings.push({ code: 'EMPTY_CLASS', message: `class '${c.name}' has no usable images; add some, or remove the folder so it is not a class` })
    else if (c.count < 10) warnings.push({ code: 'TINY_CLASS', message: `class '${c.name}' has only ${c.count} image${c.count === 1 ? '' : 's'}; a network needs dozens per class to learn it (use augmentation, or collect more)` })
  }
  const nonEmpty = classes.filter((c) => c.count > 0)
  if (nonEmpty.length >= 2) {
    const big = nonEmpty.reduce((a, b) => (b.count > a.count ? b : a))
    const small = nonEmpty.reduce((a, b) => (b.count < a.count ? b : a))
    if (big.count >= 3 * small.count) {
      warnings.push({ code: 'CLASS_IMBALANCE', message: `class '${big.name}' has ${big.count} images, '${small.name}' only ${small.count} (${(big.count / small.count).toFixed(1)}x fewer); accuracy will favour '${big.name}': collect more '${small.name}' images or watch per-class accuracy` })
    }
  }
  const across = groups.filter((g) => new Set(g.map((i) => ok[i].label)).size > 1)
  if (across.length) {
    const ex = across[0].map((i) => ok[i].rel).join(', ')
    warnings.push({ code: 'DUPLICATE_ACROSS_CLASSES', message: `${across.length} image${across.length === 1 ? ' is' : 's are'} filed under more than one class (e.g. ${ex}); the same picture cannot be both: keep each in its right class only` })
  }
  if (groups.length > across.length) {
    warnings.push({ code: 'DUPLICATES', message: `${groups.length - across.length} image${groups.length - across.length === 1 ? ' appears' : 's appear'} more than once within a class; duplicates count twice in training: delete the copies` })
  }
  const valSplit = opts.valSplit ?? 0.2
  let leakage: string[][] = []
  if (groups.length && valSplit > 0) {
    const { val } = splitIndices(Int32Array.from(ok, (r) => r.label), scan.classes.length, valSplit, opts.seed ?? 1)
    const inVal = new Set(val)
    const leaking = groups.filter((g) => g.some((i) => inVal.has(i)) && g.some((i) => !inVal.has(i)))
    leakage = leaking.map((g) => g.map((i) => ok[i].rel))
    if (leaking.length) {
      warnings.push({ code: 'SPLIT_LEAKAGE', message: `${leaking.length} duplicate group${leaking.length === 1 ? '' : 's'} would land on both sides of the ${Math.round(valSplit * 100)}% validation split (e.g. ${leaking[0].map((i) => ok[i].rel).join(', ')}), so validation accuracy would look better than it is: remove the copies` })
    }
  }
  if (ok.length && (sizes.minWidth !== sizes.maxWidth || sizes.minHeight !== sizes.maxHeight)) {
    warnings.push({ code: 'MIXED_SIZES', message: `image sizes range from ${sizes.minWidth}x${sizes.minHeight} to ${sizes.maxWidth}x${sizes.maxHeight}; all are resized to the model's input (set the input's resize to 'cover' or 'contain' to keep proportions)` })
  }
  if (channels.grey && channels.rgb) {
    warnings.push({ code: 'MIXED_CHANNELS', message: `${channels.grey} grey and ${channels.rgb} colour images; all are converted to the model input's channels (1 or 3)` })
  }
  if (skipped.length) warnings.push({ code: 'SKIPPED_FILES', message: `${skipped.length} file${skipped.length === 1 ? ' was' : 's were'} skipped (listed with reasons); training uses the rest` })

  let problem: string | undefined
  if (nonEmpty.length === 0) problem = `${root} has no class folder with a usable image; put the images of each class in a sub-folder named after it (e.g. ${root}/cat/1.png, ${root}/dog/1.png)`
  else if (nonEmpty.length === 1) problem = `${root} has images in one class only ('${nonEmpty[0].name}'); a classifier needs at least two classes: add another sub-folder of images`

  return { root, classes, images: ok.length, skipped, sizes, channels, formats, duplicates, leakage, warnings, usable: !problem, ...(problem ? { problem } : {}) }
}
