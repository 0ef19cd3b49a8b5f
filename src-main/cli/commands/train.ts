// `cnn-studio train MODEL.cnn.json DIR`: trains, records the run in the experiment database, shows a
// progress bar (stderr), prints the result (or the spec's JSON with --json). Ctrl-C stops cleanly.
import type { Command } from 'commander'
import { jsonText } from '../escape.ts'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
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
  testDir?: string; seed: number; seeds?: string; augment: string; workers?: number; name?: string; db?: string; json?: boolean; initWeights?: string; device?: string
}

/** Runs one training to its end through the service, with the bar and Ctrl-C handling; returns the run id. */
export async function trainOnce(service: TrainingService, start: () => Promise<{ runId: string }>, quiet: boolean): Promise<string> {
  return (await trainRuns(service, [start], quiet))[0]
}

/**
 * Queues runs (a seed group) one after another and trains them to their end, one bar for the run training
 * now; Ctrl-C stops them all. A start that is refused stops the runs queued before it, so nothing is left
 * half a group.
 */
export async function trainRuns(service: TrainingService, starts: (() => Promise<{ runId: string }>)[], quiet: boolean): Promise<string[]> {
  const bar = progress('', '{bar} {run}epoch {epoch}/{epochs} loss {loss} acc {acc} {ips} img/s ETA {eta_formatted}')
  const ids: string[] = []
  const label = (runId: string) => (starts.length > 1 ? `run ${ids.indexOf(runId) + 1}/${starts.length} ` : '')
  const off = service.subscribe((e) => {
    if (!ids.includes(e.runId) || quiet) return
    if (e.type === 'progress') {
      bar.update((e.epoch - 1) * e.stepsPerEpoch + e.step, e.epochs * e.stepsPerEpoch, { run: label(e.runId), epoch: e.epoch, epochs: e.epochs, loss: e.loss.toFixed(4), acc: e.accuracy.toFixed(3), ips: Math.round(e.imagesPerSecond) })
    }
    // The device chosen for the run and why (--device auto|gpu).
    if (e.type === 'status' && e.status === 'running' && e.message) process.stderr.write(`${label(e.runId)}device ${e.message}\n`)
    if (e.type === 'epoch' && !process.stderr.isTTY) {
      process.stderr.write(`${label(e.runId)}epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} acc ${e.trainAccuracy.toFixed(3)}${e.valAccuracy !== undefined ? ` val_loss ${e.valLoss!.toFixed(4)} val_acc ${e.valAccuracy.toFixed(3)}` : ''} (${e.seconds.toFixed(1)} s)\n`)
    }
  })
  try {
    for (const start of starts) ids.push((await start()).runId)
  } catch (e) {
    off()
    for (const id of ids) service.stop(id)
    await service.whenIdle()
    if (e instanceof ServiceError) throw new CliError(e.message, e.code === 'INVALID_SETTINGS' ? EXIT_USAGE : EXIT_NEGATIVE)
    if (e instanceof StoreError) throw storeFailure(e)
    throw e
  }
  const onSigint = () => {
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit at once)...\n')
    process.off('SIGINT', onSigint)
    for (const id of ids) service.stop(id)
  }
  process.on('SIGINT', onSigint)
  await service.whenIdle()
  process.off('SIGINT', onSigint)
  off()
  bar.stop()
  return ids
}

/** `--seeds 1,2,3`: distinct whole seeds, two to ten of them. */
export function parseSeeds(v: string): number[] {
  const seeds = v.split(',').map((s) => s.trim())
  if (seeds.some((s) => !/^\d+$/.test(s) || Number(s) > 2 ** 31 - 1)) throw new CliError(`--seeds ${v}: give whole seeds from 0 to 2147483647 separated by commas, as in --seeds 1,2,3`, EXIT_USAGE)
  const n = seeds.map(Number)
  if (new Set(n).size !== n.length) throw new CliError(`--seeds ${v}: a seed is given twice; each run of the group needs its own`, EXIT_USAGE)
  if (n.length < 2 || n.length > 10) throw new CliError(`--seeds ${v}: give 2 to 10 seeds (a group of one is a plain run: use --seed)`, EXIT_USAGE)
  return n
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
    .option('--seeds <list>', 'train the same run once per seed (2 to 10, as in 1,2,3), queued as one group that Compare draws as a mean with its band; replaces --seed')
    .option('--augment <kind>', 'none, flip, shift or flip+shift', 'none')
    .option('--workers <n>', 'worker threads (default: all cores)', int)
    .option('--device <name>', 'cpu, gpu or auto (a few timed steps on each, the faster kept, and why); default cpu')
    .option('--name <text>', 'a name for the run')
    .option('--init-weights <file>', 'start from these weights (cnn-studio import --weights, export --format weights) instead of a seeded initialisation')
    .option('--db <file>', 'the experiment database (default: the studio\'s own, or CNN_STUDIO_DB)')
    .option('--json', 'print the result as one JSON document on stdout')
    .action(async (modelPath: string, dir: string, o: TrainOpts) => {
      const model = readModelFile(modelPath)
      const seeds = o.seeds === undefined ? null : parseSeeds(o.seeds)
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
        if (seeds) return await trainGroup(store, service, seeds, (seed, group) => service.start({ model, datasetDir: resolve(dir), testDir: o.testDir ? resolve(o.testDir) : undefined, settings: { ...settings, seed }, initialWeights, group }), !!o.json)
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

/**
 * `train --seeds`: the runs of one group, queued together and trained one after another. `--json` prints
 * `{ "group": ..., "runs": [ one run's train --json, ... ] }`; the exit code is 0 only when every run completed.
 */
async function trainGroup(store: Store, service: TrainingService, seeds: number[], start: (seed: number, group: string) => Promise<{ runId: string }>, json: boolean): Promise<void> {
  const group = `g_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const ids = await trainRuns(service, seeds.map((seed) => () => start(seed, group)), json)
  const runs = ids.map((id) => finalJson(store, service, id))
  if (json) process.stdout.write(jsonText({ group, runs }))
  else {
    for (const [i, r] of runs.entries()) {
      const f = r.final as Record<string, number>
      process.stdout.write(`run ${r.runId} (seed ${seeds[i]}) ${r.status}: ${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'}${f.valAccuracy !== undefined ? `, validation accuracy ${(100 * f.valAccuracy).toFixed(1)}%` : ''}\n`)
    }
    process.stdout.write(`group ${group}: ${runs.length} runs; compare them with: cnn-studio runs compare ${ids.join(' ')}\n`)
  }
  process.exitCode = runs.every((r) => r.status === 'completed') ? EXIT_OK : EXIT_NEGATIVE
}
