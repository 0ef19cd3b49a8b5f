// The host's models.import and models.rewrite, as the studio's page calls them: an ONNX file opened as a
// design (from a path, or from the bytes a page sends), a refusal as a coded error with the reason, a rewrite's figures, and a rule that does not apply.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { decodeWeights } from '../../../src-engine/core/train/weights.ts'
import { buildOnnx } from '../../../src-main/services/export/onnx.ts'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { seededWeights } from './seeded-weights.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const SHAPES = new URL('../../../resources/sample-dataset/shapes', import.meta.url).pathname
let host: Host | null = null
afterEach(() => host?.close())

it('models.import opens an ONNX file as a design; what cannot be imported comes back as IMPORT_REFUSED', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-host-import-'))
  host = createHost({ dbPath: join(dir, 'e.db') })
  const model = parseModelFile(readFileSync(join(TEMPLATES, 'smallcnn.cnn.json'), 'utf8'))
  const pre = { layout: 'NHWC' as const, height: 32, width: 32, channels: 3 as const, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], classes: [] }
  writeFileSync(join(dir, 'm.onnx'), buildOnnx(model, seededWeights(model, 2), pre, { runId: 'r', epoch: 1, version: 't' }))
  const r = await host.invoke('models.import', { path: join(dir, 'm.onnx') })
  expect(r.ok).toBe(true)
  const res = (r as { result: { model: { nodes: { id: string }[] }; warnings: string[]; ops: Record<string, number> } }).result
  expect(res.model.nodes.map((n) => n.id)).toEqual(model.nodes.map((n) => n.id))
  expect(res.ops.Conv).toBe(3)
  writeFileSync(join(dir, 'bad.onnx'), 'not onnx at all')
  expect(await host.invoke('models.import', { path: join(dir, 'bad.onnx') })).toMatchObject({ ok: false, error: { code: 'IMPORT_REFUSED', message: expect.stringMatching(/bad\.onnx is not/) } })
  expect(await host.invoke('models.import', { path: dir })).toMatchObject({ ok: false, error: { code: 'IMPORT_REFUSED', message: expect.stringMatching(/a folder, not an ONNX file/) } })
  expect(await host.invoke('models.import', { path: join(dir, 'none.onnx') })).toMatchObject({ ok: false, error: { code: 'IMPORT_REFUSED', message: expect.stringMatching(/none\.onnx: cannot read it \(ENOENT\)/) } })
})

it('models.rewrite gives the new design and the figures, or the reason', async () => {
  host = createHost({ dbPath: join(mkdtempSync(join(tmpdir(), 'cnn-host-rw-')), 'e.db') })
  const model = parseModelFile(readFileSync(join(TEMPLATES, 'lenet5.cnn.json'), 'utf8'))
  const r = await host.invoke('models.rewrite', { model, rule: 'gap-head' })
  expect(r).toMatchObject({ ok: true, result: { ok: true, rule: 'gap-head', changed: ['gap', 'f5'], before: { params: 61_706 }, after: { params: 61_706 - 48_120 + 2_040 } } })
  expect(await host.invoke('models.rewrite', { model, rule: 'stack3x3', node: 'f5' })).toMatchObject({ ok: true, result: { ok: false, reason: 'f5 is a dense; stack3x3 rewrites a conv2d' } })
  expect(await host.invoke('models.rewrite', { model, rule: 'wider' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
})

it('models.importBytes opens an ONNX file the page sends as bytes; a non-ONNX, truncated or oversized one is refused in one line', async () => {
  host = createHost({ dbPath: join(mkdtempSync(join(tmpdir(), 'cnn-host-bytes-')), 'e.db') })
  const model = parseModelFile(readFileSync(join(TEMPLATES, 'lenet5.cnn.json'), 'utf8'))
  const a = analyzeGraph(model, { forTraining: true })
  const [h, w, c] = a.nodes.find((n) => n.type === 'input')!.outputShape!
  const pre = { layout: 'NHWC' as const, height: h, width: w, channels: c as 1 | 3, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0, 0, 0].slice(0, c), std: [1, 1, 1].slice(0, c), classes: [] }
  const bytes = Buffer.from(buildOnnx(model, seededWeights(model, 2), pre, { runId: 'r', epoch: 1, version: 't' }))
  const ok = await host.invoke('models.importBytes', { name: 'lenet.onnx', data: `data:application/octet-stream;base64,${bytes.toString('base64')}` })
  expect(ok.ok).toBe(true)
  const res = (ok as { result: { model: ModelFile; warnings: string[]; ops: Record<string, number> } }).result
  expect(analyzeGraph(res.model, { forTraining: true }).totals).toEqual(a.totals)
  expect(res.ops.Conv).toBe(2)

  const refused = async (name: string, data: string) => {
    const r = await host!.invoke('models.importBytes', { name, data })
    expect(r.ok).toBe(false)
    const e = (r as { error: { code: string; message: string } }).error
    expect(e.message).not.toMatch(/\n/)
    return e
  }
  expect(await refused('notes.onnx', Buffer.from('just some text, not a model').toString('base64'))).toMatchObject({ code: 'IMPORT_REFUSED', message: expect.stringMatching(/^notes\.onnx is not/) })
  expect(await refused('half.onnx', bytes.subarray(0, bytes.length >> 1).toString('base64'))).toMatchObject({ code: 'IMPORT_REFUSED', message: expect.stringMatching(/^half\.onnx is not a readable ONNX model: the file ends early \(truncated\?\)$/) })
  expect(await refused('empty.onnx', '')).toMatchObject({ code: 'INVALID_REQUEST' })
  // A path in the name is cut to its file name: the reply names no folder of the page's machine.
  expect(await refused('C:\\Users\\me\\x.onnx', Buffer.from([8, 7]).toString('base64'))).toMatchObject({ code: 'IMPORT_REFUSED', message: expect.stringMatching(/^x\.onnx /) })
  expect(await refused('bad.onnx', 'not base64!')).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/data: the file's bytes in base64/) })
  expect(await refused('two\nlines.onnx', 'AAAA')).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/name: a file name without control characters/) })
  expect(await refused('big.onnx', 'A'.repeat(16 * 2 ** 20))).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/at most 11 MiB of ONNX from the page; import a larger file with `cnn-studio import`/) })
})

it('Electron\'s Open dialog imports an ONNX file as an unsaved design: no path to save back to, the file\'s name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-host-dialog-'))
  const model = parseModelFile(readFileSync(join(TEMPLATES, 'smallcnn.cnn.json'), 'utf8'))
  const pre = { layout: 'NHWC' as const, height: 32, width: 32, channels: 3 as const, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], classes: [] }
  writeFileSync(join(dir, 'Small.ONNX'), buildOnnx(model, seededWeights(model, 2), pre, { runId: 'r', epoch: 1, version: 't' }))
  host = createHost({ dbPath: join(dir, 'e.db'), dialogs: { openModelPath: async () => ({ path: join(dir, 'Small.ONNX') }), saveModelPath: async () => null, pickFolder: async () => null } })
  const r = await host.invoke('dialogs.openModel', undefined)
  expect(r).toMatchObject({ ok: true, result: { path: null, name: 'Small', warnings: [] } })
  expect((r as { result: { model: ModelFile } }).result.model.nodes.map((n) => n.id)).toEqual(model.nodes.map((n) => n.id))
})

it('train from these weights in the page: importBytes gives the weights, runs.start starts from them; another network\'s are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-host-init-'))
  host = createHost({ dbPath: join(dir, 'e.db'), cacheDir: join(dir, 'cache') })
  const shapes = parseModelFile(readFileSync(join(TEMPLATES, 'shapes-cnn.cnn.json'), 'utf8'))
  const pre = { layout: 'NHWC' as const, height: 32, width: 32, channels: 3 as const, resize: 'stretch' as const, background: [255, 255, 255] as [number, number, number], scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], classes: [] }
  const init = seededWeights(shapes, 7)
  const sent = Buffer.from(buildOnnx(shapes, init, pre, { runId: 'r', epoch: 1, version: 't' })).toString('base64')
  const imported = (await host.invoke('models.importBytes', { name: 'shapes.onnx', data: sent })) as { ok: true; result: { model: ModelFile; weights: string } }
  expect(imported.ok).toBe(true)
  const settings = { epochs: 1, batchSize: 32, optimizer: 'sgd' as const, lr: 1e-9, momentum: 0, workers: 1, seed: 1 }
  const started = await host.invoke('runs.start', { model: imported.result.model, datasetDir: SHAPES, settings, initialWeights: imported.result.weights })
  expect(started.ok).toBe(true)
  const runId = (started as { result: { runId: string } }).result.runId
  await host.service.whenIdle()
  // A learning rate too small to move them: the checkpoint is the imported weights, tensor by tensor.
  const last = decodeWeights(host.service.store.checkpoint(runId, 'last')!.weights).tensors
  for (const [name, t] of decodeWeights(init).tensors) {
    const u = last.get(name)!
    expect(Math.max(...t.map((v, i) => Math.abs(v - u[i]))), name).toBeLessThan(1e-5)
  }
  const lenet = parseModelFile(readFileSync(join(TEMPLATES, 'lenet5.cnn.json'), 'utf8'))
  const misfit = await host.invoke('runs.start', { model: imported.result.model, datasetDir: SHAPES, settings, initialWeights: Buffer.from(seededWeights(lenet, 1)).toString('base64') })
  expect(misfit).toMatchObject({ ok: false, error: { code: 'INVALID_MODEL', message: expect.stringMatching(/^cannot start from these weights: the weights do not fit this model: c1\.weight has 150 numbers/) } })
}, 300_000)
