// The renderer's client over the Electron bridge: replies unwrap to results, coded errors become
// StudioError with their code, and events reach listeners until they unsubscribe.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Reply, StudioBridge, StudioEvent } from '../../src-main/api/contract.ts'

type Win = { studio?: StudioBridge }
const g = globalThis as unknown as { window?: Win }

afterEach(() => {
  delete g.window
})

async function freshClient(bridge: StudioBridge) {
  g.window = { studio: bridge }
  // a new module instance per test: the client caches its transport
  vi.resetModules()
  return await import('../../src-renderer/src/api/client.ts')
}

describe('the studio client over window.studio', () => {
  it('unwraps results and raises coded errors', async () => {
    const calls: unknown[][] = []
    const replies: Record<string, Reply> = {
      'runs.list': { ok: true, result: [{ runId: 'r_1' }] },
      'runs.get': { ok: false, error: { code: 'NOT_FOUND', message: "no run 'r_2'" } },
    }
    const c = await freshClient({ invoke: async (cmd, payload) => (calls.push([cmd, payload]), replies[cmd]), on: () => () => {} })
    expect(await c.studio().invoke('runs.list')).toEqual([{ runId: 'r_1' }])
    const err = await c.studio().invoke('runs.get', { runId: 'r_2' }).catch((e) => e)
    expect(err).toBeInstanceOf(c.StudioError)
    expect([err.code, err.message]).toEqual(['NOT_FOUND', "no run 'r_2'"])
    expect(calls).toEqual([['runs.list', undefined], ['runs.get', { runId: 'r_2' }]])
  })

  it('passes events to listeners until they unsubscribe', async () => {
    const listeners = new Set<(e: StudioEvent) => void>()
    const c = await freshClient({ invoke: async () => ({ ok: true, result: null }), on: (fn) => (listeners.add(fn), () => listeners.delete(fn)) })
    const seen: StudioEvent[] = []
    const off = c.studio().on((e) => seen.push(e))
    const ev: StudioEvent = { type: 'status', runId: 'r_1', status: 'running' }
    for (const fn of listeners) fn(ev)
    off()
    for (const fn of listeners) fn({ ...ev, status: 'completed' })
    expect(seen).toEqual([ev])
  })
})
