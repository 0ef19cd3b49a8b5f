// `cnn-studio evaluate RUN [--split val|test] [--test-dir DIR] [--checkpoint best|last] [--json]`.
import type { Command } from 'commander'
import { esc, escRow, jsonText } from '../escape.ts'
import { gridTable } from '../grid.ts'
import { evaluateRun } from '../../services/insight/evaluate.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { checkpointKind, checkpointOption, dbOption, deviceOption, deviceRequest, pct, withRunStore } from './insight-shared.ts'

export function registerEvaluate(program: Command): void {
  program.command('evaluate').description('a run\'s checkpoint on its validation split or a test folder: confusion matrix, per-class precision/recall/F1, top-k accuracy')
    .argument('<run>', 'a run id, or latest')
    .option('--split <split>', 'val (the images the run held out) or test (a folder)')
    .option('--test-dir <dir>', 'the test folder (default: the run\'s own --test-dir)')
    .option(...checkpointOption).option(...dbOption).option(...deviceOption)
    .option('--json', 'print one JSON document on stdout (with every image\'s prediction)')
    .action(async (ref: string, o: { split?: string; testDir?: string; checkpoint: string; db?: string; json?: boolean; device?: string }) => {
      if (o.split !== undefined && o.split !== 'val' && o.split !== 'test') throw new CliError(`--split must be val or test, not '${o.split}'`, EXIT_USAGE)
      const r = await withRunStore(o.db, (store) => evaluateRun(store, ref, { split: o.split as 'val' | 'test' | undefined, testDir: o.testDir, checkpoint: checkpointKind(o.checkpoint), device: deviceRequest(o.device) }))
      if (r.deviceReason) process.stderr.write(`device ${esc(r.deviceReason)}\n`)
      for (const w of r.warnings) process.stderr.write(`warning: ${esc(w)}\n`)
      if (o.json) return void process.stdout.write(jsonText(r))
      const cm = gridTable(['true \\ predicted', ...r.classes.map(esc)])
      r.confusion.forEach((row, i) => cm.push([esc(r.classes[i]), ...row.map((v, j) => `${v} (${pct(r.normalized[i][j])})`)]))
      const pc = gridTable(['class', 'precision', 'recall', 'F1', 'images'])
      for (const p of r.perClass) pc.push(escRow([p.class, pct(p.precision), pct(p.recall), pct(p.f1), p.support]))
      process.stdout.write(`${r.runId} (${r.checkpoint.kind} checkpoint, epoch ${r.checkpoint.epoch}) on ${r.split === 'val' ? 'its validation split of ' : ''}${esc(r.folder)}: ${r.count} images\n` +
        `accuracy ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}, ${r.topK.map((t) => `top-${t.k} ${pct(t.accuracy)}`).join(', ')}, macro F1 ${pct(r.macroF1)}\n${cm.toString()}\n${pc.toString()}\n`)
    })
}
