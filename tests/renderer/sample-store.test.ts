// The one way to use the sample (the designer's first start, the Train and Data screens, the empty Runs
// screen): the template app.info names as the design, its settings in the form, or all of it trained as a
// run that leaves the design and the form alone; a missing template fails with one coded error.
import { readFileSync } from 'node:fs'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { z } from 'zod'
import { TrainSettings } from '../../src-main/api/settings.ts'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useSample } = await import('../../src-renderer/src/stores/sample.ts')
const { useDesign } = await import('../../src-renderer/src/stores/design.ts')
const { useTrain } = await import('../../src-renderer/src/stores/train.ts')

const shapes = parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8'))
const info = { version: '0', host: 'web', database: '/db', cores: 2, memory: { totalBytes: 1, freeBytes: 1 }, sample: { templateId: 'shapes-cnn', datasetDir: '/app/shapes', settings: { epochs: 30, batchSize: 16, lr: 0.005 } } }
const defaults = { epochs: 10, batchSize: 32, optimizer: 'adam', lr: 0.001, valSplit: 0.2, seed: 1 }

function host(templates = [{ id: 'shapes-cnn', name: 'Shapes CNN', model: shapes }]) {
  invoke.mockImplementation(async (cmd: string) => {
    switch (cmd) {
      case 'app.info': return info
      case 'templates.list': return templates
      case 'settings.schema': return z.toJSONSchema(TrainSettings, { io: 'input' })
      case 'settings.defaults': return defaults
      case 'runs.start': return { runId: 'r_sample' }
      case 'runs.list': return []
      default: return null
    }
  })
}

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('the sample', () => {
  it('as the design and the form: the template app.info names, with the sample\'s settings', async () => {
    host()
    const sample = useSample(), design = useDesign()
    expect(sample.designIsBlank).toBe(true)
    expect(await sample.use(['design', 'form'])).toBe(true)
    expect(design.doc.nodes.map((n) => n.id)).toEqual(shapes.nodes.map((n) => n.id))
    expect([design.path, design.canUndo, sample.designIsBlank]).toEqual([null, false, false])
    expect(useTrain().form).toMatchObject({ epochs: '30', batchSize: '16', lr: '0.005' })
  })

  it('as a run: trains the sample model on the sample folder, leaving the design and the form alone', async () => {
    host()
    const design = useDesign()
    const before = design.doc
    expect(await useSample().use(['run'])).toBe(true)
    expect(invoke).toHaveBeenCalledWith('runs.start', { model: shapes, datasetDir: '/app/shapes', settings: { epochs: 30, batchSize: 16, lr: 0.005, name: 'Sample: shapes' } })
    expect(invoke).toHaveBeenCalledWith('runs.list')
    expect(design.doc).toBe(before)
    expect(invoke).not.toHaveBeenCalledWith('settings.schema')
  })

  it('says so when the template app.info names is missing, and changes nothing', async () => {
    host([])
    const sample = useSample(), design = useDesign()
    const before = design.doc
    expect(await sample.use(['design', 'form'])).toBe(false)
    expect(sample.error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("'shapes-cnn'") })
    expect(design.doc).toBe(before)
    expect(invoke).not.toHaveBeenCalledWith('runs.start', expect.anything())
  })
})
