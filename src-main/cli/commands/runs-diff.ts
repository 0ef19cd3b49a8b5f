// `cnn-studio runs diff A B [--test-dir DIR] [--json]`: what changed between two runs, image by image
// (services/compare-predictions.ts): the confusion matrix of B minus A, and the images B fixed and broke.
import type { Command } from 'commander'
import { predictionDiff } from '../../services/compare-predictions.ts'
import type { DiffImage } from '../../api/prediction-diff.ts'
import { esc, jsonText } from '../escape.ts'
import { gridTable } from '../grid.ts'
import { dbOption, pct, withRunStore } from './insight-shared.ts'

/** Images listed a side in the human output; --json has them all. */
const SHOWN = 20
const signed = (v: number) => (v > 0 ? `+${v}` : String(v))

export function registerRunsDiff(runs: Command): void {
  runs.command('diff').description('what changed between two runs, image by image: the confusion matrix of B minus A, the images B fixed and the ones it broke')
    .argument('<a>', 'run A, the reference (a run id, or latest)').argument('<b>', 'run B, compared with A')
    .option('--test-dir <dir>', 'evaluate both on this folder (default: the validation split, or the validation or test folder, both runs share)')
    .option(...dbOption).option('--json', 'print one JSON document on stdout (every image that changed)')
    .action(async (refA: string, refB: string, o: { testDir?: string; db?: string; json?: boolean }) => {
      // Read-only like evaluate: kept evaluations are used, missing ones are made but not kept.
      const d = await withRunStore(o.db, (store) => predictionDiff(store, refA, refB, { testDir: o.testDir }))
      for (const w of d.warnings) process.stderr.write(`warning: ${esc(w)}\n`)
      if (o.json) return void process.stdout.write(jsonText(d))
      const cls = (i: number) => esc(d.classes[i])
      const cm = gridTable(['true \\ predicted', ...d.classes.map(esc)])
      d.confusion.diff.forEach((row, t) => cm.push([cls(t), ...row.map((v, p) => (v ? `${signed(v)} (${d.confusion.a[t][p]} -> ${d.confusion.b[t][p]})` : '0'))]))
      const name = (p: string) => esc(p.split(/[\\/]/).slice(-2).join('/'))
      const line = (im: DiffImage, right: 'a' | 'b') => {
        const wrong = right === 'a' ? 'b' : 'a'
        return `  ${name(im.path)}: ${cls(im.true)}, ${right.toUpperCase()} ${pct(im[right].confidence)} right; ${wrong.toUpperCase()} said ${cls(im[wrong].predicted)} (${pct(im[wrong].confidence)})\n`
      }
      const list = (title: string, idx: number[], right: 'a' | 'b') =>
        `${title} (${idx.length})${idx.length ? ', most confident first:' : ''}\n${idx.slice(0, SHOWN).map((i) => line(d.images[i], right)).join('')}${idx.length > SHOWN ? `  and ${idx.length - SHOWN} more (--json lists them all)\n` : ''}`
      process.stdout.write(`A ${esc(d.a.runId)} ${esc(d.a.name)} -> B ${esc(d.b.runId)} ${esc(d.b.name)}, best checkpoints (epochs ${d.a.checkpoint.epoch} and ${d.b.checkpoint.epoch})\n` +
        `on ${esc(d.source.description)}: ${d.count} images\n` +
        `accuracy ${pct(d.a.accuracy)} -> ${pct(d.b.accuracy)}; both right ${d.counts.bothRight}, both wrong ${d.counts.bothWrong}${d.counts.otherWrong ? ` (${d.counts.otherWrong} with another wrong class)` : ''}\n` +
        `confusion matrix, B minus A:\n${cm.toString()}\n` +
        list('fixed by B (A wrong, B right)', d.fixed, 'b') + list('broken by B (A right, B wrong)', d.broken, 'a'))
    })
}
