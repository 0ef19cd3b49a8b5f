// "Try both" (stores/try-both.ts) with the contract mocked: both runs get one settings object (the Train
// form's, seed included) on the same folder, the design as it is and the rewrite, named apart; no folder or a
// failing check queues nothing and says why; after a reload the remembered pair opens Compare once both runs
// have ended, and a pair is forgotten only when the host says its run is gone, not when a list is still loading.
import { readFileSync } from 'node:fs'
import { beforeEach, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { z } from 'zod'
import { TrainSettings } from '../../src-main/api/settings.ts'
import type { HealthReport, JsonSchema, RunSummary } from '../../src-main/api/contract.ts'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { rewriteModel } from '../../src-engine/core/graph/rewrites.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useTryBoth, rewriteLabel } = await import('../../src-renderer/src/stores/try-both.ts')
const { useData } = await import('../../src-renderer/src/stores/data.ts')
const { useDesign } = await import('../../src-renderer/src/stores/design.ts')
const { usePrefs } = await import('../../src-renderer/src/stores/prefs.ts')
const { useUi } = await import('../../src-renderer/src/stores/ui.ts')
const { StudioError } = await import('../../src-renderer/src/api/client.ts')

const schema = z.toJSONSchema(TrainSettings, { io: 'input' }) as JsonSchema
const defaults = { epochs: 2, batchSize: 16, optimizer: 'adam', lr: 0.005, momentum: 0.9, nesterov: false, weightDecay: 0, schedule: 'constant', warmupEpochs: 0, valSplit: 0.2, seed: 7, augment: 'none' }
const sample = parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const rewrite = rewriteModel(sample, 'bottleneck', { node: 'c2' }) as Extract<ReturnType<typeof rewriteModel>, { ok: true }>
const report: HealthReport = {
  root: '/data/shapes', classes: ['circle', 'square', 'triangle'].map((name) => ({ name, count: 20 })), images: 60, skipped: [], sizes: { minWidth: 32, maxWidth: 32, minHeight: 32, maxHeight: 32 },
  channels: { grey: 0, rgb: 60, alpha: 0 }, formats: { png: 60 }, duplicates: [], leakage: [], warnings: [], usable: true,
}
const summary = (runId: string, status: RunSummary['status']) => ({ runId, name: runId, status, createdAt: '', model: 'm', dataset: null, final: {}, imagesPerSecond: null, starred: false, tags: [], note: '', params: 0, macs: 0 }) as RunSummary

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

it('names the rewrite by its rule and the node it rewrote', () => {
  expect(rewriteLabel(rewrite, null)).toBe('bottleneck c2')
  expect(rewriteLabel({ ...rewrite, rule: 'gap-head' }, null)).toBe('gap-head')
  expect(rewriteLabel(rewrite, 'c9')).toBe('bottleneck c9')
})

it('queues the design and the rewrite with one settings object on one folder, named apart, and remembers the pair', async () => {
  const started: { model: { nodes: { id: string }[] }; datasetDir: string; settings: Record<string, unknown> }[] = []
  invoke.mockImplementation(async (cmd: string, p: never) => {
    if (cmd === 'settings.schema') return schema
    if (cmd === 'settings.defaults') return defaults
    if (cmd === 'runs.start') return (started.push(p), { runId: `r_${started.length}` })
    if (cmd === 'runs.update') return summary((p as { runId: string }).runId, 'queued')
    if (cmd === 'runs.list') return [summary('r_1', 'queued'), summary('r_2', 'queued')]
    return null
  })
  useDesign().load(sample)
  const t = useTryBoth()
  // No folder: nothing queued, and why.
  expect(await t.start(rewrite, null)).toBeNull()
  expect(t.refusal).toEqual({ rule: 'bottleneck', message: expect.stringMatching(/^Nothing was queued: choose a dataset folder/) })
  expect(started).toEqual([])

  useData().report = report
  await vi.waitFor(() => expect(t.refusal).toBeNull()) // the folder it asked for: the refusal is gone
  expect(await t.start(rewrite, null)).toEqual({ a: 'r_1', b: 'r_2', label: 'bottleneck c2' })
  expect(t.refusal).toBeNull()
  expect(started.map((s) => s.datasetDir)).toEqual(['/data/shapes', '/data/shapes'])
  expect(started[0].settings).toEqual(started[1].settings)
  expect(started[0].settings).toMatchObject({ seed: 7, epochs: 2, lr: 0.005 })
  expect(started[0].model).toBe(useDesign().doc) // the design as it is: the rewrite was not applied
  expect(started[1].model.nodes.map((n) => n.id)).toContain('c2_1x1')
  expect(invoke.mock.calls.filter(([c]) => c === 'runs.update').map(([, p]) => p)).toEqual([{ runId: 'r_1', name: 'Shapes CNN (sample)' }, { runId: 'r_2', name: 'Shapes CNN (sample) · bottleneck c2' }])
  expect(invoke).toHaveBeenCalledWith('prefs.set', { tryBoth: [{ a: 'r_1', b: 'r_2', label: 'bottleneck c2' }] })
})

it('refuses a rewrite the training checks refuse, queuing neither', async () => {
  invoke.mockImplementation(async (cmd: string) => (cmd === 'settings.schema' ? schema : cmd === 'settings.defaults' ? defaults : null))
  useDesign().load(sample)
  useData().report = { ...report, classes: report.classes.slice(0, 2) } // the model ends in 3 classes
  expect(await useTryBoth().start(rewrite, null)).toBeNull()
  expect(useTryBoth().refusal?.message).toMatch(/^Nothing was queued: the design cannot train on \/data\/shapes: /)
  expect(invoke.mock.calls.some(([c]) => c === 'runs.start')).toBe(false)
})

it('after a reload: the remembered pair opens Compare once both runs have ended; a run still loading is not a run gone', async () => {
  let status: RunSummary['status'] = 'running'
  let list: RunSummary[] = []
  invoke.mockImplementation(async (cmd: string, p: { runId: string }) => {
    if (cmd === 'runs.list') return list
    if (cmd === 'runs.get') {
      if (p.runId === 'r_gone') throw new StudioError({ code: 'NOT_FOUND', message: `no run '${p.runId}'` })
      return summary(p.runId, 'running')
    }
    return null
  })
  usePrefs().values = { tryBoth: [{ a: 'r_a', b: 'r_b', label: 'gap-head' }, { a: 'r_gone', b: 'r_c', label: 'stack3x3 c1' }] }
  const t = useTryBoth()
  await t.restore() // an empty list: both pairs asked about, only the deleted run's pair forgotten
  await vi.waitFor(() => expect(t.pairs).toEqual([{ a: 'r_a', b: 'r_b', label: 'gap-head' }]))
  expect(useUi().screen).toBe('design')

  list = [summary('r_a', 'completed'), summary('r_b', status)]
  const { useRuns } = await import('../../src-renderer/src/stores/runs.ts')
  await useRuns().refresh()
  expect(useUi().screen).toBe('design') // one still running
  status = 'completed'
  useRuns().onEvent({ type: 'status', runId: 'r_b', status })
  await vi.waitFor(() => expect(useUi().route).toEqual({ screen: 'compare', params: { runs: 'r_a,r_b' } }))
  expect(t.pairs).toEqual([])
  expect(invoke).toHaveBeenLastCalledWith('prefs.set', { tryBoth: [] })
})
