// Compare reads its runs without their sampled steps first (most of what a run's detail costs to read and
// send), so the comparison, its tables and the epoch charts draw from that; the steps follow, thinned to what
// the step chart shows (runs.get with maxSteps), and the step chart's series fills in.
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useCompare, COMPARE_STEPS } = await import('../../src-renderer/src/stores/compare.ts')
const { useUi } = await import('../../src-renderer/src/stores/ui.ts')

const sample = parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const epoch = (n: number) => ({ epoch: n, trainLoss: 1 / n, trainAccuracy: 0.5, valLoss: 1 / n, valAccuracy: 0.5, lr: 0.01, seconds: 1 })
const detail = (runId: string, epochs: number, steps: number) => ({
  runId, name: runId, status: 'completed', createdAt: '2026-01-01T00:00:00Z', model: 'M', dataset: '/d', final: {}, imagesPerSecond: null, starred: false, tags: [], note: '', params: 1, macs: 1,
  settings: {}, epochs: Array.from({ length: epochs }, (_, i) => epoch(i + 1)), evaluations: [], skipped: [], error: null, modelFile: sample,
  steps: { epoch: Array(steps).fill(1), step: Array.from({ length: steps }, (_, i) => i + 1), loss: Array(steps).fill(0.5), accuracy: Array(steps).fill(0.5) },
})

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('the compare store reads the steps after the rest', () => {
  it('first every run without steps, then the steps of those with epochs, thinned; the step series fills in', async () => {
    invoke.mockImplementation(async (cmd: string, p: { runId: string; maxSteps?: number }) => {
      if (cmd === 'runs.compare') return { runs: [], differences: {}, architecture: { same: true, added: [], removed: [], nodes: [] } }
      if (cmd === 'runs.get') return detail(p.runId, p.runId === 'r_new' ? 0 : 2, p.maxSteps === 0 ? 0 : 4)
      return []
    })
    useUi().navigate('compare', { runs: 'r_a,r_b,r_new' })
    const c = useCompare()
    await c.load()
    const gets = () => invoke.mock.calls.filter((k) => k[0] === 'runs.get').map((k) => [k[1].runId, k[1].maxSteps])
    expect(gets().slice(0, 3)).toEqual([['r_a', 0], ['r_b', 0], ['r_new', 0]])
    // a run with no epoch yet has no steps to ask for
    await vi.waitFor(() => expect(gets().slice(3)).toEqual([['r_a', COMPARE_STEPS], ['r_b', COMPARE_STEPS]]))
    await vi.waitFor(() => expect(c.series.map((s) => s.stepX.length)).toEqual([4, 4, 0]))
    expect(c.series[0].epoch).toEqual([1, 2])
  })
})
