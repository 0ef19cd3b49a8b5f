// Every run the studio knows: the list (kept current by the events), each run's stored detail, and the live
// series of the runs training now. main.ts's one `studio().on` routes every event here by its runId, never to
// "the current run": the Train screen, the Runs table and the run page all read the same state, so two
// windows (or two pages on one `serve`) show the same progress. After a reload, `track` catches up from the
// store (runs.get) and the events continue from there.
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowReactive, shallowRef } from 'vue'
import type { RunDetail, RunStatus, RunSummary, StudioEvent } from '../../../src-main/api/contract.ts'
import { ENDED_STATUSES, IN_PROGRESS_STATUSES } from '../../../src-engine/core/train/status.ts'
import { studio } from '../api/client.ts'
import { asFailure, once, task, type Failure } from '../api/request.ts'
import { runSeconds, valAccOf, type ValAccFrom } from './run-columns.ts'

export type ProgressEvent = Extract<StudioEvent, { type: 'progress' }>

/** Columnar series of one run, as uPlot takes them. x of a step is the fractional epoch (epoch 1, step 5 of 10 = 0.5). */
export interface Series {
  stepX: number[]; stepLoss: (number | null)[]
  epoch: number[]; trainLoss: number[]; valLoss: (number | null)[]; trainAccuracy: number[]; valAccuracy: (number | null)[]
}

export interface Live {
  progress: ProgressEvent | null
  /** Arrays grow in place; `version` changes on every append so charts know to call setData. */
  series: Series
  version: number
  message: string | null
}

export const ACTIVE: readonly RunStatus[] = IN_PROGRESS_STATUSES
export const TERMINAL: readonly RunStatus[] = ENDED_STATUSES

export function emptySeries(): Series {
  return { stepX: [], stepLoss: [], epoch: [], trainLoss: [], valLoss: [], trainAccuracy: [], valAccuracy: [] }
}

/** The stored curves of a run: steps as fractional epochs (the last sample of an epoch is its last step). */
export function seriesOf(d: Pick<RunDetail, 'steps' | 'epochs'>): Series {
  const s = emptySeries()
  const { epoch, step, loss } = d.steps
  const perEpoch = new Map<number, number>()
  for (let i = 0; i < epoch.length; i++) perEpoch.set(epoch[i], Math.max(perEpoch.get(epoch[i]) ?? 0, step[i]))
  for (let i = 0; i < epoch.length; i++) {
    s.stepX.push(epoch[i] - 1 + step[i] / perEpoch.get(epoch[i])!)
    s.stepLoss.push(loss[i])
  }
  for (const e of d.epochs) {
    s.epoch.push(e.epoch)
    s.trainLoss.push(e.trainLoss)
    s.valLoss.push(e.valLoss)
    s.trainAccuracy.push(e.trainAccuracy)
    s.valAccuracy.push(e.valAccuracy)
  }
  return s
}

export type SortKey = 'name' | 'status' | 'model' | 'dataset' | 'valAccuracy' | 'testAccuracy' | 'params' | 'createdAt' | 'lr' | 'epochs' | 'duration'
export interface Filter { status: string; model: string; dataset: string; text: string; starred: boolean }

/** The runs a filter keeps, sorted: a pure function so the table and the benchmark measure the same thing. */
export function filterRuns(list: readonly RunSummary[], f: Filter, sort: { key: SortKey; dir: 1 | -1 }, valAcc: ValAccFrom = 'last'): RunSummary[] {
  const text = f.text.trim().toLowerCase()
  const out = list.filter((r) =>
    (!f.status || r.status === f.status) && (!f.model || r.model === f.model) && (!f.dataset || r.dataset === f.dataset) && (!f.starred || r.starred) &&
    (!text || `${r.name} ${r.runId} ${r.model} ${r.dataset ?? ''} ${r.tags.join(' ')} ${r.note}`.toLowerCase().includes(text)))
  const key = (r: RunSummary): string | number => {
    switch (sort.key) {
      case 'valAccuracy': return valAccOf(r, valAcc).value ?? -1
      case 'lr': return r.lr ?? -1
      case 'epochs': return r.epochsPlanned ?? -1
      case 'duration': return runSeconds(r) ?? -1
      case 'testAccuracy': return r.final.testAccuracy ?? -1
      case 'params': return r.params
      case 'dataset': return r.dataset ?? ''
      default: return r[sort.key]
    }
  }
  // The list arrives newest first: a stable sort keeps that order among equal keys.
  return out.sort((a, b) => {
    const x = key(a), y = key(b)
    return x < y ? -sort.dir : x > y ? sort.dir : 0
  })
}

export const useRuns = defineStore('runs', () => {
  const list = shallowRef<RunSummary[]>([])
  const loaded = ref(false)
  const listing = task()
  const error = computed(() => listing.error)
  /** Stored details by run id, replaced (never mutated) when refreshed. */
  const details = shallowReactive(new Map<string, RunDetail>())
  const live = shallowReactive(new Map<string, Live>())
  /** The last failed action per run (pause, delete...), shown next to that run. */
  const failures = shallowReactive(new Map<string, Failure>())
  const filter = reactive<Filter>({ status: '', model: '', dataset: '', text: '', starred: false })
  const sort = ref<{ key: SortKey; dir: 1 | -1 }>({ key: 'createdAt', dir: -1 })
  /** Whose validation accuracy the table shows and sorts by (the prefs remember it; RunsTable sets it). */
  const valAccFrom = ref<ValAccFrom>('last')

  const byId = computed(() => new Map(list.value.map((r) => [r.runId, r])))
  const visible = computed(() => filterRuns(list.value, filter, sort.value, valAccFrom.value))
  const models = computed(() => [...new Set(list.value.map((r) => r.model))].sort())
  const datasets = computed(() => [...new Set(list.value.map((r) => r.dataset).filter((d): d is string => !!d))].sort())
  const active = computed(() => list.value.filter((r) => ACTIVE.includes(r.status)))

  // The newest list wins: an earlier runs.list answering late does not bring back a run since deleted.
  async function refresh(): Promise<void> {
    const l = await listing.run(() => studio().invoke('runs.list'))
    if (l) list.value = l
    loaded.value = true
  }

  // Events for a run the list has not seen yet (started in another window) refresh it, at most once at a time.
  const refreshSoon = once(refresh, { keep: false })

  function patchSummary(runId: string, patch: Partial<RunSummary>): void {
    if (!byId.value.has(runId)) return void refreshSoon()
    list.value = list.value.map((r) => (r.runId === runId ? { ...r, ...patch } : r))
  }

  function liveOf(runId: string): Live {
    let l = live.get(runId)
    if (!l) {
      l = shallowReactive({ progress: null, series: emptySeries(), version: 0, message: null }) as Live
      live.set(runId, l)
    }
    return l
  }

  /**
   * Loads a run's stored detail and makes its series the stored curves plus any newer live points. `maxSteps`
   * thins the sampled steps (Compare's charts); the run page asks again for all of them when it opens.
   */
  async function get(runId: string, opts: { maxSteps?: number } = {}): Promise<RunDetail | null> {
    try {
      const d = await studio().invoke('runs.get', { runId, ...opts })
      details.set(runId, d)
      const l = liveOf(runId)
      const s = seriesOf(d)
      const old = l.series
      const lastX = s.stepX.at(-1) ?? -1, lastEpoch = s.epoch.at(-1) ?? 0
      old.stepX.forEach((x, i) => {
        if (x > lastX) {
          s.stepX.push(x)
          s.stepLoss.push(old.stepLoss[i])
        }
      })
      old.epoch.forEach((e, i) => {
        if (e > lastEpoch) {
          s.epoch.push(e); s.trainLoss.push(old.trainLoss[i]); s.valLoss.push(old.valLoss[i]); s.trainAccuracy.push(old.trainAccuracy[i]); s.valAccuracy.push(old.valAccuracy[i])
        }
      })
      l.series = s
      l.message = d.error
      l.version++
      if (byId.value.has(runId)) patchSummary(runId, { status: d.status, final: d.final, name: d.name, starred: d.starred, tags: d.tags, note: d.note, startedAt: d.startedAt, endedAt: d.endedAt, lastEpoch: d.lastEpoch, bestEpoch: d.bestEpoch, verdict: d.verdict })
      failures.delete(runId)
      return d
    } catch (e) {
      failures.set(runId, asFailure(e))
      return null
    }
  }

  /**
   * After a dropped connection (`serve`'s socket): the events sent meanwhile are lost, so the list is read
   * again, a run that ended meanwhile drops its live progress, and the detail of each run that was in
   * progress is read again (an ended run's curves cannot have changed).
   */
  async function resync(): Promise<void> {
    await refresh()
    for (const [runId, l] of live) {
      const status = byId.value.get(runId)?.status
      if (l.progress && status && TERMINAL.includes(status)) l.progress = null // as a terminal status event does
    }
    await Promise.all([...details.values()].filter((d) => ACTIVE.includes(d.status)).map((d) => get(d.runId)))
  }

  /** Routes one event from the main process; called by main.ts's only subscription. */
  function onEvent(e: StudioEvent): void {
    if (e.type === 'menu' || e.type === 'dataset') return
    const l = liveOf(e.runId)
    if (e.type === 'status') {
      l.message = e.message ?? (e.status === 'running' ? null : l.message)
      patchSummary(e.runId, { status: e.status })
      if (TERMINAL.includes(e.status)) {
        l.progress = null
        void refreshSoon()
        if (details.has(e.runId)) void get(e.runId)
      }
      return
    }
    const s = l.series
    if (e.type === 'progress') {
      l.progress = e
      const x = e.epoch - 1 + e.step / e.stepsPerEpoch
      if (!(x <= (s.stepX.at(-1) ?? -1))) {
        s.stepX.push(x)
        s.stepLoss.push(e.loss)
        l.version++
      }
      // A step of a queued run means it started (its status event may have come before this page listened);
      // a paused run can still report the step it was in, which must not undo the pause.
      if (!byId.value.has(e.runId)) void refreshSoon()
      else if (byId.value.get(e.runId)!.status === 'queued') patchSummary(e.runId, { status: 'running' })
      return
    }
    if (e.epoch > (s.epoch.at(-1) ?? 0)) {
      s.epoch.push(e.epoch)
      s.trainLoss.push(e.trainLoss)
      s.valLoss.push(e.valLoss ?? null)
      s.trainAccuracy.push(e.trainAccuracy)
      s.valAccuracy.push(e.valAccuracy ?? null)
      l.version++
    }
  }

  async function act<T>(runId: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const r = await fn()
      failures.delete(runId)
      return r
    } catch (e) {
      failures.set(runId, asFailure(e))
      return undefined
    }
  }

  const pause = (runId: string) => act(runId, () => studio().invoke('runs.pause', { runId }))
  const resume = (runId: string) => act(runId, () => studio().invoke('runs.resume', { runId }))
  const stop = (runId: string) => act(runId, () => studio().invoke('runs.stop', { runId }))

  async function update(runId: string, patch: { name?: string; starred?: boolean; tags?: string[]; note?: string }): Promise<boolean> {
    const r = await act(runId, () => studio().invoke('runs.update', { runId, ...patch }))
    if (!r) return false
    patchSummary(runId, r)
    const d = details.get(runId)
    if (d) details.set(runId, { ...d, ...r })
    return true
  }

  async function remove(runId: string): Promise<boolean> {
    const ok = (await act(runId, () => studio().invoke('runs.delete', { runId }))) !== undefined
    if (!ok) return false
    list.value = list.value.filter((r) => r.runId !== runId)
    details.delete(runId)
    live.delete(runId)
    return true
  }

  return { list, loaded, error, details, live, failures, filter, sort, valAccFrom, byId, visible, models, datasets, active, refresh, resync, get, onEvent, liveOf, pause, resume, stop, update, remove }
})
