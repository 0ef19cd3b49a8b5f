// The Data store's reads: the report of the previous folder is marked stale the moment another read begins
// (and unmarked when it ends), the progress events of this page's read land and another read's do not,
// Cancel sends datasets.cancel with the read's id, and the Train form's test folder follows a train/test root.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import type { HealthReport } from '../../src-main/api/contract.ts'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { useData } = await import('../../src-renderer/src/stores/data.ts')
const { useTrain, formSplit } = await import('../../src-renderer/src/stores/train.ts')

const report = (root: string, layout?: HealthReport['layout']): HealthReport => ({
  root, classes: [{ name: 'a', count: 20 }, { name: 'b', count: 20 }], images: 40, skipped: [], sizes: { minWidth: 8, maxWidth: 8, minHeight: 8, maxHeight: 8 },
  channels: { grey: 0, rgb: 40, alpha: 0 }, formats: { png: 40 }, duplicates: [], leakage: [], warnings: [], usable: true, ...(layout ? { layout, splits: { train: 40, test: 10 } } : {}),
})

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
})

describe('reading a folder', () => {
  it('marks the shown report stale at once, shows only its own progress, and cancels by its id', async () => {
    let answer: (r: HealthReport) => void = () => {}
    invoke.mockImplementation(async (cmd: string, p: { dir: string }) => {
      if (cmd === 'datasets.inspect') return p.dir === '/first' ? report('/first') : new Promise((ok) => (answer = ok))
      return null
    })
    const data = useData()
    await data.open('/first')
    expect(data.stale).toBe(false)
    const second = data.open('/second')
    await nextTick()
    expect(data.loading).toBe(true)
    expect(data.stale).toBe(true)
    expect(data.readingDir).toBe('/second')
    const readId = invoke.mock.calls.find(([c, p]) => c === 'datasets.inspect' && p.dir === '/second')![1].readId as string
    expect(readId).toBeTruthy()
    data.onProgress({ type: 'dataset', readId: 'someone-else', dir: '/x', phase: 'decode', seen: 9, decoded: 1, total: 9 })
    expect(data.progress).toBeNull()
    data.onProgress({ type: 'dataset', readId, dir: '/second', phase: 'decode', seen: 40, decoded: 12, total: 40 })
    expect(data.progress).toMatchObject({ decoded: 12, total: 40 })
    await data.cancel()
    expect(invoke).toHaveBeenCalledWith('datasets.cancel', { readId })
    answer(report('/second'))
    await second
    expect(data.stale).toBe(false)
    expect(data.progress).toBeNull()
    expect(data.report?.root).toBe('/second')
  })

  it('fills the Train form\'s test folder from a train/test root, and clears it for a plain folder', async () => {
    invoke.mockImplementation(async (cmd: string, p: { dir: string }) => (cmd === 'datasets.inspect' ? (p.dir === '/root' ? report('/root', { train: '/root/train', test: '/root/test' }) : report(p.dir)) : null))
    const data = useData()
    const train = useTrain()
    await data.open('/root')
    await nextTick()
    expect(train.testDir).toBe('/root/test')
    expect(train.checks.find((c) => c.id === 'dataset')?.message).toMatch(/^40 training images in 2 classes .* from \/root, 10 test$/)
    // the contact sheets are asked of train/, where the class folders are
    expect(invoke.mock.calls.some(([c, p]) => c === 'datasets.thumbnails' && p.dir === '/root/train')).toBe(true)
    await data.open('/plain')
    await nextTick()
    expect(train.testDir).toBe('')
  })

  it('reads with the form\'s split: formSplit keeps what was typed and drops what is not a number', () => {
    expect(formSplit({ valSplit: '0.3', seed: '4' })).toEqual({ valSplit: 0.3, seed: 4 })
    expect(formSplit({ valSplit: '', seed: 'x' })).toEqual({})
  })
})
