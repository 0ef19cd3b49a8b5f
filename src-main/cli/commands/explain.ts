// `cnn-studio explain`: a convolution's arithmetic, every number shown (issue 19; the spec's explain section).
//   explain --image-grid G --kernel-grid K [--bias B] [--stride S] [--padding P] [--dout-grid D] [--json]
//   explain RUN|MODEL --node ID --image FILE [--at ROW,COL] [--filter K] [--checkpoint best|last] [--seed N] [--json]
// Bad input is one line naming the argument and exit 2; nothing is computed from a half-read grid.
import { existsSync, statSync } from 'node:fs'
import type { Command } from 'commander'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { explainPlayground, LearnInputError, parseCell, parseWhole, type ConvStep, type PoolStep, type GapStep } from '../../../src-engine/core/insight/learn/index.ts'
import { explainBlock, LearnError, type LearnExplanation } from '../../services/insight/learn.ts'
import { ServiceError } from '../../services/errors.ts'
import { CliError, EXIT_USAGE } from '../errors.ts'
import { esc } from '../escape.ts'
import { readModelFile } from '../read-model.ts'
import { checkpointKind, dbOption, withRunStore } from './insight-shared.ts'

interface Options {
  imageGrid?: string
  kernelGrid?: string
  bias?: string
  stride?: string
  padding?: string
  doutGrid?: string
  node?: string
  image?: string
  at?: string
  filter?: string
  checkpoint?: string
  seed?: string
  db?: string
  json?: boolean
}

/** The playground's fields by the flag a user typed. */
const FLAG: Record<string, string> = { image: '--image-grid', kernels: '--kernel-grid', bias: '--bias', stride: '--stride', padding: '--padding', dout: '--dout-grid' }

const BLOCK_FLAG: Record<string, string> = { node: '--node', at: '--at', filter: '--filter', image: '--image' }

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, ''))
const rows = (m: number[][]) => m.map((r) => r.map(fmt).join(' ')).join(' / ')

function playground(o: Options): void {
  const modelFlags = (['node', 'image', 'at', 'filter', 'checkpoint', 'seed'] as const).filter((k) => o[k] !== undefined)
  if (modelFlags.length) throw new CliError(`--${modelFlags[0]} belongs to the RUN|MODEL form; the grid form takes --image-grid, --kernel-grid, --bias, --stride, --padding and --dout-grid`, EXIT_USAGE)
  if (o.kernelGrid === undefined) throw new CliError('--kernel-grid is missing: give the filters, channels separated by |, filters by ||', EXIT_USAGE)
  let r
  try {
    // float64 reference kernels: the course's numbers exactly, as the engine's kernels compute them.
    r = explainPlayground({ image: o.imageGrid!, kernels: o.kernelGrid, bias: o.bias, stride: o.stride, padding: o.padding, dout: o.doutGrid }, referenceKernels('float64'))
  } catch (e) {
    if (e instanceof LearnInputError) throw new CliError(`${FLAG[e.field] ?? e.field}: ${e.message}`, EXIT_USAGE)
    throw e
  }
  const steps = r.steps.map((s) => ({ filter: s.filter, at: s.at, window: s.window, padding: s.padding, inputs: s.inputs, weights: s.weights, products: s.products, channelSums: s.channelSums, sum: s.sum, bias: s.bias, value: s.value }))
  const grads = r.weightGrad ? { weightGrad: r.weightGrad, terms: r.terms, biasGrad: r.biasGrad, inputGrad: r.inputGrad } : {}
  if (o.json) {
    process.stdout.write(JSON.stringify({ output: r.output, steps, unseen: r.unseen, ...grads }) + '\n')
    return
  }
  const g = r.problem.geometry
  process.stdout.write(`${r.problem.h}x${r.problem.w}x${r.problem.cin} image, ${r.problem.cout} filter(s) ${g.kh}x${g.kw}, stride ${g.sh}, padding ${g.padTop}: output ${g.outH}x${g.outW}x${r.problem.cout}\n`)
  if (r.unseen.rows || r.unseen.cols) process.stdout.write(`the stride leaves ${r.unseen.rows} row(s) and ${r.unseen.cols} column(s) at the bottom/right unseen\n`)
  r.output.forEach((m, f) => process.stdout.write(`filter ${f}: ${rows(m)}\n`))
  if (r.weightGrad) {
    r.weightGrad.forEach((f, k) => f.forEach((m, c) => process.stdout.write(`dL/dw filter ${k} channel ${c}: ${rows(m)}\n`)))
    process.stdout.write(`dL/db: ${r.biasGrad!.map(fmt).join(' ')}\n`)
  }
}

function stepJson(e: LearnExplanation): Record<string, unknown> {
  const head = { node: e.node.id, type: e.node.type, at: e.at, filter: e.filter }
  const tail = { output: e.output, receptiveField: e.receptiveField, source: e.source, warnings: e.warnings }
  if (e.kind === 'conv') {
    const s = e.step as ConvStep
    return { ...head, window: s.window, padding: s.padding, inputs: s.inputs, weights: s.weights, products: s.products, channelSums: s.channelSums, sum: s.sum, bias: s.bias, value: s.value, relu: e.relu, activated: e.activated, ...tail }
  }
  if (e.kind === 'pool') {
    const s = e.step as PoolStep
    return { ...head, pool: s.kind, window: s.window, padding: s.padding, values: s.values, winner: s.winner === null ? null : s.window[s.winner], count: s.count, sum: s.sum, mean: s.mean, value: s.value, ...tail }
  }
  const s = e.step as GapStep
  return { ...head, count: s.count, sum: s.sum, mean: s.mean, value: s.value, ...tail }
}

async function onBlock(target: string, o: Options): Promise<void> {
  const gridFlags = { kernelGrid: '--kernel-grid', bias: '--bias', stride: '--stride', padding: '--padding', doutGrid: '--dout-grid' } as const
  const stray = (Object.keys(gridFlags) as (keyof typeof gridFlags)[]).find((k) => o[k] !== undefined)
  if (stray) throw new CliError(`${gridFlags[stray]} belongs to the grid form (with --image-grid); a run or model's block has its own weights`, EXIT_USAGE)
  if (!o.node) throw new CliError('--node is missing: the id of a conv or pool block of the model', EXIT_USAGE)
  if (!o.image) throw new CliError('--image is missing: an image file to run through the model', EXIT_USAGE)
  const usage = (arg: string, f: () => number | [number, number]) => {
    try {
      return f()
    } catch (e) {
      if (e instanceof LearnInputError) throw new CliError(`${arg}: ${e.message}`, EXIT_USAGE)
      throw e
    }
  }
  const at = o.at === undefined ? undefined : (usage('--at', () => parseCell(o.at!, 'the position')) as [number, number])
  const filter = o.filter === undefined ? undefined : (usage('--filter', () => parseWhole(o.filter!, 'filter', 'the filter', 0)) as number)
  const seed = o.seed === undefined ? undefined : (usage('--seed', () => parseWhole(o.seed!, 'seed', 'the seed', 0)) as number)
  const checkpoint = o.checkpoint === undefined ? undefined : checkpointKind(o.checkpoint)
  if (!existsSync(o.image) || !statSync(o.image).isFile()) throw new CliError(`--image: ${o.image} is not a file`, EXIT_USAGE)
  const isModel = existsSync(target) && statSync(target).isFile()
  if (isModel && checkpoint) throw new CliError('--checkpoint belongs to a run; a model file gets seeded random weights (--seed)', EXIT_USAGE)
  if (!isModel && seed !== undefined) throw new CliError('--seed belongs to a model file; a run uses its checkpoint (--checkpoint)', EXIT_USAGE)
  const run = async (store: Parameters<typeof explainBlock>[0]) => {
    try {
      return await explainBlock(store, { ...(isModel ? { model: readModelFile(target), seed } : { run: target, checkpoint }), node: o.node!, image: o.image!, at, filter })
    } catch (e) {
      // A missing checkpoint, node or position, or an image that is not one: all bad input here (exit 2).
      if (e instanceof LearnError && e.field in BLOCK_FLAG) throw new CliError(`${BLOCK_FLAG[e.field]}: ${e.message}`, EXIT_USAGE)
      if (e instanceof ServiceError) throw new CliError(`${isModel ? target : /checkpoint/.test(e.message) ? '--checkpoint' : target}: ${e.message}`, EXIT_USAGE)
      throw e
    }
  }
  const e = isModel ? await run(null) : await withRunStore(o.db, run)
  for (const w of e.warnings) process.stderr.write(`warning: ${esc(w)}\n`)
  if (o.json) {
    process.stdout.write(JSON.stringify(stepJson(e)) + '\n')
    return
  }
  const rf = e.receptiveField
  process.stdout.write(`${e.node.id} (${e.node.type}) at ${e.at.join(',')}, ${e.kind === 'conv' ? 'filter' : 'channel'} ${e.filter}\n`)
  if (e.kind === 'conv') {
    const s = e.step as ConvStep
    s.channelSums.forEach((v, c) => process.stdout.write(`  channel ${c}: sum of ${s.products[c].length} products = ${fmt(v)}\n`))
    process.stdout.write(`  + bias ${fmt(s.bias)} = ${fmt(s.value)}${e.relu ? `, after ReLU ${fmt(e.activated!)}` : ''}\n`)
  } else {
    const s = e.step as PoolStep | GapStep
    process.stdout.write(`  ${'winner' in s && s.kind === 'max' ? `max of ${s.count} inputs` : `mean of ${s.count} inputs`} = ${fmt(s.value)}\n`)
  }
  process.stdout.write(`  receptive field: rows ${rf.box[0]}..${rf.box[2]}, columns ${rf.box[1]}..${rf.box[3]} (${rf.size[0]}x${rf.size[1]}, ${rf.padding} padding cells)\n`)
}

export function registerExplain(program: Command): void {
  program.command('explain').description("a convolution's arithmetic, every number shown: typed grids, or one window of a run's or model's conv/pool block on an image")
    .argument('[target]', 'a run id (or latest) or a model file; leave out with --image-grid')
    .option('--image-grid <G>', "the image: rows separated by ';', numbers by spaces, channels by '|'")
    .option('--kernel-grid <K>', "the filters: a filter's channels separated by '|', filters by '||'")
    .option('--bias <B>', 'one number per filter, comma-separated (default 0)')
    .option('--stride <S>', 'the stride (default 1)')
    .option('--padding <P>', 'zero pixels on every side (default 0)')
    .option('--dout-grid <D>', "the upstream gradient dL/d(output), one grid per filter separated by '||'")
    .option('--node <id>', 'the conv or pool block to explain')
    .option('--image <file>', 'the image run through the model')
    .option('--at <row,col>', 'the output position (default: the middle)')
    .option('--filter <k>', "the conv's filter, or the pool's channel (default 0)")
    .option('--checkpoint <kind>', 'best (default) or last, for a run')
    .option('--seed <n>', "a model file's random weights (default 1)")
    .option(...dbOption)
    .option('--json', 'print one JSON document on stdout')
    .action(async (target: string | undefined, o: Options) => {
      if (o.imageGrid !== undefined) {
        if (target !== undefined) throw new CliError(`'${target}': the grid form (--image-grid) takes no run or model`, EXIT_USAGE)
        playground(o)
        return
      }
      if (target === undefined) throw new CliError('give a run or model file with --node and --image, or --image-grid and --kernel-grid', EXIT_USAGE)
      await onBlock(target, o)
    })
}
