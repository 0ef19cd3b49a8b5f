// The `cnn-studio` command line (shared/spec/model-and-cli.md section 2). Each command lives in
// commands/<name>.ts and registers itself here; human output by default, `--json` for scripts.
import { Command, CommanderError } from 'commander'
import { CliError, EXIT_USAGE } from './errors.ts'
import { esc } from './escape.ts'
import { registerInspect } from './commands/inspect.ts'
import { registerBench } from './commands/bench.ts'
import { registerDataset } from './commands/dataset.ts'
import { registerTrain } from './commands/train.ts'
import { registerRuns } from './commands/runs.ts'
import { registerServe } from './commands/serve.ts'
import { registerCache } from './commands/cache.ts'
import { registerEvaluate } from './commands/evaluate.ts'
import { registerPredict } from './commands/predict.ts'
import { registerExport } from './commands/export.ts'
import { registerExplain } from './commands/explain.ts'
import { registerImport } from './commands/import.ts'
import { registerRewrite } from './commands/rewrite.ts'
import { releaseGpu } from '../../src-engine/node/gpu/load.ts'

export function buildProgram(): Command {
  const program = new Command('cnn-studio')
    .description('Design convolutional networks, train them on your own image folders, compare the runs.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  registerInspect(program)
  registerDataset(program)
  registerTrain(program)
  registerRuns(program)
  registerEvaluate(program)
  registerPredict(program)
  registerExport(program)
  registerExplain(program)
  registerImport(program)
  registerRewrite(program)
  registerServe(program)
  registerBench(program)
  registerCache(program)
  return program
}

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE
    }
    if (err instanceof CliError) {
      process.stderr.write(`cnn-studio: ${esc(err.message)}\n`)
      return err.exitCode
    }
    process.stderr.write(`cnn-studio: ${esc(err instanceof Error ? err.message : String(err))}\n`)
    return EXIT_USAGE
  } finally {
    // A GPU a command used (--device) is let go, or Node would not exit while Dawn's instance is held.
    await releaseGpu()
  }
}
