// The insight and export commands through the host, as the page sends them: validated at the door,
// images as base64 bytes or paths, PNG data URLs back, coded errors.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import type { EvaluationReport, ExportReport, InsightReport, PredictReport } from '../../../src-main/api/contract.ts'
import { syntheticFolder } from './folders.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
let host: Host, runId: string, data: string
const shapes = parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))

async function ok<T>(command: string, payload: unknown): Promise<T> {
  const r = await host.invoke(command, payload)
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.result as T
}

beforeAll(async () => {
  const base = tmp('cnn-host-insight-')
  data = await syntheticFolder(join(base, 'data'), { classes: 3, perClass: 6, size: 32, channels: 3 })
  host = createHost({ dbPath: join(base, 'x.db'), cacheDir: join(base, 'cache') })
  ;({ runId } = await ok<{ runId: string }>('runs.start', { model: shapes, datasetDir: data, settings: { epochs: 2, batchSize: 6, lr: 0.003, workers: 1 } }))
  await host.service.whenIdle()
}, 120_000)
afterAll(() => host?.close())

describe('insight and export over the contract', () => {
  it('runs.evaluate gives the report with a thumbnail of what the network saw for each image', async () => {
    const r = await ok<EvaluationReport>('runs.evaluate', { runId })
    expect(r.predictions.length).toBe(r.count)
    expect(r.predictions[0].thumbnail).toMatch(/^data:image\/png;base64,/)
    expect(r.confusion).toHaveLength(3)
  })

  it('runs.predict takes image bytes (base64, a data URL\'s prefix allowed) and paths', async () => {
    const file = join(data, 'class-01', '0.png')
    const b64 = readFileSync(file).toString('base64')
    const r = await ok<PredictReport>('runs.predict', { runId, images: [{ name: 'drop.png', data: `data:image/png;base64,${b64}` }, { path: file }], top: 2 })
    expect(r.predictions.map((p) => p.path)).toEqual(['drop.png', file])
    expect(r.predictions[0].probabilities).toEqual(r.predictions[1].probabilities)
    expect(r.predictions[0].top).toHaveLength(2)
    const bad = await host.invoke('runs.predict', { runId, images: [{ name: 'x.png', data: Buffer.from('not an image').toString('base64') }] })
    expect(bad.ok && (bad.result as PredictReport).skipped[0]).toMatchObject({ path: 'x.png', reason: expect.stringMatching(/not/) })
  })

  it('runs.insight: feature maps of every conv and pool, the first filters, Grad-CAM, as PNGs', async () => {
    const r = await ok<InsightReport>('runs.insight', { runId, image: { path: join(data, 'class-02', '1.png') }, classIndex: 2 })
    expect(r.featureMaps.map((m) => `${m.nodeId}:${m.type}`)).toEqual(shapes.nodes.filter((n) => ['conv2d', 'maxpool2d'].includes(n.type)).map((n) => `${n.id}:${n.type}`))
    for (const m of r.featureMaps) expect(m.png).toMatch(/^data:image\/png;base64,/)
    expect(r.filters!.shape).toEqual([3, 3, 3, 16])
    expect(r.gradCam!.classIndex).toBe(2)
    expect(r.gradCam!.cam.every((v) => v >= 0)).toBe(true)
    expect(r.gradCam!.overlay).toMatch(/^data:image\/png;base64,/)
    expect(r.top[0].probability).toBeGreaterThan(0)
  })

  it('runs.export returns the files and the parity report; bad requests and states come back coded', async () => {
    const dir = tmp('cnn-host-export-')
    const r = await ok<ExportReport>('runs.export', { runId, format: 'onnx', out: join(dir, 'm.onnx') })
    expect(r.parity).toMatchObject({ agreement: 1, sample: 'dataset' })
    expect(r.parity!.maxProbabilityDifference).toBeLessThan(1e-4)
    const bad = await host.invoke('runs.export', { runId, format: 'tflite', out: join(dir, 'x') })
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_REQUEST')
    const nowhere = await host.invoke('runs.export', { runId, format: 'onnx', out: join(dir, 'no', 'm.onnx') })
    expect(nowhere.ok ? null : nowhere.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/does not exist/) })
    expect(readdirSync(dir).sort()).toEqual(['m.onnx', 'm.preprocessing.json'])
    const missing = await host.invoke('runs.insight', { runId: 'r_nothere', image: { path: join(data, 'class-02', '1.png') } })
    expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND')
  })
})
