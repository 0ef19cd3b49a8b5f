// `cnn-studio export RUN --format onnx|pytorch|weights --out PATH`.
import type { Command } from 'commander'
import { exportRun } from '../../services/export/export.ts'
import { EXPORT_FORMATS, type ExportFormat } from '../../api/contract.ts'
import { CliError, EXIT_NEGATIVE, EXIT_USAGE } from '../errors.ts'
import { esc, jsonText } from '../escape.ts'
import { checkpointKind, checkpointOption, dbOption, withRunStore } from './insight-shared.ts'

export function registerExport(program: Command): void {
  program.command('export').description('a run\'s trained model for other tools: ONNX (with a parity check in onnxruntime), a torchrun-ready PyTorch script, or the model file with its weights')
    .argument('<run>', 'a run id, or latest')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '))
    .requiredOption('--out <path>', 'the file to write (model.onnx, train.py, model.cnn.json); sidecar files go beside it')
    .option('--force', 'replace files at --out that are not earlier exports (never the experiment database)')
    .option(...checkpointOption).option(...dbOption)
    .option('--json', 'print one JSON document on stdout')
    .action(async (ref: string, o: { format: string; out: string; checkpoint: string; db?: string; json?: boolean; force?: boolean }) => {
      if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, not '${o.format}'`, EXIT_USAGE)
      const r = await withRunStore(o.db, (store) => exportRun(store, ref, { format: o.format as ExportFormat, out: o.out, checkpoint: checkpointKind(o.checkpoint), force: o.force }))
      for (const w of r.warnings) process.stderr.write(`warning: ${esc(w)}\n`)
      const p = r.parity
      const parityOk = !p || (p.agreement === 1 && p.maxProbabilityDifference < 1e-4)
      if (o.json) process.stdout.write(jsonText(r))
      else {
        process.stdout.write(`exported ${r.runId} (${r.checkpoint.kind} checkpoint, epoch ${r.checkpoint.epoch}) as ${r.format}:\n${r.files.map((f) => `  ${esc(f)}\n`).join('')}`)
        if (p) process.stdout.write(`parity with onnxruntime on ${p.images} ${p.sample} images: classes agree ${(100 * p.agreement).toFixed(1)}%, largest probability difference ${p.maxProbabilityDifference.toExponential(2)}${parityOk ? '' : ' (MISMATCH)'}\n`)
      }
      if (!parityOk) process.exitCode = EXIT_NEGATIVE
    })
}
