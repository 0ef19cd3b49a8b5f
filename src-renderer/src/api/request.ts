// The async work every store does, written once (VueUse's useAsyncState, ComfyUI's one execute()):
// `once` runs a load once at a time and keeps its answer, `latest` lets only the newest request's answer
// land, `task` keeps busy and the coded error around a piece of work. Errors stay the contract's
// { code, message, fields? }, shown as written (a form puts each field's message beside its field).
import { reactive } from 'vue'
import type { ApiError } from '../../../src-main/api/contract.ts'
import { StudioError } from './client.ts'

/** A failed request as the stores keep it. `fields` (path -> message) names what a form should mark. */
export type Failure = ApiError & { fields?: Record<string, string> }

/** Any thrown value as a Failure: a StudioError keeps its code (and fields); anything else is INTERNAL. */
export function asFailure(e: unknown): Failure {
  if (e instanceof StudioError) {
    const { fields } = e as StudioError & { fields?: Record<string, string> }
    return { code: e.code, message: e.message, ...(fields ? { fields } : {}) }
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) }
}

export interface Once<T> {
  (): Promise<T>
  /** Forgets a kept answer: the next call runs again. */
  reset(): void
}

/**
 * Single flight: callers while `fn` runs share its promise. A success is kept (later calls get it without
 * asking again) unless `keep` is false; a failure is never kept, so the next call tries again (a lost
 * connection at start is not remembered forever). With `key`, a call for another key starts its own flight
 * and the older one is no longer shared.
 */
export function once<T>(fn: () => Promise<T>, opts: { keep?: boolean; key?: () => string } = {}): Once<T> {
  const keep = opts.keep ?? true
  let flight: { key: string; promise: Promise<T> } | null = null
  const call = (): Promise<T> => {
    const key = opts.key?.() ?? ''
    if (flight?.key === key) return flight.promise
    const mine = { key, promise: fn() }
    flight = mine
    const forget = () => {
      if (flight === mine) flight = null
    }
    mine.promise.then(() => keep || forget(), forget)
    return mine.promise
  }
  return Object.assign(call, { reset: () => void (flight = null) })
}

export interface Latest {
  /** Begins a request; the function returned says whether it is still the newest one begun. */
  next(): () => boolean
}

/** Latest wins: an answer is applied only if no later request began meanwhile (an earlier image's late Grad-CAM is dropped). */
export function latest(): Latest {
  let generation = 0
  return {
    next() {
      const mine = ++generation
      return () => mine === generation
    },
  }
}

export interface Task {
  /** True while the newest run of this task is under way (an older one still out does not count). */
  readonly busy: boolean
  /** The newest run's failure, until the next run begins (or it is cleared). */
  error: Failure | null
  /**
   * Runs `fn` with busy set and the error cleared; its answer, or null when it failed (the error is kept)
   * or when a later run began meanwhile (latest wins: neither its answer nor its error lands). `fn` is
   * given the same "still the newest" test, for work that goes on in steps.
   */
  run<T>(fn: (current: () => boolean) => Promise<T>): Promise<T | null>
  /** Drops the runs under way (their answers and errors will not land) and the error: a fresh start. */
  clear(): void
}

/** Busy and error around a piece of work, reactive for templates and computeds. */
export function task(): Task {
  const state = reactive({ busy: false, error: null as Failure | null })
  const order = latest()
  return {
    get busy() {
      return state.busy
    },
    get error() {
      return state.error
    },
    set error(f) {
      state.error = f
    },
    async run(fn) {
      const current = order.next()
      state.busy = true
      state.error = null
      try {
        const r = await fn(current)
        return current() ? r : null
      } catch (e) {
        if (current()) state.error = asFailure(e)
        return null
      } finally {
        if (current()) state.busy = false
      }
    },
    clear() {
      order.next()
      state.busy = false
      state.error = null
    },
  }
}
