// The runs store: events are routed by runId (two runs' progress never mix), epochs are appended once, a
// late step does not undo a pause, a reload catches up from the stored detail and keeps newer live points;
// the table's filter and sort; renaming, starring and deleting go through the contract and show their errors.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { RunDetail, RunSummary, StudioEvent } from '../../src-main/api/contract.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useRuns, filterRuns, seriesOf } = await import('../../src-renderer/src/stores/runs.ts')
const { StudioError } = await import('../../src-renderer/src/api/client.ts')

const summary = (runId: string, extra: Partial<RunSummary> = {}): RunSummary => ({
  runId, name: runId, status: 'running', createdAt: '2026-01-01T00:00:00Z', model: 'M', dataset: '/d', final: {}, imagesPerSecond: null, starred: false,
  tags: [], note: '', params: 10, macs: 100, ...extra,
})
const progress = (runId: string, epoch: number, step: number, loss = 1): StudioEvent => ({ type: 'progress', runId, epoch, epochs: 3, step, stepsPerEpoch: 4, loss, accuracy: 0.5, imagesPerSecond: 100, etaSeconds: 5 })
const epochEv = (runId: string, epoch: number): StudioEvent => ({ type: 'epoch', runId, epoch, trainLoss: 1 / epoch, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.4 + epoch / 10, lr: 0.01, seconds: 1 })

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('events by runId', () => {
  it('keeps each run its own series and appends each epoch once', async () => {
    invoke.mockResolvedValueOnce([summary('r_a'), summary('r_b')])
    const runs = useRuns()
    await runs.refresh()
    runs.onEvent(progress('r_a', 1, 1, 2.0))
    runs.onEvent(progress('r_b', 1, 2, 9.0))
    runs.onEvent(progress('r_a', 1, 2, 1.5))
    runs.onEvent(progress('r_a', 1, 2, 1.4)) // the same step again: ignored
    runs.onEvent(epochEv('r_a', 1))
    runs.onEvent(epochEv('r_a', 1))
    const a = runs.liveOf('r_a').series, b = runs.liveOf('r_b').series
    expect([a.stepX, a.stepLoss]).toEqual([[0.25, 0.5], [2.0, 1.5]])
    expect([b.stepX, b.stepLoss]).toEqual([[0.5], [9.0]])
    expect(a.epoch).toEqual([1])
    expect(runs.liveOf('r_a').progress?.step).toBe(2)
  })

  it('a step reported after the pause leaves the run paused; a terminal status refreshes the list', async () => {
    invoke.mockResolvedValueOnce([summary('r_a')])
    const runs = useRuns()
    await runs.refresh()
    runs.onEvent({ type: 'status', runId: 'r_a', status: 'paused' })
    runs.onEvent(progress('r_a', 1, 3))
    expect(runs.byId.get('r_a')!.status).toBe('paused')
    invoke.mockResolvedValueOnce([summary('r_a', { status: 'completed', final: { valAccuracy: 0.9 } })])
    runs.onEvent({ type: 'status', runId: 'r_a', status: 'completed' })
    await vi.waitFor(() => expect(runs.byId.get('r_a')!.final.valAccuracy).toBe(0.9))
    expect(invoke).toHaveBeenLastCalledWith('runs.list')
  })

  it('an event for a run this page has not seen (started elsewhere) reloads the list', async () => {
    invoke.mockResolvedValueOnce([])
    const runs = useRuns()
    await runs.refresh()
    invoke.mockResolvedValueOnce([summary('r_new')])
    runs.onEvent(progress('r_new', 1, 1))
    await vi.waitFor(() => expect(runs.list.map((r) => r.runId)).toEqual(['r_new']))
  })

  it('catching up after a reload: the stored curves, then the live points newer than them', async () => {
    const runs = useRuns()
    runs.onEvent(progress('r_a', 1, 2, 5)) // older than what is stored: replaced by the stored points
    runs.onEvent(progress('r_a', 2, 1, 0.7)) // newer: kept
    const detail = {
      ...summary('r_a'), settings: { epochs: 3 }, skipped: [], error: null, evaluations: [], modelFile: { format: 'cnn-studio.graph', version: 1, nodes: [], edges: [] },
      epochs: [{ epoch: 1, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1.1, valAccuracy: 0.4, lr: 0.01, seconds: 1 }],
      steps: { epoch: [1, 1], step: [2, 4], loss: [1.2, 1.0], accuracy: [0.5, 0.6] },
    } as RunDetail
    invoke.mockResolvedValueOnce(detail)
    await runs.get('r_a')
    const s = runs.liveOf('r_a').series
    expect(s.stepX).toEqual([0.5, 1, 1.25])
    expect(s.stepLoss).toEqual([1.2, 1.0, 0.7])
    expect(s.epoch).toEqual([1])
    expect(seriesOf(detail).valAccuracy).toEqual([0.4])
  })
})

describe('the table', () => {
  const list = [
    summary('r_1', { name: 'baseline', model: 'CNN', dataset: '/data/cats', status: 'completed', final: { valAccuracy: 0.8 }, tags: ['keep'] }),
    summary('r_2', { name: 'wide', model: 'CNN', dataset: '/data/dogs', status: 'failed', final: {}, starred: true }),
    summary('r_3', { name: 'mlp try', model: 'MLP', dataset: '/data/cats', status: 'completed', final: { valAccuracy: 0.6 }, note: 'overfits after epoch 4' }),
  ]
  const none = { status: '', model: '', dataset: '', text: '', starred: false }
  const ids = (rs: RunSummary[]) => rs.map((r) => r.runId)
  const newest = { key: 'createdAt' as const, dir: -1 as const }

  it('filters by status, model, dataset, star and text over names, tags and notes', () => {
    expect(ids(filterRuns(list, { ...none, status: 'completed' }, newest))).toEqual(['r_1', 'r_3'])
    expect(ids(filterRuns(list, { ...none, model: 'CNN', dataset: '/data/cats' }, newest))).toEqual(['r_1'])
    expect(ids(filterRuns(list, { ...none, starred: true }, newest))).toEqual(['r_2'])
    expect(ids(filterRuns(list, { ...none, text: 'KEEP' }, newest))).toEqual(['r_1'])
    expect(ids(filterRuns(list, { ...none, text: 'overfits' }, newest))).toEqual(['r_3'])
  })

  it('sorts by validation accuracy with runs that have none last, and by name', () => {
    expect(ids(filterRuns(list, none, { key: 'valAccuracy', dir: -1 }))).toEqual(['r_1', 'r_3', 'r_2'])
    expect(ids(filterRuns(list, none, { key: 'name', dir: 1 }))).toEqual(['r_1', 'r_3', 'r_2'])
  })

  it('star, tags and note go through runs.update; a refused delete says why and keeps the row', async () => {
    invoke.mockResolvedValueOnce(list)
    const runs = useRuns()
    await runs.refresh()
    invoke.mockResolvedValueOnce({ ...list[0], starred: true, note: 'n', tags: ['keep', 'best'] })
    expect(await runs.update('r_1', { starred: true, note: 'n', tags: ['keep', 'best'] })).toBe(true)
    expect(invoke).toHaveBeenLastCalledWith('runs.update', { runId: 'r_1', starred: true, note: 'n', tags: ['keep', 'best'] })
    expect(runs.byId.get('r_1')).toMatchObject({ starred: true, note: 'n', tags: ['keep', 'best'] })
    invoke.mockRejectedValueOnce(new StudioError({ code: 'BAD_STATE', message: 'run r_2 is in progress; stop it before deleting it' }))
    expect(await runs.remove('r_2')).toBe(false)
    expect(runs.failures.get('r_2')).toEqual({ code: 'BAD_STATE', message: 'run r_2 is in progress; stop it before deleting it' })
    expect(runs.byId.has('r_2')).toBe(true)
    invoke.mockResolvedValueOnce(null)
    expect(await runs.remove('r_3')).toBe(true)
    expect(ids(runs.list)).toEqual(['r_1', 'r_2'])
  })
  it('the newest list wins: an earlier runs.list answering late does not bring back a deleted run', async () => {
    const answers: ((v: unknown) => void)[] = []
    invoke.mockImplementation(() => new Promise((resolve) => answers.push(resolve)))
    const runs = useRuns()
    const early = runs.refresh()
    const late = runs.refresh()
    answers[1]([list[0]])
    await late
    answers[0](list)
    await early
    expect(ids(runs.list)).toEqual(['r_1'])
    expect([runs.loaded, runs.error]).toEqual([true, null])
  })
})
