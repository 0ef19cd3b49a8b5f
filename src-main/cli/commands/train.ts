// `cnn-studio train MODEL.cnn.json DIR`: trains, records the run in the experiment database, shows a
// progress bar (stderr), prints the result (or the spec's JSON with --json). Ctrl-C stops cleanly.
import type { Command } from 'commander'
import { jsonText } from '../escape.ts'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { StoreError } from '../../services/store/open.ts'
import type { Store } from '../../services/store/store.ts'
import { ServiceError } from '../../services/errors.ts'
import { TrainingService } from '../../services/training.ts'
import { CliError, EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE } from '../errors.ts'
import { openStore, runJson, storeFailure } from '../open-store.ts'
import { progress } from '../progress.ts'
import { readModelFile } from '../read-model.ts'

const num = (v: string) => Number(v)
const int = (v: string) => (/^-?\d+$/.test(v) ? Number.parseInt(v, 10) : Number.NaN)

interface TrainOpts {
  epochs: number; batchSize: number; optimizer: string; lr?: number; momentum: number; valSplit: number
  testDir?: string; seed: number; augment: string; workers?: number; name?: string; db?: string; json?: boolean; initWeights?: string; device?: string
}

/** Runs one training to its end through the service, with the bar and Ctrl-C handling; returns the run id. */
export async function trainOnce(service: TrainingService, start: () => Promise<{ runId: string }>, quiet: boolean): Promise<string> {
  const bar = progress('', '{bar} epoch {epoch}/{epochs} loss {loss} acc {acc} {ips} img/s ETA {eta_formatted}')
  let runId: string
  try {
    ;({ runId } = await start())
  } catch (e) {
    if (e instanceof ServiceError) throw new CliError(e.message, e.code === 'INVALID_SETTINGS' ? EXIT_USAGE : EXIT_NEGATIVE)
    if (e instanceof StoreError) throw storeFailure(e)
    throw e
  }
  const off = service.subscribe((e) => {
    if (e.runId !== runId || quiet) return
    if (e.type === 'progress') {
      bar.update((e.epoch - 1) * e.stepsPerEpoch + e.step, e.epochs * e.stepsPerEpoch, { epoch: e.epoch, epochs: e.epochs, loss: e.loss.toFixed(4), acc: e.accuracy.toFixed(3), ips: Math.round(e.imagesPerSecond) })
    }
    // The device chosen for the run and why (--device auto|gpu).
    if (e.type === 'status' && e.status === 'running' && e.message) process.stderr.write(`device ${e.message}\n`)
    if (e.type === 'epoch' && !process.stderr.isTTY) {
      process.stderr.write(`epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} acc ${e.trainAccuracy.toFixed(3)}${e.valAccuracy !== undefined ? ` val_loss ${e.valLoss!.toFixed(4)} val_acc ${e.valAccuracy.toFixed(3)}` : ''} (${e.seconds.toFixed(1)} s)\n`)
    }
  })
  const onSigint = () => {
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit at once)...\n')
    process.off('SIGINT', onSigint)
    service.stop(runId)
  }
  process.on('SIGINT', onSigint)
  await service.whenIdle()
  process.off('SIGINT', onSigint)
  off()
  bar.stop()
  return runId
}

/**
 * The run's JSON as the store has it, with the outcome the service saw where the store could not record
 * it (a full disk): `--json` always prints the truth, in one document.
 */
export function finalJson(store: Store, service: TrainingService, runId: string): ReturnType<typeof runJson> {
  const j = runJson(store, runId)
  const out = service.outcome(runId)
  return out && (out.status !== j.status || out.error !== j.error) ? { ...j, status: out.status, error: out.error } : j
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a model on an image folder (one sub-folder per class) and record the run')
    .argument('<model>', 'a model file (*.cnn.json)')
    .argument('<dir>', 'the dataset folder (one sub-folder per class), or a root with train/ and test/ (and val/): train/ is trained on, test/ tested, val/ replaces --val-split')
    .option('--epochs <n>', 'passes over the training images', int, 10)
    .option('--batch-size <n>', 'images per step', int, 32)
    .option('--optimizer <name>', 'sgd, adam or adamw', 'adam')
    .option('--lr <x>', 'learning rate (default 0.001 for adam, 0.01 for sgd)', num)
    .option('--momentum <x>', 'SGD momentum', num, 0.9)
    .option('--val-split <f>', 'share of each class held out for validation', num, 0.2)
    .option('--test-dir <dir>', 'a separate folder evaluated at the end (default: the root\'s test/)')
    .option('--seed <n>', 'seed for initialisation, split and shuffling', int, 1)
    .option('--augment <kind>', 'none, flip, shift or flip+shift', 'none')
    .option('--workers <n>', 'worker threads (default: all cores)', int)
    .option('--device <name>', 'cpu, gpu or auto (a few timed steps on each, the faster kept, and why); default cpu')
    .option('--name <text>', 'a name for the run')
    .option('--init-weights <file>', 'start from these weights (cnn-studio import --weights, export --format weights) instead of a seeded initialisation')
    .option('--db <file>', 'the experiment database (default: the studio\'s own, or CNN_STUDIO_DB)')
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async (modelPath: string, dir: string, o: TrainOpts) => {
      const model = readModelFile(modelPath)
      let initialWeights: Uint8Array | undefined
      try {
        if (o.initWeights) initialWeights = new Uint8Array(readFileSync(o.initWeights))
      } catch (e) {
        throw new CliError(`cannot read ${o.initWeights}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT_USAGE)
      }
      const store = openStore(o.db)
      const service = new TrainingService(store)
      const settings = {
        name: o.name, epochs: o.epochs, batchSize: o.batchSize, optimizer: o.optimizer, lr: o.lr, momentum: o.momentum,
        valSplit: o.valSplit, seed: o.seed, augment: o.augment, workers: o.workers, device: o.device,
      }
      try {
        const runId = await trainOnce(service, () => service.start({ model, datasetDir: resolve(dir), testDir: o.testDir ? resolve(o.testDir) : undefined, settings, initialWeights }), !!o.json)
        const result = finalJson(store, service, runId)
        if (o.json) process.stdout.write(jsonText(result))
        else {
          const f = result.final as Record<string, number>
          process.stdout.write(`run ${result.runId} ${result.status}: ${result.epochs.length} epoch${result.epochs.length === 1 ? '' : 's'}` +
            `${f.valAccuracy !== undefined ? `, validation accuracy ${(100 * f.valAccuracy).toFixed(1)}%` : ''}${f.testAccuracy !== undefined ? `, test accuracy ${(100 * f.testAccuracy).toFixed(1)}%` : ''}` +
            `, ${Math.round(result.imagesPerSecond)} img/s\n${result.error ? `${result.error}\n` : ''}${result.verdict ? `${result.verdict.message}\n` : ''}`)
        }
        process.exitCode = result.status === 'completed' ? EXIT_OK : EXIT_NEGATIVE
      } finally {
        store.close()
      }
    })
}
