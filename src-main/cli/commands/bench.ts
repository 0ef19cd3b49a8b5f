// `cnn-studio bench [--json]`: the engine's reference benchmark (shared/bench/README.md).
import type { Command } from 'commander'
import Table from 'cli-table3'
import { runBench } from '../../../src-engine/node/bench/index.ts'

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('the engine benchmark: SmallCNN (batch 64, 32x32x3) train and inference images/s, and GEMM GFLOP/s, with 1 worker and all cores')
    .option('--json', 'print one JSON document on stdout')
    .option('--workers <n>', 'the "all cores" worker count (default: every core)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { json?: boolean; workers?: number }) => {
      const r = await runBench({ threads: opts.workers, onProgress: (what) => process.stderr.write(`bench: ${what}...\n`) })
      if (opts.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n')
        return
      }
      const t = new Table({ head: ['workers', 'train img/s', 'infer img/s', 'GEMM GFLOP/s (512^3)'], colAligns: ['right', 'right', 'right', 'right'], style: { head: [], border: [] } })
      for (const row of r.rows) t.push([row.threads, Math.round(row.trainImagesPerSecond), Math.round(row.inferImagesPerSecond), row.gemmGflops.toFixed(1)])
      process.stdout.write(`SmallCNN, batch ${r.batch}, kernels ${r.kernels}\n${t.toString()}\n`)
      const g = r.rows[r.rows.length - 1].gemmGflops
      process.stdout.write(`GEMM at ${((100 * g) / r.gemmGflopsPeak128).toFixed(0)}% of the 128-bit SIMD peak (${r.gemmGflopsPeak128.toFixed(1)} GFLOP/s on ${r.threads} cores).\n`)
      process.stdout.write('Compare with the PyTorch reference in ../shared/bench/ measured in the same sitting.\n')
    })
}
