// `cnn-studio import FILE.onnx --out MODEL.cnn.json [--weights FILE.weights] [--json]`: an ONNX model opened
// as a design (services/import/onnx-import.ts), and with --weights its weights in the studio's layout, which
// `train --init-weights` can start from. A file that cannot be imported is refused whole with a one-line
// reason and exit 2: not ONNX, truncated, several inputs or outputs, a dynamic image size, an op outside the table.
import type { Command } from 'commander'
import { analyzeGraph, fmtInt, serializeModelFile } from '../../../src-engine/core/graph/index.ts'
import { ImportError, importOnnx, readOnnx } from '../../services/import/onnx-import.ts'
import { writeFileAtomic } from '../../services/import/write.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { esc } from '../escape.ts'

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('open an ONNX model (PyTorch torch.onnx.export, the studio\'s own export) as a model file, with its weights')
    .argument('<file>', 'an ONNX model (*.onnx)')
    .requiredOption('--out <file>', 'the model file to write (*.cnn.json)')
    .option('--weights <file>', 'also write the weights, in the studio\'s layout (*.weights)')
    .option('--name <name>', 'the design\'s name (default: the ONNX graph\'s)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (file: string, opts: { out: string; weights?: string; name?: string; json?: boolean }) => {
      let r
      try {
        r = importOnnx(await readOnnx(file), file, opts.name)
      } catch (e) {
        if (e instanceof ImportError) throw new CliError(e.message, EXIT_USAGE)
        throw e
      }
      try {
        writeFileAtomic(opts.out, serializeModelFile(r.model))
        if (opts.weights) writeFileAtomic(opts.weights, r.weights)
      } catch (e) {
        throw new CliError(`cannot write: ${(e as Error).message}`, EXIT_USAGE)
      }
      const t = analyzeGraph(r.model).totals
      if (opts.json) {
        process.stdout.write(JSON.stringify({ out: opts.out, weights: opts.weights ?? null, nodes: r.model.nodes.length, params: t.params, macs: t.macs, ops: r.ops, warnings: r.warnings }, null, 2) + '\n')
        return
      }
      const lines = [
        `imported ${esc(file)}: ${r.model.nodes.length} layers, ${fmtInt(t.params)} params, ${fmtInt(t.macs)} MACs per image`,
        `ONNX ops: ${Object.entries(r.ops).map(([k, v]) => `${k} x${v}`).join(', ')}`,
        ...r.warnings.map((w) => `warning: ${esc(w)}`),
        `wrote ${esc(opts.out)}${opts.weights ? ` and ${esc(opts.weights)}` : ''}`,
      ]
      process.stdout.write(lines.join('\n') + '\n')
    })
}
