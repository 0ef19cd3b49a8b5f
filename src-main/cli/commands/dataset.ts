// `cnn-studio dataset inspect DIR [--json]`: the health report of an image folder.
import type { Command } from 'commander'
import { gridTable } from '../grid.ts'
import { DatasetError, inspectDataset, type HealthReport } from '../../../src-engine/node/dataset/index.ts'
import { CliError, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE } from '../errors.ts'
import { esc, jsonText } from '../escape.ts'
import { progress } from '../progress.ts'

function print(r: HealthReport): void {
  // A train/test root: a column per split folder (classes from its train/).
  const keys = (['train', 'test', 'val'] as const).filter((k) => r.splits?.[k] !== undefined)
  const folder = (k: (typeof keys)[number]) => `${esc(r.layout?.[k]?.split(/[\\/]/).pop() ?? k)}/`
  const t = keys.length ? gridTable(['class', ...keys.map(folder)], ['left', ...keys.map(() => 'right' as const)]) : gridTable(['class', 'images'], ['left', 'right'])
  for (const c of r.classes) t.push(keys.length ? [esc(c.name), ...keys.map((k) => c.splits?.[k] ?? 0)] : [esc(c.name), c.count])
  const lines = [
    `${esc(r.root)}: ${r.images} image${r.images === 1 ? '' : 's'} in ${r.classes.length} class${r.classes.length === 1 ? '' : 'es'}` +
      (keys.length ? ` (splits: ${keys.map((k) => `${folder(k)} ${r.splits![k]}`).join(', ')})` : ''),
    t.toString(),
    r.images ? `sizes: ${r.sizes.minWidth}x${r.sizes.minHeight} to ${r.sizes.maxWidth}x${r.sizes.maxHeight}; channels: ${r.channels.grey} grey, ${r.channels.rgb} colour, ${r.channels.alpha} with transparency; formats: ${Object.entries(r.formats).map(([f, n]) => `${n} ${esc(f)}`).join(', ')}` : '',
  ]
  if (r.skipped.length) {
    lines.push(`skipped (${r.skipped.length}):`)
    for (const s of r.skipped.slice(0, 20)) lines.push(`  ${esc(s.path)}: ${esc(s.reason)}`)
    if (r.skipped.length > 20) lines.push(`  ... and ${r.skipped.length - 20} more (--json lists all)`)
  }
  if (r.duplicates.length) lines.push(`duplicates: ${r.duplicates.length} group${r.duplicates.length === 1 ? '' : 's'} (e.g. ${r.duplicates[0].map(esc).join(' = ')})`)
  for (const w of r.warnings) lines.push(`warning ${w.code}: ${esc(w.message)}`)
  lines.push(r.usable ? 'usable: yes' : `usable: no. ${esc(r.problem)}`)
  process.stdout.write(lines.filter(Boolean).join('\n') + '\n')
}

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('image folders (one sub-folder per class)')
  dataset
    .command('inspect')
    .description('the health report of an image folder: classes, sizes, channels, skipped files, duplicates, warnings; a root with train/ and test/ (and val/) is read as one dataset with its splits')
    .argument('<dir>', 'the dataset folder (one sub-folder per class), or a root with train/ and test/')
    .option('--json', 'print one JSON document on stdout')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const bar = progress('reading images')
      let report: HealthReport
      try {
        report = await inspectDataset(dir, { onProgress: (d, t) => bar.update(d, t) })
      } catch (e) {
        if (e instanceof DatasetError) throw new CliError(e.message, EXIT_USAGE)
        throw e
      } finally {
        bar.stop()
      }
      if (opts.json) process.stdout.write(jsonText(report))
      else print(report)
      if (!report.usable && !opts.json) process.stderr.write(`cnn-studio: ${esc(report.problem)}\n`)
      process.exitCode = report.usable ? EXIT_OK : EXIT_NEGATIVE
    })
}
