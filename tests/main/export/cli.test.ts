// evaluate, predict and export through the real `cnn-studio` command on a real run: the JSON the UI and
// scripts read, the run's own validation split and normalisation reproduced (evaluate gives back the
// accuracy training recorded), and the failures: clear one-line reasons, nothing written.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createInferenceNet, inferProbabilities } from '../../../src-engine/core/insight/infer.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { cli } from '../../helpers/cli.ts'
import { syntheticFolder } from './folders.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const work = tmp('cnn-insight-cli-')
const db = join(work, 'x.db')
const env = { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') }
const run = (args: string[]) => cli([...args, '--db', db], { env })
let data: string, test: string, runId: string
let trained: { epochs: { valAccuracy: number; valLoss: number }[] }

beforeAll(async () => {
  data = await syntheticFolder(join(work, 'data'), { classes: 3, perClass: 8, size: 32, channels: 3 })
  test = await syntheticFolder(join(work, 'test'), { classes: 3, perClass: 2, size: 32, channels: 3, seed: 9 })
  writeFileSync(join(data, 'class-00', 'notes.txt'), 'not an image')
  // The sample's CNN with dataset normalisation, so evaluate must recompute the run's statistics.
  const model = JSON.parse(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
  model.nodes.find((n: { type: string }) => n.type === 'input').attrs.normalize = 'dataset'
  const modelPath = join(work, 'norm.cnn.json')
  writeFileSync(modelPath, JSON.stringify(model))
  const r = run(['train', modelPath, data, '--epochs', '3', '--batch-size', '8', '--lr', '0.003', '--val-split', '0.25', '--seed', '4', '--test-dir', test, '--workers', '2', '--json'])
  expect(r.code, r.stderr).toBe(0)
  trained = JSON.parse(r.stdout)
  runId = (trained as unknown as { runId: string }).runId
}, 300_000)

describe('cnn-studio evaluate', () => {
  it('on the validation split: the report, every image, and the accuracy training recorded for that checkpoint', () => {
    for (const kind of ['best', 'last'] as const) {
      const r = run(['evaluate', runId, '--checkpoint', kind, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const j = JSON.parse(r.stdout)
      const epoch = kind === 'last' ? trained.epochs.length : 1 + trained.epochs.findIndex((e) => e.valAccuracy === Math.max(...trained.epochs.map((x) => x.valAccuracy)))
      expect(j.checkpoint).toEqual({ kind, epoch })
      expect(j.split).toBe('val')
      expect(j.count).toBe(6) // 8 per class, a quarter held out
      expect(j.accuracy).toBeCloseTo(trained.epochs[epoch - 1].valAccuracy, 10)
      expect(j.loss).toBeCloseTo(trained.epochs[epoch - 1].valLoss, 9) // both from the logits
      expect(j.classes).toEqual(['class-00', 'class-01', 'class-02'])
      expect(j.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(6)
      expect(j.normalized.every((row: number[]) => Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9)).toBe(true)
      expect(j.perClass.map((p: { support: number }) => p.support)).toEqual([2, 2, 2])
      expect(j.topK.map((t: { k: number }) => t.k)).toEqual([1, 3])
      expect(j.topK[1].accuracy).toBe(1)
      expect(j.predictions).toHaveLength(6)
      for (const p of j.predictions) {
        expect(readdirSync(join(p.path, '..'))).toContain(p.path.split('/').at(-1))
        expect(p.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5)
        expect(p.confidence).toBe(Math.max(...p.probabilities))
        expect(p.predicted).toBe(p.probabilities.indexOf(p.confidence))
        expect(p.path).toContain(`class-0${p.true}`)
      }
    }
  })

  it('on the test folder, and a human table without --json', () => {
    const r = run(['evaluate', runId, '--split', 'test', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect([j.split, j.count, j.folder]).toEqual(['test', 6, test])
    const t = run(['evaluate', runId])
    expect(t.code).toBe(0)
    expect(t.stdout).toMatch(/accuracy [\d.]+%, loss [\d.]+, top-1 [\d.]+%, top-3 100.0%/)
    expect(t.stdout).toMatch(/precision.*recall.*F1/)
  })

  it('refuses what it cannot do, with one line', () => {
    expect(run(['evaluate', runId, '--split', 'train']).stderr).toMatch(/--split must be val or test/)
    const r = run(['evaluate', 'r_nosuchrun', '--json'])
    expect([r.code, r.stdout]).toEqual([2, ''])
    expect(r.stderr).toMatch(/no run 'r_nosuchrun'/)
    expect(run(['evaluate', runId, '--split', 'test', '--test-dir', join(work, 'nowhere')]).stderr).toMatch(/nowhere: no such folder/)
  })
})

describe('cnn-studio predict', () => {
  it('a folder: the top classes of each image, best first; unreadable files listed, not fatal', () => {
    const r = run(['predict', runId, join(data, 'class-00'), '--top', '2', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.predictions).toHaveLength(8)
    expect(j.skipped).toEqual([{ path: join(data, 'class-00', 'notes.txt'), reason: expect.stringMatching(/not an image|not a decodable/) }])
    for (const p of j.predictions) {
      expect(p.top).toHaveLength(2)
      expect(p.top[0].probability).toBeGreaterThanOrEqual(p.top[1].probability)
      expect(p.top[0].class).toBe(j.classes[p.top[0].index])
    }
    // The same image through evaluate gives the same probabilities.
    const ev = JSON.parse(run(['evaluate', runId, '--json']).stdout)
    const one = ev.predictions.find((p: { path: string }) => p.path.includes('class-00'))
    const again = JSON.parse(run(['predict', runId, one.path, '--json']).stdout)
    again.predictions[0].probabilities.forEach((v: number, i: number) => expect(v).toBeCloseTo(one.probabilities[i], 6))
  })

  it('a missing path is bad input', () => {
    const r = run(['predict', runId, join(work, 'missing.png')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/missing.png: no such file or folder/)
  })
})

describe('cnn-studio export', () => {
  it('weights: the model file and its weights, which the studio reopens to the same answers', () => {
    const dir = tmp('cnn-export-w-')
    const r = run(['export', runId, '--format', 'weights', '--out', join(dir, 'model.cnn.json'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).files).toEqual([join(dir, 'model.cnn.json'), join(dir, 'model.weights')])
    const model = parseModelFile(readFileSync(join(dir, 'model.cnn.json'), 'utf8'))
    const store = new Store(db)
    const original = createInferenceNet(store.modelOf(runId), referenceKernels('float32'), store.checkpoint(runId, 'best')!.weights, 2)
    store.close()
    const reopened = createInferenceNet(model, referenceKernels('float32'), new Uint8Array(readFileSync(join(dir, 'model.weights'))), 2)
    const x = Float32Array.from({ length: 2 * original.net.inputSize }, (_, i) => Math.sin(i))
    expect(Array.from(inferProbabilities(reopened, x, 2))).toEqual(Array.from(inferProbabilities(original, x, 2)))
  })

  it('onnx prints the parity check', () => {
    const dir = tmp('cnn-export-o-')
    const r = run(['export', runId, '--format', 'onnx', '--out', join(dir, 'm.onnx')])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/parity with onnxruntime on 24 dataset images: classes agree 100.0%, largest probability difference/)
  })

  it('a run with no checkpoint: exit 1, a clear message, nothing written', () => {
    const store = new Store(db)
    const model = store.saveModel(parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8')))
    const empty = store.createRun({ name: 'never trained', settings: {}, modelId: model.id, datasetId: null, splitSeed: 1 })
    store.close()
    const dir = tmp('cnn-export-none-')
    for (const format of ['onnx', 'pytorch', 'weights']) {
      const r = run(['export', empty, '--format', format, '--out', join(dir, 'out.x')])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`run ${empty} has no best checkpoint yet: it has not finished an epoch`))
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('a path that cannot be written: a clear message, nothing written, nothing left behind', () => {
    const dir = tmp('cnn-export-bad-')
    writeFileSync(join(dir, 'file'), 'x')
    mkdirSync(join(dir, 'm.preprocessing.json'))
    mkdirSync(join(dir, 'folder'))
    const cases: [string, RegExp][] = [
      [join(dir, 'no', 'such', 'm.onnx'), /the folder .*no\/such does not exist/],
      [join(dir, 'file', 'm.onnx'), /file is a file, not a folder/],
      [join(dir, 'folder'), /folder: it is a folder; give a file name/],
      // the sidecar's path is taken by a folder: the .onnx is not written either
      [join(dir, 'm.onnx'), /m.preprocessing.json: it is a folder/],
    ]
    for (const [out, why] of cases) {
      const r = run(['export', runId, '--format', 'onnx', '--out', out])
      expect(r.code, out).toBe(2)
      expect(r.stderr).toMatch(why)
    }
    expect(readdirSync(dir).sort()).toEqual(['file', 'folder', 'm.preprocessing.json'])
    expect(readdirSync(join(dir, 'folder'))).toEqual([])
    expect(run(['export', runId, '--format', 'tflite', '--out', join(dir, 'x')]).stderr).toMatch(/--format must be one of onnx, pytorch, weights/)
  })
})

describe('the training folder gone', () => {
  it('predict gives the same answers and export works, from the normalisation stored with the run', () => {
    const image = join(test, 'class-02', readdirSync(join(test, 'class-02'))[0])
    const before = JSON.parse(run(['predict', runId, image, '--json']).stdout).predictions[0].probabilities as number[]
    const store = new Store(db, { readonly: true })
    const stored = store.normalizationOf(runId)!
    store.close()
    expect(stored.mean).toHaveLength(3)
    expect(stored.std.every((v) => v > 0)).toBe(true)
    renameSync(data, `${data}-away`)
    try {
      const r = run(['predict', runId, image, '--json'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe('')
      JSON.parse(r.stdout).predictions[0].probabilities.forEach((v: number, i: number) => expect(v).toBeCloseTo(before[i], 6))
      const out = join(tmp('cnn-export-gone-'), 'm.cnn.json')
      expect(run(['export', runId, '--format', 'weights', '--out', out]).code).toBe(0)
      expect(run(['evaluate', runId]).stderr).toMatch(new RegExp(`trained on ${data}, which cannot be read now`))
    } finally {
      renameSync(`${data}-away`, data)
    }
  })
})

describe('the training folder changed since the run', () => {
  it('other images: evaluate warns and recomputes; other classes: evaluate refuses, naming the change', async () => {
    const extra = join(data, 'class-01', 'zz-extra.png')
    writeFileSync(extra, readFileSync(join(data, 'class-01', '0.png')))
    const r = run(['evaluate', runId, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/warning: .* has changed since run r_\w+ was trained \(the images changed .*'class-01' had 8, now 9\)/)
    expect(JSON.parse(r.stdout).warnings).toHaveLength(1)
    mkdirSync(join(data, 'class-03'))
    writeFileSync(join(data, 'class-03', 'a.png'), readFileSync(extra))
    const bad = run(['evaluate', runId])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/is not the folder run r_\w+ was trained on: class 'class-03' was added/)
  })
})
