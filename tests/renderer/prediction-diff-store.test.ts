// The "What changed" store with the contract client mocked: what it asks the host for (the pair, a named
// folder, each run's look at an opened image), the open cell's images, a swap, and a late answer for an
// older pair dropped.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { PredictionDiff } from '../../src-main/api/contract.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', () => {
  class StudioError extends Error {
    code: string
    constructor(e: { code: string; message: string }) {
      super(e.message)
      this.code = e.code
    }
  }
  return { studio: () => ({ invoke, on: () => () => {} }), StudioError }
})
const { usePredictionDiff } = await import('../../src-renderer/src/stores/prediction-diff.ts')
const { StudioError } = await import('../../src-renderer/src/api/client.ts')

const image = (path: string, t: number, a: number, b: number) => ({ path, true: t, a: { predicted: a, confidence: 0.6 }, b: { predicted: b, confidence: 0.7 } })
const diff = {
  classes: ['x', 'y'], images: [image('/d/x/1.png', 0, 1, 0), image('/d/y/2.png', 1, 1, 0)],
  cells: [{ true: 0, predicted: 0, a: 1, b: 2, delta: 1, entered: [0], left: [] }, { true: 0, predicted: 1, a: 1, b: 0, delta: -1, entered: [], left: [0] }],
  fixed: [0], broken: [1],
} as unknown as PredictionDiff

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('prediction diff store', () => {
  it('asks for the pair\'s diff, then on a named folder (trimmed), and swaps A and B keeping the folder', async () => {
    const s = usePredictionDiff()
    s.choose('r_a', 'r_b')
    invoke.mockResolvedValue(diff)
    await s.load()
    expect(invoke).toHaveBeenLastCalledWith('runs.predictionDiff', { a: 'r_a', b: 'r_b' })
    expect(s.diff).toBe(diff)
    await s.load('  /data/test  ')
    expect(invoke).toHaveBeenLastCalledWith('runs.predictionDiff', { a: 'r_a', b: 'r_b', testDir: '/data/test' })
    s.swap()
    expect(s.diff).toBeNull()
    await vi.waitFor(() => expect(invoke).toHaveBeenLastCalledWith('runs.predictionDiff', { a: 'r_b', b: 'r_a', testDir: '/data/test' }))
    expect([s.a, s.b]).toEqual(['r_b', 'r_a'])
  })

  it('opens a changed cell\'s images and a list, and an image in both runs from its file on the host', async () => {
    const s = usePredictionDiff()
    s.choose('r_a', 'r_b')
    invoke.mockResolvedValueOnce(diff)
    await s.load()
    s.openCell(0, 1)
    expect(s.cellImages).toEqual({ true: 0, predicted: 1, entered: [], left: [0] })
    s.openCell(0, 1) // a second click closes it
    expect(s.cellImages).toBeNull()
    expect(s.shownList).toEqual([0])
    s.list = 'broken'
    expect(s.shownList).toEqual([1])
    invoke.mockImplementation(async (_cmd: string, p: { runId: string }) => ({ runId: p.runId }))
    await s.open(1)
    expect(invoke.mock.calls.slice(-2)).toEqual([
      ['runs.insight', { runId: 'r_a', image: { path: '/d/y/2.png' }, checkpoint: 'best' }],
      ['runs.insight', { runId: 'r_b', image: { path: '/d/y/2.png' }, checkpoint: 'best' }],
    ])
    expect(s.opened).toBe(1)
    expect(s.sides).toEqual({ a: { runId: 'r_a' }, b: { runId: 'r_b' } })
  })

  it('keeps a refusal as {code, message}, and drops the late answer for a pair no longer chosen', async () => {
    const s = usePredictionDiff()
    s.choose('r_a', 'r_b')
    invoke.mockRejectedValueOnce(new StudioError({ code: 'NO_SHARED_IMAGES', message: 'pick a test folder' }))
    await s.load()
    expect(s.error).toEqual({ code: 'NO_SHARED_IMAGES', message: 'pick a test folder' })
    let answer!: (v: unknown) => void
    invoke.mockReturnValueOnce(new Promise((r) => (answer = r)))
    const late = s.load()
    s.choose('r_a', 'r_c')
    answer(diff)
    await late
    expect(s.diff).toBeNull()
    expect(s.error).toBeNull()
  })

  it('a refused folder leaves the shown diff and its folder as they were, with the refusal', async () => {
    const s = usePredictionDiff()
    s.choose('r_a', 'r_b')
    invoke.mockResolvedValueOnce(diff)
    await s.load()
    invoke.mockRejectedValueOnce(new StudioError({ code: 'UNUSABLE_DATASET', message: '/nope cannot be read' }))
    await s.load('/nope')
    expect(s.diff).toBe(diff)
    expect(s.testDir).toBe('')
    expect(s.error).toEqual({ code: 'UNUSABLE_DATASET', message: '/nope cannot be read' })
  })
})
