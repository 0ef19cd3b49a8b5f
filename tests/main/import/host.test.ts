// The host's models.import and models.rewrite, as the studio's page calls them: an ONNX file opened as a
// design, a refusal as a coded error with the reason, a rewrite's figures, and a rule that does not apply.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { buildOnnx } from '../../../src-main/services/export/onnx.ts'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { seededWeights } from './seeded-weights.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
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
