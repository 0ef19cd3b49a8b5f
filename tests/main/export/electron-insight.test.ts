// Insight and export in the built app (out/main under the Electron stand-in, as electron-main.test.ts runs
// it): the inference worker is a bundled entry, the PyTorch template travels inside the bundle, and
// onnxruntime-node loads from outside it; no TypeScript is loaded (the stand-in refuses any .ts).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Responses } from '../../../src-main/api/contract.ts'
import { launchBuiltMain, type BuiltMain } from '../../helpers/electron-stand-in/launch.ts'

let app: BuiltMain, base: string, runId: string

async function call<K extends keyof Responses>(command: K, payload: unknown = {}): Promise<Responses[K]> {
  const r = await app.invoke<Responses[K]>(command, payload)
  if (!r.ok) throw new Error(`${command}: ${r.error.code}: ${r.error.message}\n${app.output()}`)
  return r.result as Responses[K]
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'cnn-electron-insight-'))
  app = launchBuiltMain({ HOME: base, XDG_CONFIG_HOME: join(base, 'config'), APPDATA: join(base, 'config'), CNN_STUDIO_DB: join(base, 'x.db'), CNN_STUDIO_CACHE: join(base, 'cache') })
  while ((await app.records()).windows.length === 0) await new Promise((r) => setTimeout(r, 50))
  const info = await call('app.info')
  const model = (await call('templates.list')).find((t) => t.id === info.sample.templateId)!.model
  ;({ runId } = await call('runs.start', { model, datasetDir: info.sample.datasetDir, settings: { ...info.sample.settings, epochs: 2 } }))
  const end = await app.waitForEvent((e) => e.type === 'status' && e.runId === runId && !['queued', 'running'].includes(e.status))
  expect(end).toMatchObject({ status: 'completed' })
}, 300_000)

afterAll(async () => {
  if (app?.child.exitCode === null) app.child.kill()
  await app?.exited
})

describe('insight and export in the built main process', () => {
  it('evaluates on the worker thread and looks inside an image', async () => {
    const e = await call('runs.evaluate', { runId })
    expect(e.count).toBe(72)
    expect(e.predictions[0].thumbnail).toMatch(/^data:image\/png/)
    const info = await call('app.info')
    const i = await call('runs.insight', { runId, image: { path: join(info.sample.datasetDir, 'circle', 'circle-000.png') } })
    expect(i.featureMaps.length).toBeGreaterThan(0)
    expect(i.gradCam?.layerId).toBeTruthy()
  })

  it('exports ONNX with its parity check, and the PyTorch script', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cnn-electron-export-'))
    const onnx = await call('runs.export', { runId, format: 'onnx', out: join(out, 'm.onnx') })
    expect(onnx.parity).toMatchObject({ agreement: 1, images: 64 })
    expect(onnx.parity!.maxProbabilityDifference).toBeLessThan(1e-4)
    const py = await call('runs.export', { runId, format: 'pytorch', out: join(out, 'train.py') })
    expect(py.files).toEqual([join(out, 'train.py'), join(out, 'train.weights')])
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toMatch(/class StudioNet\(nn\.Module\)/)
    expect(readdirSync(out).sort()).toEqual(['m.onnx', 'm.preprocessing.json', 'train.py', 'train.weights'])
  })
})
