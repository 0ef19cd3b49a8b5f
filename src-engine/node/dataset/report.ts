// The health report of an image folder (`dataset inspect`): what is there, what is wrong with it, and
// what to do, before any training starts. JSON keys as shared/spec/model-and-cli.md gives them.
import { createHash } from 'node:crypto'
import { splitIndices } from '../../core/data/split.ts'
import { decodeTo, ImageError, probe } from './decode.ts'
import { forEachLimit } from './pool.ts'
import { readImageFile } from './read.ts'
import { detectLayout, type SplitLayout, type SplitName } from './layout.ts'
import { type ScanLimits, type Skipped } from './scan.ts'
import { cancelled, scanFolderOffThread } from './scan-thread.ts'
import type { HealthReport, SplitCounts, Warning } from '../../core/data/health.ts'

export type { HealthReport, SplitCounts, Warning } from '../../core/data/health.ts'

export interface InspectOptions {
  /** The split the leakage check assumes (the `train` defaults). */
  valSplit?: number
  seed?: number
  /** Images decoded so far, of the total found. */
  onProgress?: (done: number, total: number) => void
  /** Files found so far, during the scan (before any is decoded). */
  onSeen?: (files: number) => void
  /** Aborting stops the read: the scan's worker ends and no further image is decoded; it rejects with CANCELLED. */
  signal?: AbortSignal
  /** Caps of the folder scan (SCAN_LIMITS by default). */
  limits?: ScanLimits
}

interface Found { rel: string; abs: string; label: number; split: SplitName | null }

/** The folders to scan: the root itself, or each split folder of a train/test root (train first). */
async function scanAll(root: string, layout: SplitLayout | null, opts: InspectOptions) {
  const parts: { split: SplitName | null; dir: string; name: string }[] = layout
    ? (['train', 'test', 'val'] as const).filter((k) => layout[k]).map((k) => ({ split: k, dir: layout[k]!, name: layout.names[k]! }))
    : [{ split: null, dir: root, name: '' }]
  let before = 0
  const files: Found[] = []
  const skipped: Skipped[] = []
  let classes: string[] = []
  /** Class folders of a test or validation folder that the training folder does not have. */
  const extra: { split: SplitName; name: string; classes: string[] }[] = []
  for (const part of parts) {
    const scan = await scanFolderOffThread(part.dir, opts.limits, { signal: opts.signal, onSeen: (n) => opts.onSeen?.(before + n) })
    before += scan.files.length
    opts.onSeen?.(before)
    const prefix = part.name ? `${part.name}/` : ''
    if (part.split === null || part.split === 'train') classes = scan.classes
    const others = scan.classes.filter((c) => !classes.includes(c))
    if (others.length) extra.push({ split: part.split!, name: part.name, classes: others })
    for (const f of scan.files) {
      const label = classes.indexOf(scan.classes[f.label])
      if (label >= 0) files.push({ rel: prefix + f.rel, abs: f.abs, label, split: part.split })
    }
    for (const k of scan.skipped) skipped.push({ path: prefix + k.path, reason: k.reason })
  }
  return { classes, files, skipped, extra }
}

export async function inspectDataset(root: string, opts: InspectOptions = {}): Promise<HealthReport> {
  const layout = detectLayout(root)
  const scan = await scanAll(root, layout, opts)
  const skipped = [...scan.skipped]
  const ok: { rel: string; label: number; split: SplitName | null; hash: string; width: number; height: number; channels: number; hasAlpha: boolean; format: string }[] = []
  const results: (typeof ok[number] | null)[] = new Array(scan.files.length).fill(null)
  let done = 0
  await forEachLimit(scan.files, async (f, i) => {
    if (opts.signal?.aborted) throw cancelled(root)
    try {
      const buf = await readImageFile(f.abs)
      const p = await probe(buf)
      await decodeTo(buf, { width: 8, height: 8, channels: 3 }) // a full decode: truncated files fail here
      results[i] = { rel: f.rel, label: f.label, split: f.split, hash: createHash('sha1').update(buf).digest('hex'), ...p }
    } catch (e) {
      skipped.push({ path: f.rel, reason: e instanceof ImageError ? e.message : `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` })
    }
    opts.onProgress?.(++done, scan.files.length)
  })
  if (opts.signal?.aborted) throw cancelled(root)
  for (const r of results) if (r) ok.push(r)
  skipped.sort((a, b) => (a.path < b.path ? -1 : 1))

  const counts = scan.classes.map(() => 0)
  const perSplit = { train: scan.classes.map(() => 0), test: scan.classes.map(() => 0), val: scan.classes.map(() => 0) }
  const sizes = { minWidth: 0, maxWidth: 0, minHeight: 0, maxHeight: 0 }
  const channels = { grey: 0, rgb: 0, alpha: 0 }
  const formats: Record<string, number> = {}
  ok.forEach((r, i) => {
    if (r.split === null || r.split === 'train') counts[r.label]++
    if (r.split) perSplit[r.split][r.label]++
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
  const present = layout ? (['train', 'test', 'val'] as const).filter((k) => layout[k]) : []
  const classes = scan.classes.map((name, i) => ({ name, count: counts[i], ...(layout ? { splits: Object.fromEntries(present.map((k) => [k, perSplit[k][i]])) as unknown as SplitCounts } : {}) }))
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
  // Copies in two split folders of one class are leakage (below), not copies that count twice in training.
  const within = groups.filter((g) => new Set(g.map((i) => ok[i].label)).size === 1 && new Set(g.map((i) => ok[i].split)).size === 1).length
  if (within) {
    warnings.push({ code: 'DUPLICATES', message: `${within} image${within === 1 ? ' appears' : 's appear'} more than once within a class; duplicates count twice in training: delete the copies` })
  }
  const leakage = leakageOf(ok, groups, scan.classes.length, layout, opts)
  if (leakage.across.length) {
    const n = leakage.across.length
    warnings.push({ code: 'SPLIT_LEAKAGE', message: `${n} duplicate group${n === 1 ? '' : 's'} sit${n === 1 ? 's' : ''} in more than one split folder (e.g. ${leakage.across[0].join(', ')}), so the test or validation accuracy would look better than it is: remove the copies from one side` })
  }
  if (leakage.random.length) {
    const n = leakage.random.length
    warnings.push({ code: 'SPLIT_LEAKAGE', message: `${n} duplicate group${n === 1 ? '' : 's'} would land on both sides of the ${Math.round(leakage.valSplit * 100)}% validation split (e.g. ${leakage.random[0].join(', ')}), so validation accuracy would look better than it is: remove the copies` })
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
  else if (layout) problem = splitProblem(root, layout, scan.classes, perSplit, scan.extra)

  const splits = layout ? Object.fromEntries(present.map((k) => [k, perSplit[k].reduce((a, b) => a + b, 0)])) as unknown as SplitCounts : undefined
  return {
    root, classes, images: ok.length, skipped, sizes, channels, formats, duplicates, leakage: [...leakage.across, ...leakage.random], warnings, usable: !problem, ...(problem ? { problem } : {}),
    ...(layout && splits ? { splits, layout: { train: layout.train, ...(layout.test ? { test: layout.test } : {}), ...(layout.val ? { val: layout.val } : {}) } } : {}),
  }
}

/**
 * Duplicate groups on both sides of a split: `across` the split folders of a train/test root, and `random`
 * across the validation split the training folder would get (none when a validation folder replaces it).
 */
function leakageOf(ok: { rel: string; label: number; split: SplitName | null }[], groups: number[][], classCount: number, layout: SplitLayout | null, opts: InspectOptions) {
  const valSplit = opts.valSplit ?? 0.2
  const across = groups.filter((g) => new Set(g.map((i) => ok[i].split)).size > 1).map((g) => g.map((i) => ok[i].rel))
  let random: string[][] = []
  if (groups.length && valSplit > 0 && !layout?.val) {
    const train = ok.map((r, i) => [r, i] as const).filter(([r]) => r.split === null || r.split === 'train').map(([, i]) => i)
    const { val } = splitIndices(Int32Array.from(train, (i) => ok[i].label), classCount, valSplit, opts.seed ?? 1)
    const inVal = new Set(Array.from(val, (j) => train[j]))
    const inTrain = new Set(train)
    random = groups.filter((g) => g.some((i) => inVal.has(i)) && g.some((i) => inTrain.has(i) && !inVal.has(i))).map((g) => g.map((i) => ok[i].rel))
  }
  return { across, random, valSplit }
}

/** A train/test root whose splits do not hold the same classes: what is missing where, and what to do. */
function splitProblem(root: string, layout: SplitLayout, classes: string[], perSplit: Record<SplitName, number[]>, extra: { name: string; classes: string[] }[]): string | undefined {
  const msgs: string[] = []
  for (const k of ['test', 'val'] as const) {
    if (!layout[k]) continue
    const missing = classes.filter((_, i) => perSplit[k][i] === 0)
    if (missing.length) msgs.push(`${layout.names[k]}/ has no images of class${missing.length === 1 ? '' : 'es'} ${missing.map((c) => `'${c}'`).join(', ')}`)
  }
  for (const e of extra) msgs.push(`${e.name}/ has class folder${e.classes.length === 1 ? '' : 's'} ${e.classes.map((c) => `'${c}'`).join(', ')} that ${layout.names.train}/ does not have`)
  if (!msgs.length) return undefined
  return `the splits of ${root} do not hold the same classes: ${msgs.join('; ')}. Each of ${Object.values(layout.names).map((n) => `${n}/`).join(', ')} needs one sub-folder per class, named alike`
}
