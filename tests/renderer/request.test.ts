// The stores' one helper for async work: `once` shares a flight and keeps a success but not a failure,
// `latest` lets only the newest request land, `task` keeps busy and the coded error (fields included),
// and drops a late answer or error of an earlier run.
import { describe, expect, it } from 'vitest'
import { asFailure, latest, once, task } from '../../src-renderer/src/api/request.ts'
import { StudioError } from '../../src-renderer/src/api/client.ts'

/** A promise settled by hand, so a test decides which answer comes first. */
function deferred<T>() {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('once', () => {
  it('shares one flight among callers and keeps its answer', async () => {
    let calls = 0
    const d = deferred<number>()
    const load = once(() => (calls++, d.promise))
    const a = load(), b = load()
    expect(a).toBe(b)
    d.resolve(7)
    expect(await Promise.all([a, b])).toEqual([7, 7])
    expect(await load()).toBe(7)
    expect(calls).toBe(1)
    load.reset()
    void load()
    expect(calls).toBe(2)
  })

  it('does not keep a failure: the next call asks again', async () => {
    let calls = 0
    const load = once(async () => {
      if (++calls === 1) throw new StudioError({ code: 'DISCONNECTED', message: 'gone' })
      return 'ok'
    })
    await expect(load()).rejects.toThrow('gone')
    expect(await load()).toBe('ok')
    expect(calls).toBe(2)
  })

  it('without keep, shares only while in flight; with a key, another key is its own flight', async () => {
    let calls = 0
    const refresh = once(async () => ++calls, { keep: false })
    await Promise.all([refresh(), refresh()])
    await refresh()
    expect(calls).toBe(2)

    let key = 'a,b'
    const asked: string[] = []
    const compare = once(async () => void asked.push(key), { keep: false, key: () => key })
    const first = compare()
    expect(compare()).toBe(first)
    key = 'a,c'
    expect(compare()).not.toBe(first)
    await first
    expect(asked).toEqual(['a,b', 'a,c'])
  })
})

describe('latest', () => {
  it('says an earlier request is no longer the newest once a later one began', () => {
    const l = latest()
    const first = l.next()
    expect(first()).toBe(true)
    const second = l.next()
    expect([first(), second()]).toEqual([false, true])
  })
})

describe('task', () => {
  it('is busy while it runs and keeps the coded error, fields included, until the next run', async () => {
    const t = task()
    const d = deferred<string>()
    const run = t.run(() => d.promise)
    expect(t.busy).toBe(true)
    d.resolve('done')
    expect(await run).toBe('done')
    expect([t.busy, t.error]).toEqual([false, null])

    const failed = Object.assign(new StudioError({ code: 'INVALID_SETTINGS', message: 'lr: too big' }), { fields: { lr: 'too big' } })
    expect(await t.run(() => Promise.reject(failed))).toBeNull()
    expect(t.error).toEqual({ code: 'INVALID_SETTINGS', message: 'lr: too big', fields: { lr: 'too big' } })
    expect(t.busy).toBe(false)
    const next = t.run(() => new Promise(() => {}))
    expect([t.busy, t.error]).toEqual([true, null])
    void next
  })

  it('drops the late answer and the late error of an earlier run (latest wins)', async () => {
    const t = task()
    const early = deferred<string>(), late = deferred<string>()
    const a = t.run(() => early.promise)
    const b = t.run(() => late.promise)
    late.resolve('second image')
    expect(await b).toBe('second image')
    expect(t.busy).toBe(false) // the newest run is done; the earlier one still out does not count
    early.reject(new StudioError({ code: 'INTERNAL', message: 'the first image failed late' }))
    expect(await a).toBeNull()
    expect(t.error).toBeNull()

    const c = deferred<string>()
    const out = t.run(() => c.promise)
    t.clear() // another run opened: what is out belongs to the last one
    c.resolve('stale')
    expect(await out).toBeNull()
    expect([t.busy, t.error]).toEqual([false, null])
  })

  it('gives a run the same "still the newest" test for work in steps', async () => {
    const t = task()
    const seen: boolean[] = []
    const gate = deferred<void>()
    const a = t.run(async (current) => {
      await gate.promise
      seen.push(current())
    })
    void t.run(async () => {})
    gate.resolve()
    await a
    expect(seen).toEqual([false])
  })
})

describe('asFailure', () => {
  it('keeps a StudioError\'s code; anything else is INTERNAL with its message', () => {
    expect(asFailure(new StudioError({ code: 'NOT_FOUND', message: 'no run r_x' }))).toEqual({ code: 'NOT_FOUND', message: 'no run r_x' })
    expect(asFailure(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' })
    expect(asFailure('text')).toEqual({ code: 'INTERNAL', message: 'text' })
  })
})
