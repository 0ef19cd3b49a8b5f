// `cnn-studio predict RUN IMAGE|FOLDER [--top K] [--json]`: the top classes of each image.
import type { Command } from 'commander'
import { PREDICT_IMAGE_LIMIT } from '../../services/insight/images.ts'
import { predictImages } from '../../services/insight/predict.ts'
import { CliError, EXIT_NEGATIVE, EXIT_USAGE } from '../errors.ts'
import { esc, jsonText } from '../escape.ts'
import { checkpointKind, checkpointOption, dbOption, deviceOption, deviceRequest, pct, withRunStore } from './insight-shared.ts'

export function registerPredict(program: Command): void {
  program.command('predict').description('the top classes of an image, or of every image in a folder, under a run\'s checkpoint')
    .argument('<run>', 'a run id, or latest')
    .argument('<paths...>', `image files or folders (links are followed, each file read once; at most ${PREDICT_IMAGE_LIMIT.toLocaleString('en-US')} images in all)`)
    .option('--top <k>', 'classes shown per image', (v) => (/^\d+$/.test(v) && Number(v) >= 1 ? Number(v) : Number.NaN), 3)
    .option(...checkpointOption).option(...dbOption).option(...deviceOption)
    .option('--json', 'print one JSON document on stdout')
    .action(async (ref: string, paths: string[], o: { top: number; checkpoint: string; db?: string; json?: boolean; device?: string }) => {
      if (!Number.isFinite(o.top)) throw new CliError('--top must be a whole number from 1', EXIT_USAGE)
      const r = await withRunStore(o.db, (store) => predictImages(store, ref, paths, { top: o.top, checkpoint: checkpointKind(o.checkpoint), device: deviceRequest(o.device) }))
      if (r.deviceReason) process.stderr.write(`device ${esc(r.deviceReason)}\n`)
      for (const w of r.warnings) process.stderr.write(`warning: ${esc(w)}\n`)
      for (const s of r.skipped) process.stderr.write(`skipped ${esc(s.path)}: ${esc(s.reason)}\n`)
      if (o.json) process.stdout.write(jsonText(r))
      else for (const p of r.predictions) process.stdout.write(`${esc(p.path)}: ${p.top.map((t) => `${esc(t.class)} ${pct(t.probability)}`).join(', ')}\n`)
      if (!r.predictions.length) process.exitCode = EXIT_NEGATIVE
    })
}
