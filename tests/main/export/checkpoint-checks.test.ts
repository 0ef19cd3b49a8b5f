// A run whose stored checkpoint holds a NaN, or is damaged (issue 21, items 8 and 15): export, evaluate and
// predict refuse it through the real command with a message naming the run, the tensor and what to do,
// and write nothing; they used to export NaN weights (exit 0), print "loss NaN, top-1 100.0%", or fail
// INTERNAL with "Unterminated string in JSON".
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { cli } from '../../helpers/cli.ts'

const work = mkdtempSync(join(tmpdir(), 'cnn-ck-checks-'))
const db = join(work, 'x.db')
const run = (args: string[]) => cli([...args, '--db', db], { env: { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') } })
let nan: string, damaged: string

function runWith(store: Store, name: string, weights: Uint8Array): string {
  const model = store.saveModel(parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8')))
  const id = store.createRun({ name, settings: { datasetDir: join(work, 'gone') }, modelId: model.id, datasetId: null, splitSeed: 1 })
  store.recordEpoch(id, { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, lr: 0.01, seconds: 1, imagesPerSecond: 1 }, [], weights)
  store.setStatus(id, 'completed')
  return id
}

beforeAll(() => {
  const store = new Store(db)
  nan = runWith(store, 'nan', encodeWeights([{ name: 'c1.weight', data: Float32Array.of(0.1, NaN, 0.3) }, { name: 'c1.bias', data: Float32Array.of(0) }]))
  const blob = encodeWeights([{ name: 'c1.weight', data: Float32Array.of(0.1) }])
  blob.fill(0x41, 20, 40) // the header's JSON, overwritten mid-way
  blob[19] = 0x22
  damaged = runWith(store, 'damaged', blob)
  store.close()
})

describe('checkpoints that cannot be used as a model', () => {
  it('NaN weights: export (every format), evaluate and predict refuse, exit 1, nothing written', () => {
    const out = mkdtempSync(join(tmpdir(), 'cnn-ck-out-'))
    const why = new RegExp(`run ${nan}'s weights are not finite \\(NaN in c1\\.weight, best checkpoint of epoch 1\\): it diverged; train again with a smaller learning rate`)
    for (const args of [
      ['export', nan, '--format', 'onnx', '--out', join(out, 'm.onnx')],
      ['export', nan, '--format', 'pytorch', '--out', join(out, 'train.py')],
      ['export', nan, '--format', 'weights', '--out', join(out, 'm.cnn.json')],
      ['evaluate', nan],
      ['predict', nan, join(work, 'any.png')],
    ]) {
      const r = run(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(why)
      expect(r.stdout).toBe('')
    }
    expect(readdirSync(out)).toEqual([])
  })

  it('a damaged checkpoint: a readable message naming the run and the checkpoint, exit 2', () => {
    for (const args of [['export', damaged, '--format', 'weights', '--out', join(work, 'd.cnn.json')], ['evaluate', damaged, '--checkpoint', 'last']]) {
      const r = run(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`run ${damaged}'s (best|last) checkpoint \\(epoch 1\\) cannot be read: weights file is damaged: its header is not readable JSON`))
      expect(r.stderr).not.toMatch(/^cnn-studio: Unterminated/)
    }
  })
})
