// The Train, Data, sample and Compare stores: the settings form comes from the real settings schema (the one
// zod schema, as JSON) and says what is wrong next to each field; the pre-start checks catch a class-count
// mismatch and the one-click fix edits the design once; a missing folder keeps the last report; the one way
// to use the sample; the comparison's selection lives in the URL, loaded once, its rows mark the best run,
// and its curves align by epoch.
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { z } from 'zod'
import { parseSettings, TrainSettings } from '../../src-main/api/settings.ts'
import { validate } from '../../src-main/api/contract.ts'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import type { HealthReport, JsonSchema } from '../../src-main/api/contract.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useTrain, fieldsOf, parseField } = await import('../../src-renderer/src/stores/train.ts')
const { useData } = await import('../../src-renderer/src/stores/data.ts')
const { useDesign } = await import('../../src-renderer/src/stores/design.ts')
const { useUi } = await import('../../src-renderer/src/stores/ui.ts')
const { useApp } = await import('../../src-renderer/src/stores/app.ts')
const { useConnection } = await import('../../src-renderer/src/stores/connection.ts')
type AppInfo = import('../../src-renderer/src/stores/app.ts').AppInfo
const { useCompare, bestIndex, joinByEpoch, runColor } = await import('../../src-renderer/src/stores/compare.ts')
const { emptySeries, useRuns } = await import('../../src-renderer/src/stores/runs.ts')
const { StudioError } = await import('../../src-renderer/src/api/client.ts')
const { useSample } = await import('../../src-renderer/src/stores/sample.ts')

const schema = z.toJSONSchema(TrainSettings, { io: 'input' }) as JsonSchema
const defaults = { epochs: 10, batchSize: 32, optimizer: 'adam', lr: 0.001, momentum: 0.9, nesterov: false, weightDecay: 0, schedule: 'constant', warmupEpochs: 0, valSplit: 0.2, seed: 1, augment: 'none' }
const sample = parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const report = (classes: string[]): HealthReport => ({
  root: '/data/x', classes: classes.map((name) => ({ name, count: 20 })), images: 20 * classes.length, skipped: [], sizes: { minWidth: 32, maxWidth: 32, minHeight: 32, maxHeight: 32 },
  channels: { grey: 0, rgb: 40, alpha: 0 }, formats: { png: 40 }, duplicates: [], leakage: [], warnings: [], usable: classes.length >= 2,
})

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

async function loadedTrain() {
  invoke.mockImplementation(async (cmd: string) => (cmd === 'settings.schema' ? schema : cmd === 'settings.defaults' ? defaults : null))
  const train = useTrain()
  await train.load()
  return train
}

describe('the settings form', () => {
  it('has a field per schema property, typed by the schema', () => {
    const f = Object.fromEntries(fieldsOf(schema).map((x) => [x.key, x.kind]))
    expect(f).toMatchObject({ name: 'string', epochs: 'integer', lr: 'number', optimizer: 'enum', nesterov: 'boolean', augment: 'enum', workers: 'integer' })
    const lr = fieldsOf(schema).find((x) => x.key === 'lr')!
    expect(parseField(lr, '0')).toEqual({ error: 'greater than 0' })
    expect(parseField(lr, 'fast')).toEqual({ error: 'a number, e.g. 0.001' })
    expect(parseField(lr, '')).toEqual({ error: 'required' })
    expect(parseField(fieldsOf(schema).find((x) => x.key === 'epochs')!, '2.5')).toEqual({ error: 'a whole number' })
    expect(parseField(fieldsOf(schema).find((x) => x.key === 'workers')!, '')).toEqual({}) // optional: left to the service
  })

  it('fills from settings.defaults, sends typed values, and shows the service\'s field errors next to the field', async () => {
    const train = await loadedTrain()
    expect(train.form.epochs).toBe('10')
    train.set('epochs', '2')
    train.set('valSplit', '0.95')
    expect(train.errors).toEqual({ valSplit: 'at most 0.9' })
    train.set('valSplit', '0.25')
    expect(train.settings).toMatchObject({ epochs: 2, valSplit: 0.25, lr: 0.001, nesterov: false })
    expect(train.settings).not.toHaveProperty('workers')
    // the service has the last word
    useData().report = report(['a', 'b', 'c'])
    useDesign().load(sample)
    // The error as the service makes it (parseSettings: the fields by path beside the one-line message);
    // the form reads the fields, not the message.
    const refused = parseSettings({ batchSize: 5000, seed: -1 })
    if (refused.ok) throw new Error('expected the settings to be refused')
    invoke.mockImplementation(async () => {
      throw new StudioError({ code: 'INVALID_SETTINGS', message: 'refused (the form must not parse this text)', fields: refused.fields })
    })
    expect(await train.start()).toBeNull()
    expect(train.errors).toMatchObject({ batchSize: 'Too big: expected number to be <=4096', seed: 'Too small: expected number to be >=0' })
    train.set('batchSize', '64')
    expect(train.errors.batchSize).toBeUndefined()
    train.set('seed', '1')
    // The contract's own check names the field under the payload (settings.batchSize): the same field.
    const v = validate('runs.start', { model: sample, datasetDir: '/d', settings: { batchSize: 0 } })
    if (v.ok) throw new Error('expected the request to be refused')
    invoke.mockImplementation(async () => {
      throw new StudioError(v.error)
    })
    expect(await train.start()).toBeNull()
    expect(train.errors.batchSize).toBe('Too small: expected number to be >=1')
  })
})

describe('checks before starting', () => {
  it('a class-count mismatch offers the fix, which sets the last dense layer\'s units in one undoable edit', async () => {
    const train = await loadedTrain()
    const design = useDesign()
    design.load(sample)
    useData().report = report(['cats', 'dogs'])
    const check = train.checks.find((c) => c.id === 'classes')!
    expect(check.message).toMatch(/ends in 3 classes but the dataset has 2 \(cats, dogs\)/)
    expect(train.canStart).toBe(false)
    check.fix!.run()
    expect(design.doc.nodes.find((n) => n.id === 'fc')!.attrs!.units).toBe(2)
    expect(train.checks.some((c) => c.severity === 'error')).toBe(false)
    expect(train.canStart).toBe(true)
    design.undo()
    expect(train.checks.some((c) => c.id === 'classes')).toBe(true)
  })

  it('no dataset, an unusable one, and graph errors that link to their node', async () => {
    const train = await loadedTrain()
    const design = useDesign(), ui = useUi()
    design.load(sample)
    expect(train.checks.find((c) => c.id === 'dataset')).toMatchObject({ severity: 'error' })
    useData().report = { ...report(['only']), problem: "/data/x has images in one class only ('only')" }
    expect(train.checks.find((c) => c.id === 'dataset')!.message).toMatch(/one class only/)
    useData().report = report(['a', 'b', 'c'])
    design.remove(['gap']) // the dense layer now gets a feature map
    const graph = train.checks.filter((c) => c.id.startsWith('graph-'))
    expect(graph.length).toBeGreaterThan(0)
    const linked = graph.find((c) => c.link?.label.includes('fc'))!
    linked.link!.run()
    expect([...ui.selection]).toEqual(['fc'])
    expect(ui.screen).toBe('design')
  })
})

describe('the same checks as the service (core/train/checks.ts)', () => {
  const info = (availableBytes: number) => ({ version: '0', host: 'web', database: '/db', cores: 2, memory: { totalBytes: 8 * 2 ** 30, freeBytes: availableBytes, availableBytes }, sample: { templateId: 'shapes-cnn', datasetDir: '/s', settings: { epochs: 1, batchSize: 16, lr: 0.005 } } })

  it('a 4-channel input is an error on Train, with the message the service refuses it with, and a fix', async () => {
    const train = await loadedTrain()
    const design = useDesign()
    design.load({ ...sample, nodes: sample.nodes.map((n) => (n.id === 'in' ? { ...n, attrs: { ...n.attrs, channels: 4 } } : n)) })
    useData().report = report(['a', 'b', 'c'])
    const check = train.checks.find((c) => c.id === 'channels')!
    expect(check).toMatchObject({ severity: 'error', message: 'input in: 4 channels describe a feature map, which the studio can analyse but not train: training reads images, so set channels to 1 (greyscale) or 3 (RGB colour)' })
    expect(train.canStart).toBe(false)
    check.fix!.run()
    expect(design.doc.nodes.find((n) => n.id === 'in')!.attrs!.channels).toBe(3)
    expect(train.checks.some((c) => c.severity === 'error')).toBe(false)
  })

  it('a model without a softmax: NO_CLASSIFIER on Train and in the designer\'s verdict, and one click adds it', async () => {
    const train = await loadedTrain()
    const design = useDesign()
    design.load(sample)
    design.remove(['out'])
    expect(design.analysis.issues.filter((i) => i.severity === 'error')).toEqual([]) // the canvas' own analysis sees nothing wrong
    const verdict = train.verdict.filter((c) => c.severity === 'error')
    expect(verdict.map((c) => c.issue)).toEqual(['NO_CLASSIFIER'])
    const check = train.checks.find((c) => c.id === verdict[0].id)!
    expect(check.fix!.label).toBe('Add softmax after fc')
    check.fix!.run()
    expect(train.verdict.some((c) => c.severity === 'error')).toBe(false)
  })

  it('a run bigger than the machine is refused before Start, naming what dominates', async () => {
    const train = await loadedTrain()
    useDesign().load(sample)
    useData().report = report(['a', 'b', 'c'])
    useApp().info = info(64 * 2 ** 20) as AppInfo // 64 MiB: less than the runtime alone
    const memory = train.checks.find((c) => c.id === 'memory')!
    expect(memory.severity).toBe('error')
    expect(memory.message).toMatch(/^this run needs about .*; this machine has 64 MiB available \(of 8\.0 GiB\), so it was not started: /)
    useApp().info = info(8 * 2 ** 30) as AppInfo
    expect(train.checks.find((c) => c.id === 'memory')!.severity).toBe('ok')
    expect(train.canStart).toBe(true)
    // not while the page has lost the studio server (serve's socket), and again once it is back
    useConnection().up = false
    expect(train.canStart).toBe(false)
    useConnection().up = true
    expect(train.canStart).toBe(true)
  })
})

describe('the data store', () => {
  it('a folder that does not exist says so and keeps the report shown', async () => {
    const data = useData()
    invoke.mockImplementation(async (cmd: string, p: { dir: string }) => {
      if (cmd === 'datasets.inspect' && p.dir === '/good') return { ...report(['a', 'b']), root: '/good' }
      if (cmd === 'datasets.thumbnails') return { className: 'a', png: 'data:image/png;base64,', total: 20, columns: 8 }
      throw new StudioError({ code: 'NOT_FOUND', message: `${p.dir}: no such folder` })
    })
    expect(await data.open('/good')).toBe(true)
    expect(data.recent).toEqual(['/good'])
    expect(await data.open('/nope')).toBe(false)
    expect(data.error).toEqual({ code: 'NOT_FOUND', message: '/nope: no such folder' })
    expect(data.report!.root).toBe('/good')
    expect(data.recent).toEqual(['/good'])
    await vi.waitFor(() => expect(data.sheets.size).toBe(2))
  })
})

// The designer's first start, the Train and Data screens and the empty Runs screen all use the sample so.
describe('the sample', () => {
  const info = { version: '0', host: 'web', database: '/db', cores: 2, memory: { totalBytes: 1, freeBytes: 1 }, sample: { templateId: 'shapes-cnn', datasetDir: '/app/shapes', settings: { epochs: 30, batchSize: 16, lr: 0.005 } } }
  function host(templates = [{ id: 'shapes-cnn', name: 'Shapes CNN', model: sample }]) {
    const answers: Record<string, unknown> = { 'app.info': info, 'templates.list': templates, 'settings.schema': schema, 'settings.defaults': defaults, 'runs.start': { runId: 'r_sample' }, 'runs.list': [] }
    invoke.mockImplementation(async (cmd: string) => answers[cmd] ?? null)
  }

  it('as the design and the form: the template app.info names, with the sample\'s settings', async () => {
    host()
    const s = useSample(), design = useDesign()
    expect(s.designIsBlank).toBe(true)
    expect(await s.use(['design', 'form'])).toBe(true)
    expect(design.doc.nodes.map((n) => n.id)).toEqual(sample.nodes.map((n) => n.id))
    expect([design.path, design.canUndo, s.designIsBlank]).toEqual([null, false, false])
    expect(useTrain().form).toMatchObject({ epochs: '30', batchSize: '16', lr: '0.005' })
  })

  it('as a run: trains the sample model on the sample folder, leaving the design and the form alone', async () => {
    host()
    const design = useDesign()
    const before = design.doc
    expect(await useSample().use(['run'])).toBe(true)
    expect(invoke).toHaveBeenCalledWith('runs.start', { model: sample, datasetDir: '/app/shapes', settings: { epochs: 30, batchSize: 16, lr: 0.005, name: 'Sample: shapes' } })
    expect(invoke).toHaveBeenCalledWith('runs.list')
    expect(design.doc).toBe(before)
    expect(invoke).not.toHaveBeenCalledWith('settings.schema')
  })

  it('says so when the template app.info names is missing, and changes nothing', async () => {
    host([])
    const s = useSample(), design = useDesign()
    const before = design.doc
    expect(await s.use(['design', 'form'])).toBe(false)
    expect(s.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("'shapes-cnn'") })
    expect(design.doc).toBe(before)
    expect(invoke).not.toHaveBeenCalledWith('runs.start', expect.anything())
  })
})

describe('the compare store', () => {
  it('reads its runs from the URL and writes a new selection there, at most ten', () => {
    const ui = useUi()
    ui.navigate('compare', { runs: 'r_a,r_b' })
    const c = useCompare()
    expect(c.ids).toEqual(['r_a', 'r_b'])
    c.toggle('r_c')
    expect(ui.route.params.runs).toBe('r_a,r_b,r_c')
    c.setIds(Array.from({ length: 12 }, (_, i) => `r_${i}`))
    expect(c.ids).toHaveLength(10)
    expect(runColor(0)).toBe('--series-1')
    expect(runColor(9)).toBe('--series-10')
  })

  it('marks the best value of a row; aligns runs of different lengths by epoch', () => {
    expect(bestIndex([0.8, null, 0.9], 'max')).toBe(2)
    expect(bestIndex([0.3, 0.2, null], 'min')).toBe(1)
    expect(bestIndex([0.3, null], 'min')).toBeNull() // one value is not a comparison
    expect(bestIndex([0.375, 0.375, 0.2], 'max')).toBeNull() // a tie has no winner
    const a = { ...emptySeries(), epoch: [1, 2, 3], valLoss: [0.9, 0.8, 0.7] }
    const b = { ...emptySeries(), epoch: [1, 2], valLoss: [1.0, 0.95] }
    expect(joinByEpoch([a, b], 'valLoss')).toEqual([[1, 2, 3], [0.9, 0.8, 0.7], [1.0, 0.95, undefined]])
  })

  it('the curves of a run still training grow with its events, without a reload', async () => {
    const epoch = (n: number) => ({ epoch: n, trainLoss: 1 / n, trainAccuracy: 0.5, valLoss: 1 / n, valAccuracy: 0.5, lr: 0.01, seconds: 1 })
    const detail = (runId: string, status: string, epochs: number) => ({
      runId, name: runId, status, createdAt: '2026-01-01T00:00:00Z', model: 'M', dataset: '/d', final: {}, imagesPerSecond: null, starred: false, tags: [], note: '', params: 1, macs: 1,
      settings: {}, epochs: Array.from({ length: epochs }, (_, i) => epoch(i + 1)), steps: { epoch: [], step: [], loss: [], accuracy: [] }, evaluations: [], skipped: [], error: null, modelFile: sample,
    })
    invoke.mockImplementation(async (cmd: string, p: { runId?: string }) => {
      if (cmd === 'runs.get') return p.runId === 'r_a' ? detail('r_a', 'running', 1) : detail('r_b', 'completed', 3)
      if (cmd === 'runs.compare') return { runs: [], differences: {}, architecture: { same: true, added: [], removed: [], nodes: [] } }
      return []
    })
    useUi().navigate('compare', { runs: 'r_a,r_b' })
    const c = useCompare()
    await c.load()
    expect(c.series.map((s) => s.epoch)).toEqual([[1], [1, 2, 3]])
    useRuns().onEvent({ type: 'epoch', runId: 'r_a', ...epoch(2) })
    expect(c.series[0].epoch).toEqual([1, 2])
    expect(joinByEpoch(c.series, 'valLoss')[1]).toEqual([1, 0.5, undefined])
  })

  it('loads a comparison once when Compare opens on a selection, again when it is reopened, not for an equal address', async () => {
    invoke.mockImplementation(async (cmd: string) => (cmd === 'runs.compare' ? { runs: [], differences: {}, architecture: { same: true, added: [], removed: [], nodes: [] } } : null))
    const compares = () => invoke.mock.calls.filter((c) => c[0] === 'runs.compare').length
    const ui = useUi()
    ui.navigate('compare', { runs: 'r_a,r_b' })
    const c = useCompare() // the screen's setup: the store follows the URL, the screen asks nothing itself
    await vi.waitFor(() => expect(c.loading).toBe(false))
    expect(compares()).toBe(1)
    ui.setParams({ runs: 'r_a,r_b' })
    await new Promise((r) => setTimeout(r, 0))
    expect(compares()).toBe(1)
    ui.navigate('runs')
    ui.navigate('compare') // the navigation bar's tab: no selection in the URL returns to the last one
    await vi.waitFor(() => expect(compares()).toBe(2))
    expect(ui.route.params.runs).toBe('r_a,r_b')
  })

  it('keeps a comparison when an equal selection is set again while it loads (a link reopened)', async () => {
    const detail = (runId: string) => ({
      runId, name: runId, status: 'completed', createdAt: '2026-01-01T00:00:00Z', model: 'M', dataset: '/d', final: {}, imagesPerSecond: null, starred: false, tags: [], note: '', params: 1, macs: 1,
      settings: {}, epochs: [], steps: { epoch: [], step: [], loss: [], accuracy: [] }, evaluations: [], skipped: [], error: null, modelFile: sample,
    })
    invoke.mockImplementation(async (cmd: string, p: { runId?: string }) => {
      await new Promise((r) => setTimeout(r, 5))
      if (cmd === 'runs.get') return detail(p.runId!)
      if (cmd === 'runs.compare') return { runs: [], differences: { lr: [0.1, 0.2] }, architecture: { same: true, added: [], removed: [], nodes: [] } }
      return []
    })
    const ui = useUi()
    ui.navigate('compare', { runs: 'r_a,r_b' })
    const c = useCompare()
    const loading = c.load()
    ui.setParams({ runs: 'r_a,r_b' }) // a new route object, the same selection
    await loading
    expect(c.comparison?.differences).toEqual({ lr: [0.1, 0.2] })
  })
})
