// The Runs table's columns and labels: the remembered column choice, "Val acc" naming its epoch (last or the
// best checkpoint's), durations and times with seconds, the run page's settings under the form's labels, and
// the did-not-learn sentence as the host stores it.
import { describe, expect, it } from 'vitest'
import type { RunSummary } from '../../src-main/api/contract.ts'
import { DEFAULT_COLUMNS, runSeconds, shownColumns, valAccHeading, valAccOf } from '../../src-renderer/src/stores/run-columns.ts'
import { filterRuns } from '../../src-renderer/src/stores/runs.ts'
import { clock, lrText, whenExact } from '../../src-renderer/src/format.ts'
import { settingLabel } from '../../src-renderer/src/settings-text.ts'
import { judgeRun } from '../../src-main/services/verdict.ts'

const run = (runId: string, extra: Partial<RunSummary> = {}): RunSummary => ({
  runId, name: runId, status: 'completed', createdAt: '2026-01-01T01:54:07Z', model: 'M', dataset: '/d', final: {}, imagesPerSecond: null, starred: false,
  tags: [], note: '', params: 10, macs: 100, ...extra,
})
const noFilter = { status: '', model: '', dataset: '', text: '', starred: false }

describe('runs table columns', () => {
  it('shows the defaults until the user chooses, then exactly the chosen columns in table order', () => {
    expect(shownColumns(undefined)).toEqual(DEFAULT_COLUMNS)
    expect(DEFAULT_COLUMNS).toEqual(expect.arrayContaining(['lr', 'epochs', 'duration', 'createdAt']))
    expect(shownColumns(['duration', 'lr', 'gone'])).toEqual(['lr', 'duration'])
    expect(shownColumns([])).toEqual([])
  })

  it('labels Val acc with its epoch, the last or the best, and sorts by the one shown', () => {
    const a = run('a', { final: { valAccuracy: 0.6 }, lastEpoch: { epoch: 10, valAccuracy: 0.6 }, bestEpoch: { epoch: 7, valAccuracy: 0.9 } })
    const b = run('b', { final: { valAccuracy: 0.8 }, lastEpoch: { epoch: 10, valAccuracy: 0.8 }, bestEpoch: { epoch: 9, valAccuracy: 0.85 } })
    expect(valAccHeading([a, b], 'last')).toEqual({ label: 'Val acc (last, ep 10)', sameEpoch: 10 })
    expect(valAccHeading([a, b], 'best')).toEqual({ label: 'Val acc (best epoch)', sameEpoch: null })
    expect(valAccOf(a, 'best')).toEqual({ value: 0.9, epoch: 7 })
    const sort = { key: 'valAccuracy' as const, dir: -1 as const }
    expect(filterRuns([a, b], noFilter, sort, 'last').map((r) => r.runId)).toEqual(['b', 'a'])
    expect(filterRuns([a, b], noFilter, sort, 'best').map((r) => r.runId)).toEqual(['a', 'b'])
  })

  it('sorts by learning rate, epochs and duration', () => {
    const slow = run('slow', { lr: 0.1, epochsPlanned: 5, startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T01:02:03Z' })
    const fast = run('fast', { lr: 0.001, epochsPlanned: 30, startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:00:42Z' })
    expect(runSeconds(slow)).toBe(3723)
    expect([clock(runSeconds(slow)), clock(runSeconds(fast)), clock(runSeconds(run('q')))]).toEqual(['1:02:03', '0:42', '–'])
    expect(filterRuns([fast, slow], noFilter, { key: 'lr', dir: -1 }).map((r) => r.runId)).toEqual(['slow', 'fast'])
    expect(filterRuns([slow, fast], noFilter, { key: 'epochs', dir: -1 }).map((r) => r.runId)).toEqual(['fast', 'slow'])
    expect(filterRuns([fast, slow], noFilter, { key: 'duration', dir: 1 }).map((r) => r.runId)).toEqual(['fast', 'slow'])
    expect([lrText(0.001), lrText(1e-5), lrText(null)]).toEqual(['0.001', '0.00001', '–'])
  })

  it('times carry seconds, so two runs a minute apart (or in the same minute) differ', () => {
    const a = whenExact('2026-01-01T01:54:07Z'), b = whenExact('2026-01-01T01:54:51Z')
    expect(a).not.toBe(b)
    expect(a).toMatch(/:54:07/)
  })
})

describe('labels and messages', () => {
  it('shows run settings under the Train form\'s labels, never raw keys', () => {
    expect(['batchSize', 'valSplit', 'lr', 'warmupEpochs', 'datasetDir', 'testDir'].map(settingLabel)).toEqual(['Batch size', 'Validation split', 'Learning rate', 'Warm-up epochs', 'Training folder', 'Test folder'])
  })

  it('says a run at chance did not learn, with the advice the run page and Train show', () => {
    const v = judgeRun([{ trainLoss: 18.4, trainAccuracy: 0.33, valAccuracy: 0.333 }, { trainLoss: 18.4, trainAccuracy: 0.33, valAccuracy: 0.333 }], 3, 9)
    expect(v?.reason).toBe('its best validation accuracy, 33.3%, is within 5 points of chance (33.3% for 3 classes)')
    expect(v?.advice).toBe('try a learning rate 10x smaller (0.9 instead of 9)')
  })
})
