// `cnn-studio inspect MODEL.cnn.json [--json]`: every node's output shape, parameters, MACs and receptive
// field, the totals, and the issues (shared/spec/model-and-cli.md).
import type { Command } from 'commander'
import { analyzeGraph, fmtInt, type GraphAnalysis } from '../../../src-engine/core/graph/index.ts'
import { countImages, memorySummary } from '../../services/memory-check.ts'
import { describeEstimate } from '../../../src-engine/core/train/checks.ts'
import { DatasetError } from '../../../src-engine/node/dataset/index.ts'
import { CliError, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE } from '../errors.ts'
import { esc, escRow, jsonText } from '../escape.ts'
import { grid } from '../grid.ts'
import { readModelFile } from '../read-model.ts'

type Memory = ReturnType<typeof memorySummary>
const int = (v: string) => (/^\d+$/.test(v) ? Number.parseInt(v, 10) : Number.NaN)

export function inspectJson(a: GraphAnalysis, memory?: Memory) {
  return {
    nodes: a.nodes.map((n) => ({
      id: n.id, type: n.type, outputShape: n.outputShape, params: n.params, trainableParams: n.trainableParams,
      nonTrainableParams: n.nonTrainableParams, macs: n.macs, receptiveField: n.receptiveField, receptiveFieldHW: n.receptiveFieldHW,
    })),
    totals: a.totals,
    outputId: a.outputId,
    issues: a.issues.map((i) => ({ nodeId: i.nodeId ?? null, severity: i.severity, code: i.code, message: i.message })),
    ...(memory ? { memory } : {}),
  }
}

/** 10323200 -> '10.3 M'. */
function short(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`
  return String(n)
}

function printTable(name: string, a: GraphAnalysis, m: Memory): void {
  const rows = a.nodes.map((n) => {
    const rf = n.receptiveFieldHW ? (n.receptiveFieldHW[0] === n.receptiveFieldHW[1] ? `${n.receptiveFieldHW[0]}x${n.receptiveFieldHW[0]}` : n.receptiveFieldHW.join('x')) : '-'
    return escRow([n.id, n.type, n.outputShape ? n.outputShape.join('x') : '?', fmtInt(n.params), fmtInt(n.macs), rf])
  })
  const t = a.totals
  const lines = [
    esc(name),
    grid(['id', 'type', 'output', 'params', 'MACs', 'receptive field'], rows, ['left', 'left', 'left', 'right', 'right', 'right']),
    `params: ${fmtInt(t.params)} (${fmtInt(t.trainableParams)} trainable${t.nonTrainableParams ? `, ${fmtInt(t.nonTrainableParams)} non-trainable running statistics` : ''})`,
    `MACs per image: ${fmtInt(t.macs)} (${short(t.macs)})`,
    `training memory (${m.optimizer}): ${describeEstimate(m, m.batchSize, m.workers, m.datasetImages)}`,
  ]
  const errors = a.issues.filter((i) => i.severity === 'error').length
  const warnings = a.issues.length - errors
  lines.push(a.issues.length === 0 ? 'issues: none' : `issues: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`)
  for (const i of a.issues) lines.push(`  ${i.severity === 'error' ? 'error  ' : 'warning'} ${i.code}${i.nodeId ? ` [${esc(i.nodeId)}]` : ''}: ${esc(i.message)}`)
  process.stdout.write(lines.join('\n') + '\n')
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('per-node output shape, params, MACs and receptive field of a model file, its totals and issues')
    .argument('<model>', 'a model file (*.cnn.json)')
    .option('--json', 'print one JSON document on stdout')
    .option('--training', 'also check what training needs (a softmax classifier at the end)')
    .option('--batch-size <n>', 'batch size for the training memory estimate', int, 32)
    .option('--optimizer <name>', 'optimizer for the memory estimate: sgd, adam or adamw', 'adam')
    .option('--workers <n>', 'worker threads for the memory estimate (default: all cores)', int)
    .option('--dataset <dir>', 'count this folder\'s images into the memory estimate (decoded at the input size)')
    .action(async (path: string, opts: { json?: boolean; training?: boolean; batchSize: number; optimizer: string; workers?: number; dataset?: string }) => {
      if (!(opts.batchSize >= 1 && opts.batchSize <= 4096)) throw new CliError('--batch-size: a whole number from 1 to 4096', EXIT_USAGE)
      if (opts.workers !== undefined && !(opts.workers >= 1 && opts.workers <= 256)) throw new CliError('--workers: a whole number from 1 to 256', EXIT_USAGE)
      if (!['sgd', 'adam', 'adamw'].includes(opts.optimizer)) throw new CliError(`--optimizer: sgd, adam or adamw, not '${opts.optimizer}'`, EXIT_USAGE)
      const model = readModelFile(path)
      const a = analyzeGraph(model, { forTraining: opts.training })
      let images = 0
      try {
        if (opts.dataset) images = await countImages(opts.dataset)
      } catch (e) {
        if (e instanceof DatasetError) throw new CliError(e.message, EXIT_USAGE)
        throw e
      }
      const memory = memorySummary(a, { batchSize: opts.batchSize, optimizer: opts.optimizer, workers: opts.workers, datasetImages: images })
      if (opts.json) process.stdout.write(jsonText(inspectJson(a, memory)))
      else printTable(model.name ? `${model.name} (${path})` : path, a, memory)
      process.exitCode = a.hasErrors ? EXIT_NEGATIVE : EXIT_OK
    })
}
