// `cnn-studio bench [--json]`: the engine's reference benchmark (shared/bench/README.md).
// `--profile` / `--model FILE`: the per-layer profile of SmallCNN, a dense-heavy model, LeNet-5 and the
// VGG-style template (or of the given model file, on synthetic data of its input shape).
import type { Command } from 'commander'
import { availableParallelism } from 'node:os'
import { jsonText } from '../escape.ts'
import { fileURLToPath } from 'node:url'
import { BENCH_NETS, DENSE_HEAVY, PHOTO_NET, runBench, SMALLCNN, type BenchNet } from '../../../src-engine/node/bench/index.ts'
import { scalingBench, type ScalingResult } from '../../../src-engine/node/bench/scaling.ts'
import { profileModel, type ModelProfile } from '../../../src-engine/node/bench/profile.ts'
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import { readModelFile } from '../read-model.ts'
import { benchGpu, type GpuBench } from '../../../src-engine/node/gpu/bench.ts'
import { gridTable } from '../grid.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import type { OptimizerName } from '../../../src-engine/core/train/types.ts'

const TEMPLATES = fileURLToPath(new URL('../../../resources/templates/', import.meta.url))

interface BenchOptions { json?: boolean; workers?: number; profile?: boolean; model?: string; batch?: number; epochs?: number; steps?: number; optimizer?: OptimizerName; net?: BenchNet; scaling?: boolean; device?: string }

const NETS = Object.keys(BENCH_NETS) as BenchNet[]

const OPTIMIZERS: OptimizerName[] = ['sgd', 'adam', 'adamw']

function positive(flag: string) {
  return (v: string) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a whole number of at least 1 (got '${v}')`, EXIT_USAGE)
    return n
  }
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('the engine benchmark: SmallCNN (batch 64, 32x32x3) and the photo-sized net (96x96x3) train and inference images/s, and GEMM GFLOP/s, with 1 worker and all cores; --profile: where each step\'s time goes, layer by layer; --scaling: 1..N workers and the speedup the serial part predicts at 8 and 16')
    .option('--json', 'print one JSON document on stdout')
    .option('--workers <n>', 'the "all cores" worker count (default: every core)', positive('--workers'))
    .option('--net <name>', `only this net: ${NETS.join(' or ')} (default: both)`, (v) => {
      if (!NETS.includes(v as BenchNet)) throw new CliError(`--net must be one of ${NETS.join(', ')} (got '${v}')`, EXIT_USAGE)
      return v as BenchNet
    })
    .option('--scaling', 'train with 1, 2, ... --workers workers (default: every core): efficiency of each count, the serial part a step, and the speedup it predicts at 8 and 16 workers')
    .option('--profile', 'per-layer profile of SmallCNN, the photo-sized net, a dense-heavy model, LeNet-5 and the VGG-style template')
    .option('--model <file>', 'profile this model file instead, on synthetic data of its input shape (implies --profile)')
    .option('--batch <n>', 'batch size of the profile (default 64)', positive('--batch'))
    .option('--epochs <n>', 'epochs of the profile, the first left out as warm-up (default 10)', positive('--epochs'))
    .option('--steps <n>', 'steps per epoch of the profile (default 8)', positive('--steps'))
    .option('--optimizer <name>', 'optimizer of the profile: sgd (momentum 0.9, the default), adam or adamw', (v) => {
      if (!OPTIMIZERS.includes(v as OptimizerName)) throw new CliError(`--optimizer must be one of ${OPTIMIZERS.join(', ')} (got '${v}')`, EXIT_USAGE)
      return v as OptimizerName
    })
    .option('--device <name>', 'cpu (the default) or gpu: the same figures on the GPU (WebGPU), with the adapter; --profile: per layer')
    .action(async (opts: BenchOptions) => {
      const progress = (what: string) => process.stderr.write(`bench: ${what}...\n`)
      if (opts.device !== undefined && opts.device !== 'cpu' && opts.device !== 'gpu') throw new CliError(`--device must be cpu or gpu (got '${opts.device}')`, EXIT_USAGE)
      if (opts.device === 'gpu') {
        const m = opts.model ? readModelFile(opts.model) : opts.net ? BENCH_NETS[opts.net] : SMALLCNN
        progress(`${m.name ?? 'model'} on the GPU`)
        try {
          const r = await benchGpu(m, { batch: opts.batch, steps: opts.steps, profile: opts.profile })
          process.stdout.write(opts.json ? jsonText(r) : printGpu(r))
        } catch (e) {
          throw new CliError((e as Error).message, EXIT_USAGE)
        }
        return
      }
      if (opts.scaling) {
        const models = opts.model ? [readModelFile(opts.model)] : opts.net ? [BENCH_NETS[opts.net]] : [SMALLCNN, PHOTO_NET]
        const results: ScalingResult[] = []
        for (const m of models) {
          try {
            results.push(await scalingBench(m, opts.workers ?? availableParallelism(), { batch: opts.batch, epochs: opts.epochs, steps: opts.steps, onProgress: progress }))
          } catch (e) {
            throw new CliError(`${opts.model ?? m.name ?? 'model'}: ${(e as Error).message}`, EXIT_USAGE)
          }
        }
        process.stdout.write(opts.json ? jsonText(results) : results.map(printScaling).join('\n'))
        return
      }
      if (opts.profile || opts.model) {
        const models: ModelFile[] = opts.model
          ? [readModelFile(opts.model)]
          : opts.net ? [BENCH_NETS[opts.net]] : [SMALLCNN, PHOTO_NET, DENSE_HEAVY, readModelFile(`${TEMPLATES}lenet5.cnn.json`), readModelFile(`${TEMPLATES}vgg-small.cnn.json`)]
        const results: ModelProfile[] = []
        for (const m of models) {
          try {
            results.push(await profileModel(m, { batch: opts.batch, workers: opts.workers, epochs: opts.epochs, stepsPerEpoch: opts.steps, optimizer: opts.optimizer, onProgress: progress }))
          } catch (e) {
            throw new CliError(`${opts.model ?? m.name ?? 'model'}: ${(e as Error).message}`, EXIT_USAGE)
          }
        }
        process.stdout.write(opts.json ? jsonText(results) : results.map(printProfile).join('\n'))
        return
      }
      const r = await runBench({ threads: opts.workers, nets: opts.net ? [opts.net] : undefined, onProgress: progress })
      if (opts.json) {
        process.stdout.write(jsonText(r))
        return
      }
      for (const n of r.nets) {
        const t = gridTable(['workers', 'train img/s', 'infer img/s', 'GEMM GFLOP/s (512^3)'], ['right', 'right', 'right', 'right'])
        n.rows.forEach((row, i) => t.push([row.threads, Math.round(row.trainImagesPerSecond), Math.round(row.inferImagesPerSecond), r.rows[i].gemmGflops.toFixed(1)]))
        process.stdout.write(`${n.model}, batch ${r.batch}, kernels ${r.kernels}\n${t.toString()}\n`)
      }
      const g = r.rows[r.rows.length - 1].gemmGflops
      process.stdout.write(`GEMM at ${((100 * g) / r.gemmGflopsPeak128).toFixed(0)}% of the 128-bit SIMD peak (${r.gemmGflopsPeak128.toFixed(1)} GFLOP/s on ${r.threads} cores).\n`)
      process.stdout.write('Compare with the PyTorch reference in ../shared/bench/ measured in the same sitting.\n')
    })
}

function printScaling(s: ScalingResult): string {
  const t = gridTable(['workers', 'train img/s', 'ms a step', 'serial ms a step', 'efficiency'], ['right', 'right', 'right', 'right', 'right'])
  for (const r of s.rows) t.push([r.workers, Math.round(r.trainImagesPerSecond), r.stepMs.toFixed(2), r.serialMs.toFixed(2), `${(100 * r.efficiency).toFixed(0)}%`])
  return [
    `${s.model}: batch ${s.batch}, training with 1..${s.rows.length} workers`,
    t.toString(),
    `part that does not divide (batch copy-in, messaging, and each worker's slice of gradient sum, optimizer and weight copies) = ${s.serialFit.a.toFixed(2)} + ${s.serialFit.b.toFixed(2)} x workers ms a step; ${(100 * s.serialFraction).toFixed(1)}% of a one-worker step`,
    ...s.projected.map((p) => `predicted speedup at ${p.workers} workers (one core each): ${p.fitted.toFixed(1)}x with that part growing as measured (Amdahl with a fixed serial part: ${p.amdahl.toFixed(1)}x)`),
    '',
  ].join('\n')
}

function printGpu(r: GpuBench): string {
  const head = `${r.model} on the GPU (${r.adapterName}), batch ${r.batch}, ${r.steps} steps: train ${Math.round(r.trainImagesPerSecond)} img/s, infer ${Math.round(r.inferImagesPerSecond)} img/s\n`
  if (!r.layers) return head
  const t = gridTable(['layer', 'type', 'fwd ms', 'bwd ms'], ['left', 'left', 'right', 'right'])
  for (const l of r.layers) t.push([l.id, l.type, l.forwardMs.toFixed(2), l.backwardMs.toFixed(2)])
  return `${head}${t.toString()}\neach layer's dispatches waited for alone: a profile, slower than in a step\n`
}

function printProfile(p: ModelProfile): string {
  const ms = (v: number) => (v >= 0.005 ? v.toFixed(2) : '-')
  const gf = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} (${((100 * v) / p.peakGflops).toFixed(0)}%)`)
  const t = gridTable(
    ['layer', 'type', 'fwd ms', 'bwd data ms', 'bwd weights ms', 'share', 'fwd GFLOP/s', 'data GFLOP/s', 'weights GFLOP/s'],
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  )
  for (const l of p.layers) {
    t.push([l.id, l.type, l.forwardIn ? `in ${l.forwardIn}` : ms(l.forwardMs), l.backwardIn ? `in ${l.backwardIn}` : ms(l.backwardDataMs), ms(l.backwardWeightsMs), `${(100 * l.share).toFixed(1)}%`, gf(l.forwardGflops), gf(l.backwardDataGflops), gf(l.backwardWeightsGflops)])
  }
  const inLayers = p.layers.reduce((s, l) => s + l.forwardMs + l.backwardDataMs + l.backwardWeightsMs, 0)
  const o = p.outside
  return [
    `${p.model}: batch ${p.batch}, ${p.optimizer}, ${p.workers} worker${p.workers > 1 ? 's' : ''}, ${p.steps} steps profiled: ${p.stepMs.toFixed(2)} ms a step, train ${Math.round(p.trainImagesPerSecond)} img/s, infer ${Math.round(p.inferImagesPerSecond)} img/s`,
    t.toString(),
    `layers ${inLayers.toFixed(2)} ms a step (per worker, in parallel). GFLOP/s: a direct convolution's FLOPs over the batch per second, in % of the 128-bit peak of ${p.workers} core${p.workers > 1 ? 's' : ''} (${p.peakGflops.toFixed(1)}); Winograd layers do fewer, so they can pass 100%`,
    `outside the layers, ms a step: handing out the batch ${o.scatter.toFixed(2)}, each worker's copy of its share ${o.copyIn.toFixed(2)}, messaging and waiting ${o.messaging.toFixed(2)}, gradient sum ${o.gradSum.toFixed(2)}, optimizer ${o.optimizer.toFixed(2)}, weight copies ${o.broadcast.toFixed(2)} (the last three in the workers, each on its slice of the weights; next batch prepared alongside: ${o.nextBatchOverlapped.toFixed(2)})`,
    `peak resident memory by epoch, MB: ${p.peakRssMbPerEpoch.map((v) => v.toFixed(0)).join(' ')}`,
    '',
  ].join('\n')
}
