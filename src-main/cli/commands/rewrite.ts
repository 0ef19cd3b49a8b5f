// `cnn-studio rewrite MODEL --rule stack3x3|gap-head|bottleneck|mlp-baseline [--node ID] [--width N]
// --out NEW.cnn.json [--json]`: one of the course's rewrites (src-engine/core/graph/rewrites.ts) applied to
// a model file, written as a new file, with params, MACs and receptive field before and after. A rule that
// does not apply is refused with its reason and exit 2, and nothing is written.
import type { Command } from 'commander'
import { fmtInt, serializeModelFile } from '../../../src-engine/core/graph/index.ts'
import { REWRITE_RULES, rewriteModel, type RewriteFigures, type RewriteRule } from '../../../src-engine/core/graph/rewrites.ts'
import { writeAtomic } from '../../services/designs.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { esc } from '../escape.ts'
import { readModelFile } from '../read-model.ts'

const int = (v: string) => (/^\d+$/.test(v) ? Number.parseInt(v, 10) : Number.NaN)
const rf = (f: RewriteFigures) => (f.receptiveField === null ? '-' : `${f.receptiveField}x${f.receptiveField}`)
const change = (a: number, b: number) => (a === 0 ? '' : ` (${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%)`)

export function registerRewrite(program: Command): void {
  program
    .command('rewrite')
    .description("apply one of the course's rewrites to a model file and write the result as a new model file")
    .argument('<model>', 'a model file (*.cnn.json)')
    .requiredOption('--rule <rule>', `${REWRITE_RULES.join(', ')}`)
    .requiredOption('--out <file>', 'the new model file to write (*.cnn.json)')
    .option('--node <id>', 'the node to rewrite (default: the first the rule applies to; bottleneck: the costliest)')
    .option('--width <n>', 'bottleneck: filters of the 1x1 conv (default: a quarter of its input channels); mlp-baseline: units of the hidden layers (default 256)', int)
    .option('--json', 'print one JSON document on stdout')
    .action((path: string, opts: { rule: string; out: string; node?: string; width?: number; json?: boolean }) => {
      if (!(REWRITE_RULES as readonly string[]).includes(opts.rule)) throw new CliError(`--rule: one of ${REWRITE_RULES.join(', ')}, not '${opts.rule}'`, EXIT_USAGE)
      if (opts.width !== undefined && !(opts.width >= 1)) throw new CliError('--width: a whole number from 1', EXIT_USAGE)
      const model = readModelFile(path)
      const r = rewriteModel(model, opts.rule as RewriteRule, { node: opts.node, width: opts.width })
      if (!r.ok) throw new CliError(`${opts.rule} does not apply to ${path}: ${r.reason}`, EXIT_USAGE)
      try {
        writeAtomic(opts.out, serializeModelFile(r.model))
      } catch (e) {
        throw new CliError(`cannot write ${opts.out}: ${(e as Error).message}`, EXIT_USAGE)
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ rule: r.rule, out: opts.out, summary: r.summary, changed: r.changed, before: r.before, after: r.after }, null, 2) + '\n')
        return
      }
      const { before: b, after: a } = r
      process.stdout.write([
        `${r.rule}: ${esc(r.summary)}`,
        `params:          ${fmtInt(b.params)} -> ${fmtInt(a.params)}${change(b.params, a.params)}`,
        `MACs per image:  ${fmtInt(b.macs)} -> ${fmtInt(a.macs)}${change(b.macs, a.macs)}`,
        `receptive field: ${rf(b)} -> ${rf(a)}`,
        `changed: ${r.changed.map(esc).join(', ')}`,
        `wrote ${esc(opts.out)}`,
      ].join('\n') + '\n')
    })
}
