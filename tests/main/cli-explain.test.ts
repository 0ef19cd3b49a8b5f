// `cnn-studio explain` through the real command: the grid form's JSON (the course's 5x5 example, the
// gradient's terms), the RUN|MODEL form on the sample's CNN and on a trained run's checkpoint, and bad input
// refused with one line naming the argument and exit 2.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile } from '../../src-engine/core/graph/index.ts'
import { applyWeights } from '../../src-engine/core/insight/weights.ts'
import { referenceKernels } from '../../src-engine/core/kernels/reference.ts'
import { Network } from '../../src-engine/core/nn/network.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { cli } from '../helpers/cli.ts'
import { syntheticFolder } from './export/folders.ts'

const IMAGE_5 = '1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0'
const X_KERNEL = '1 0 1; 0 1 0; 1 0 1'
const MODEL = new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
const IMAGE = new URL('../../resources/sample-dataset/shapes/circle/circle-000.png', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'cnn-explain-'))
const db = join(work, 'x.db')
const env = { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') }

describe('cnn-studio explain with grids', () => {
  it('the 5x5 example prints output [[[4,3,4],[2,4,3],[2,3,4]]] and every step', () => {
    const r = cli(['explain', '--image-grid', IMAGE_5, '--kernel-grid', X_KERNEL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.output).toEqual([[[4, 3, 4], [2, 4, 3], [2, 3, 4]]])
    expect(j.steps).toHaveLength(9)
    expect(j.steps[5]).toMatchObject({ filter: 0, at: [1, 2], bias: 0, value: 3 })
    expect(Object.keys(j.steps[0])).toEqual(expect.arrayContaining(['filter', 'at', 'window', 'products', 'sum', 'bias', 'value']))
    expect(j.weightGrad).toBeUndefined()
  })

  it('two filters, padding and stride 2, with the upstream gradient: weightGrad, terms, biasGrad, inputGrad', () => {
    const image = Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, c) => r * 5 + c + 1).join(' ')).join('; ')
    const r = cli(['explain', '--image-grid', image, '--kernel-grid', '1 0 0; 0 0 0; 0 0 0 || 0 0 0; 0 1 0; 0 0 0', '--bias', '0.5,-1', '--stride', '2', '--padding', '1', '--dout-grid', '1 0 0; 0 0 0; 0 0 1 || 0 1 0; 0 0 0; 0 0 0', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.output).toEqual([[[0.5, 0.5, 0.5], [0.5, 7.5, 9.5], [0.5, 17.5, 19.5]], [[0, 2, 4], [10, 12, 14], [20, 22, 24]]])
    // w1 of filter 0 sits on padding at (0,0) of the output: that term is left out; at (2,2) it meets a13.
    expect(j.terms[0][0][0][0]).toEqual([{ input: [1, 1], dout: [1, 1], product: 0 }, { input: [1, 3], dout: [1, 2], product: 0 }, { input: [3, 1], dout: [2, 1], product: 0 }, { input: [3, 3], dout: [2, 2], product: 19 }])
    expect(j.weightGrad[0][0][0][0]).toBe(19)
    expect(j.biasGrad).toEqual([2, 1])
    expect(j.inputGrad[0][0][2]).toBe(1) // filter 1's centre weight at output (0,1) covers input (0,2)
  })

  it('bad input: one line naming the argument, exit 2, nothing on stdout', () => {
    const cases: [string[], RegExp][] = [
      [['--image-grid', '1 2; 3', '--kernel-grid', '1'], /^cnn-studio: --image-grid: .*row 2 has 1 numbers but row 1 has 2/],
      [['--image-grid', '1 2; 3 4|1 2 3; 4 5 6', '--kernel-grid', '1'], /^cnn-studio: --image-grid: .*channel 2 is 2x3/],
      [['--image-grid', '1 2; 3 4|1 2; 3 4', '--kernel-grid', '1'], /^cnn-studio: --kernel-grid: filter 1 has 1 channel but the image has 2/],
      [['--image-grid', '1 2; 3 4', '--kernel-grid', '1 1 1; 1 1 1; 1 1 1'], /^cnn-studio: --kernel-grid: .*larger than the 2x2 padded image/],
      [['--image-grid', '1 2; 3 4', '--kernel-grid', '1', '--stride', '0'], /^cnn-studio: --stride: /],
      [['--image-grid', '1 2; 3 4', '--kernel-grid', '1', '--padding', 'two'], /^cnn-studio: --padding: /],
      [['--image-grid', '1 2; 3 4', '--kernel-grid', '1', '--bias', '1,2'], /^cnn-studio: --bias: /],
      [['--image-grid', '1 2; 3 4', '--kernel-grid', '1', '--dout-grid', '1'], /^cnn-studio: --dout-grid: .*1x1 but the output is 2x2/],
      [['--image-grid', '1 2; 3 4'], /^cnn-studio: --kernel-grid is missing/],
      [[MODEL, '--node', 'r1', '--image', IMAGE], /^cnn-studio: --node: node r1 is a relu, not a conv or pool/],
      [[MODEL, '--node', 'c1', '--image', IMAGE, '--at', '32,0'], /^cnn-studio: --at: c1: position 32,0 is outside the 32x32 output/],
      [[MODEL, '--node', 'c1', '--image', IMAGE, '--at', 'middle'], /^cnn-studio: --at: /],
      [[MODEL, '--node', 'c1', '--image', MODEL], /^cnn-studio: --image: .*not an image/],
      [[MODEL, '--node', 'c1', '--image', join(work, 'none.png')], /^cnn-studio: --image: .*is not a file/],
      [[MODEL, '--node', 'c2', '--image', IMAGE, '--filter', '32'], /^cnn-studio: --filter: filter 32 is out of range: c2 has 32/],
    ]
    for (const [args, message] of cases) {
      const r = cli(['explain', ...args, '--json'])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
    }
  })
})

describe('cnn-studio explain on a model and a run', () => {
  it("a model file: the sample CNN's first conv on a sample image, seeded weights, its receptive field", () => {
    const a = cli(['explain', MODEL, '--node', 'c1', '--image', IMAGE, '--at', '0,5', '--filter', '2', '--seed', '3', '--json'])
    expect(a.code, a.stderr).toBe(0)
    const j = JSON.parse(a.stdout)
    expect(j).toMatchObject({ node: 'c1', type: 'conv2d', at: [0, 5], filter: 2, relu: true, receptiveField: { box: [0, 4, 1, 6], size: [2, 3], padding: 3 } })
    expect(j.window).toHaveLength(9)
    expect(j.padding.slice(0, 3)).toEqual([true, true, true])
    expect(j.channelSums).toHaveLength(3)
    expect(Math.abs(j.value - (j.sum + j.bias))).toBeLessThan(1e-12)
    expect(Math.abs(j.activated - Math.max(0, j.value))).toBeLessThan(1e-5)
    // the seed decides the weights
    const b = JSON.parse(cli(['explain', MODEL, '--node', 'c1', '--image', IMAGE, '--at', '0,5', '--filter', '2', '--seed', '4', '--json']).stdout)
    expect(b.weights).not.toEqual(j.weights)
    const p = JSON.parse(cli(['explain', MODEL, '--node', 'p1', '--image', IMAGE, '--at', '15,15', '--json']).stdout)
    expect(p).toMatchObject({ type: 'maxpool2d', pool: 'max', receptiveField: { box: [29, 29, 32 - 1, 31], size: [3, 3], padding: 7 } })
    expect(p.values).toContain(p.value)
  })

  let runId = ''
  beforeAll(async () => {
    const data = await syntheticFolder(join(work, 'data'), { classes: 3, perClass: 4, size: 32, channels: 3 })
    const r = cli(['train', MODEL, data, '--epochs', '1', '--batch-size', '4', '--val-split', '0.25', '--workers', '1', '--json', '--db', db], { env })
    expect(r.code, r.stderr).toBe(0)
    runId = JSON.parse(r.stdout).runId
  }, 300_000)

  it("a run: the window's weights are its checkpoint's; a missing run or checkpoint kind is exit 2", () => {
    const r = cli(['explain', runId, '--node', 'c2', '--image', IMAGE, '--at', '4,4', '--filter', '7', '--checkpoint', 'last', '--json', '--db', db], { env })
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.source).toMatchObject({ runId, checkpoint: { kind: 'last', epoch: 1 }, seed: null })
    const store = new Store(db, { readonly: true })
    const weights = store.checkpoint(runId, 'last')!.weights
    const model = store.modelOf(runId)
    store.close()
    const net = new Network(analyzeGraph(parseModelFile(model), { forTraining: true }), referenceKernels('float32'), 1, 1)
    applyWeights(net, weights)
    const w = net.params.find((q) => q.name === 'c2.weight')!.value
    for (let c = 0; c < 16; c++) for (let k = 0; k < 9; k++) expect(j.weights[c][k]).toBe(w[(k * 16 + c) * 32 + 7])
    // c2 (4,4) -> p1 rows 3..5 -> c1 rows 6..11 -> image rows 5..12: analysis's 8 for c2
    expect(j.receptiveField).toEqual({ box: [5, 5, 12, 12], size: [8, 8], padding: 0 })
    const bad = cli(['explain', runId, '--node', 'c2', '--image', IMAGE, '--checkpoint', 'middle', '--db', db], { env })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--checkpoint must be best or last/)
    const none = cli(['explain', 'r_doesnotexist', '--node', 'c2', '--image', IMAGE, '--db', db], { env })
    expect(none.code).toBe(2)
    expect(none.stderr.trim().split('\n')).toHaveLength(1)
  })
})
