// The ONNX export of every template after a short real training run: the file runs in onnxruntime-node
// and gives the engine's classes on every image, with probabilities within 1e-4. Also what the file and
// its sidecar record of the preprocessing.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import onnxProto from 'onnx-proto'
import { analyzeGraph, parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { exportRun } from '../../../src-main/services/export/export.ts'
import { syntheticFolder } from './folders.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const templates = readdirSync(TEMPLATES).filter((f) => f.endsWith('.cnn.json')).sort()
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const cacheDir = tmp('cnn-onnx-cache-')
let store: Store
const runs = new Map<string, string>()

beforeAll(async () => {
  store = new Store(join(tmp('cnn-onnx-db-'), 'x.db'))
  const svc = new TrainingService(store, { cacheDir })
  const folders = new Map<string, string>()
  for (const f of templates) {
    const model = parseModelFile(readFileSync(TEMPLATES + f, 'utf8'))
    const a = analyzeGraph(model, { forTraining: true })
    const input = a.nodes.find((n) => n.type === 'input')!.outputShape!
    const classes = a.byId.get(a.outputId!)!.outputShape![0]
    const key = `${input.join('x')}-${classes}`
    if (!folders.has(key)) folders.set(key, await syntheticFolder(tmp(`cnn-onnx-${key}-`), { classes, perClass: 3, size: input[0], channels: input[2] as 1 | 3 }))
    const { runId } = await svc.start({ model, datasetDir: folders.get(key)!, settings: { epochs: 1, batchSize: 8, lr: 0.003, workers: 2, seed: 3 } })
    runs.set(f, runId)
  }
  await svc.whenIdle()
}, 600_000)

describe('ONNX parity on every template', () => {
  it.each(templates)('%s', async (f) => {
    const runId = runs.get(f)!
    expect(store.getRun(runId).status).toBe('completed')
    const dir = tmp('cnn-onnx-out-')
    const r = await exportRun(store, runId, { format: 'onnx', out: join(dir, 'model.onnx'), cacheDir, paritySample: 64 })
    console.log(`parity ${f}: ${r.parity!.images} ${r.parity!.sample} images, classes agree ${(100 * r.parity!.agreement).toFixed(1)}%, max |dp| ${r.parity!.maxProbabilityDifference.toExponential(2)}`)
    expect(r.parity!.images).toBeGreaterThan(0)
    expect(r.parity!.agreement).toBe(1)
    expect(r.parity!.maxProbabilityDifference).toBeLessThan(1e-4)
    expect(r.files).toEqual([join(dir, 'model.onnx'), join(dir, 'model.preprocessing.json')])
    expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'model.preprocessing.json'])

    const m = onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')))
    expect(Number(m.opsetImport[0].version)).toBeGreaterThanOrEqual(17)
    const props = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]))
    const pre = JSON.parse(props['cnn-studio.preprocessing'])
    const input = analyzeGraph(store.modelOf(runId)).nodes.find((n) => n.type === 'input')!.attrs
    expect(pre).toMatchObject({ layout: 'NHWC', height: input.height, width: input.width, channels: input.channels, resize: 'stretch', scale: 1 / 255 })
    expect(JSON.parse(props.classes)).toEqual(pre.classes)
    expect(pre.classes[0]).toBe('class-00')
    const dims = m.graph!.input![0].type!.tensorType!.shape!.dim!
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', input.height, input.width, input.channels])
    const sidecar = JSON.parse(readFileSync(join(dir, 'model.preprocessing.json'), 'utf8'))
    expect(sidecar.preprocessing).toEqual(pre)
    expect(sidecar.parity.agreement).toBe(1)
  })
})
