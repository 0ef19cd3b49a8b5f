// Train's "Repeat with 3 seeds": the same run queued three times, with the form's seed and the two after
// it, as one group (which Compare draws as a mean with its band); each request is one the contract accepts.
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { z } from 'zod'
import { TrainSettings } from '../../src-main/api/settings.ts'
import { validate, type HealthReport, type JsonSchema } from '../../src-main/api/contract.ts'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useTrain } = await import('../../src-renderer/src/stores/train.ts')
const { useData } = await import('../../src-renderer/src/stores/data.ts')
const { useDesign } = await import('../../src-renderer/src/stores/design.ts')

const schema = z.toJSONSchema(TrainSettings, { io: 'input' }) as JsonSchema
const defaults = { epochs: 10, batchSize: 32, optimizer: 'adam', lr: 0.001, momentum: 0.9, nesterov: false, weightDecay: 0, schedule: 'constant', warmupEpochs: 0, valSplit: 0.2, seed: 1, augment: 'none' }
const sample = parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const report: HealthReport = {
  root: '/data/shapes', classes: ['a', 'b', 'c'].map((name) => ({ name, count: 20 })), images: 60, skipped: [], sizes: { minWidth: 32, maxWidth: 32, minHeight: 32, maxHeight: 32 },
  channels: { grey: 0, rgb: 60, alpha: 0 }, formats: { png: 60 }, duplicates: [], leakage: [], warnings: [], usable: true,
} as unknown as HealthReport

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('Repeat with 3 seeds', () => {
  it('queues the run three times with consecutive seeds, one group', async () => {
    let n = 0
    invoke.mockImplementation(async (cmd: string) => (cmd === 'settings.schema' ? schema : cmd === 'settings.defaults' ? defaults : cmd === 'runs.start' ? { runId: `r_${++n}` } : cmd === 'runs.list' ? [] : null))
    const train = useTrain()
    await train.load()
    useDesign().load(sample)
    useData().report = report
    train.set('seed', '5')
    expect(train.canStart).toBe(true)
    expect(await train.start(3)).toBe('r_1')
    const starts = invoke.mock.calls.filter((c) => c[0] === 'runs.start').map((c) => c[1])
    expect(starts.map((p) => p.settings.seed)).toEqual([5, 6, 7])
    expect(starts[0].group).toMatch(/^g_[0-9a-f]{12}$/)
    expect(new Set(starts.map((p) => p.group)).size).toBe(1)
    for (const p of starts) expect(validate('runs.start', p).ok).toBe(true)
    // A plain start is not grouped.
    invoke.mockClear()
    await train.start()
    const plain = invoke.mock.calls.filter((c) => c[0] === 'runs.start').map((c) => c[1])
    expect(plain).toHaveLength(1)
    expect(plain[0]).not.toHaveProperty('group')
    expect(plain[0].settings.seed).toBe(5)
  })
})
