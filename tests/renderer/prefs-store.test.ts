// What the studio remembers: read once from the host before the stores start, written back gathered (one
// write for a burst of changes), and the theme, recent folders and train form taken from it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

const invoke = vi.fn()
vi.mock('../../src-renderer/src/api/client.ts', async () => {
  const { StudioError } = await vi.importActual<typeof import('../../src-renderer/src/api/client.ts')>('../../src-renderer/src/api/client.ts')
  return { StudioError, studio: () => ({ invoke, on: () => () => {} }) }
})
const { usePrefs } = await import('../../src-renderer/src/stores/prefs.ts')
const { useUi } = await import('../../src-renderer/src/stores/ui.ts')
const { useData } = await import('../../src-renderer/src/stores/data.ts')

beforeEach(() => {
  setActivePinia(createPinia())
  invoke.mockReset()
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('the prefs store', () => {
  it('starts the stores from what the host remembers, and writes a burst of changes back once', async () => {
    invoke.mockResolvedValueOnce({ theme: 'dark', recentFolders: ['/data/a'] })
    await usePrefs().load()
    expect(invoke).toHaveBeenCalledWith('prefs.get')
    expect(useUi().theme).toBe('dark')
    expect(useData().recent).toEqual(['/data/a'])
    invoke.mockReset()
    invoke.mockResolvedValue(null)
    useUi().toggleTheme()
    useData().remember('/data/b')
    expect(invoke).not.toHaveBeenCalled()
    vi.advanceTimersByTime(300)
    expect(invoke.mock.calls).toEqual([['prefs.set', { theme: 'light', recentFolders: ['/data/b', '/data/a'] }]])
    expect(usePrefs().values).toEqual({ theme: 'light', recentFolders: ['/data/b', '/data/a'] })
  })

  it('a host that cannot answer leaves the page with no remembered preferences, not broken', async () => {
    invoke.mockRejectedValueOnce(new Error('DISCONNECTED'))
    expect(await usePrefs().load()).toEqual({})
    expect(useData().recent).toEqual([])
  })
})
