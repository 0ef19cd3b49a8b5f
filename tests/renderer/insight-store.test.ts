// The insight store with the contract client mocked: what it asks the main process for, the gallery of a
// confusion-matrix cell sorted by confidence, errors kept as {code, message}, and a run switch resetting.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { EvaluationReport } from '../../src-main/api/contract.ts'

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
const { useInsight } = await import('../../src-renderer/src/stores/insight.ts')
const { StudioError } = await import('../../src-renderer/src/api/client.ts')

const pred = (t: number, p: number, confidence: number, path: string) => ({ path, true: t, predicted: p, confidence, probabilities: [] })
const report = { classes: ['a', 'b'], predictions: [pred(0, 1, 0.6, 'x'), pred(0, 0, 0.9, 'y'), pred(0, 1, 0.8, 'z'), pred(1, 1, 0.7, 'w')] } as unknown as EvaluationReport

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('insight store', () => {
  it('asks for the run\'s one stored evaluation (validation, then test), and opens a cell as a gallery sorted by confidence', async () => {
    const s = useInsight()
    s.open('r_1')
    invoke.mockResolvedValueOnce(report)
    await s.evaluate()
    expect(invoke).toHaveBeenCalledWith('runs.evaluation', { runId: 'r_1', split: 'val' })
    invoke.mockResolvedValueOnce(report)
    await s.evaluate('test')
    expect(invoke).toHaveBeenLastCalledWith('runs.evaluation', { runId: 'r_1', split: 'test' })
    expect(s.split).toBe('test')
    s.openCell(0, 1)
    expect(s.gallery.map((p) => p.path)).toEqual(['z', 'x'])
    s.closeCell()
    expect(s.gallery).toEqual([])
  })

  it('a picked image is predicted and explained; a chosen class asks for its Grad-CAM', async () => {
    const s = useInsight()
    s.open('r_1')
    invoke.mockImplementation(async (cmd: string) => ({ command: cmd }))
    const image = { name: 'a.png', data: 'data:image/png;base64,AAAA' }
    await s.pick(image)
    expect(invoke.mock.calls.map((c) => c[0]).sort()).toEqual(['runs.insight', 'runs.predict'])
    expect(invoke).toHaveBeenCalledWith('runs.predict', { runId: 'r_1', images: [image], top: 5, checkpoint: 'best' })
    await s.explain(1)
    expect(invoke).toHaveBeenLastCalledWith('runs.insight', { runId: 'r_1', image, checkpoint: 'best', classIndex: 1 })
  })

  it('drops the late prediction and Grad-CAM of an image picked before the last one', async () => {
    const s = useInsight()
    s.open('r_1')
    const answers: ((v: unknown) => void)[] = []
    invoke.mockImplementation((cmd: string, p: { images?: { name: string }[]; image?: { name: string } }) => new Promise((resolve) => answers.push(() => resolve({ cmd, image: (p.images?.[0] ?? p.image)!.name }))))
    const first = s.pick({ name: 'first.png', data: 'data:,' })
    const second = s.pick({ name: 'second.png', data: 'data:,' })
    answers[2](undefined)
    answers[3](undefined)
    await second
    answers[0](undefined)
    answers[1](undefined)
    await first
    expect(s.prediction).toEqual({ cmd: 'runs.predict', image: 'second.png' })
    expect(s.insight).toEqual({ cmd: 'runs.insight', image: 'second.png' })
    expect([s.busy.predict, s.busy.insight]).toEqual([false, false])
  })

  it('keeps a failed export\'s coded error, and a run switch clears what belonged to the last run', async () => {
    const s = useInsight()
    s.open('r_1')
    invoke.mockRejectedValueOnce(new StudioError({ code: 'BAD_STATE', message: 'run r_1 has no best checkpoint yet' }))
    await s.download('onnx')
    expect(invoke).toHaveBeenCalledWith('runs.download', { runId: 'r_1', format: 'onnx', checkpoint: 'best' })
    expect(s.errors.export).toEqual({ code: 'BAD_STATE', message: 'run r_1 has no best checkpoint yet' })
    expect(s.busy.export).toBe(false)
    invoke.mockResolvedValueOnce(report)
    await s.evaluate()
    s.open('r_2')
    expect([s.evaluation, s.errors.export]).toEqual([null, undefined])
  })
})
