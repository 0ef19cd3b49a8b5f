// The comparison of 2 to 10 runs: the selection (in the URL, `#/compare?runs=a,b`, so a comparison can be
// reopened), the service's comparison (settings that differ, final metrics, params and MACs), each run's
// stored curves (from stores/runs.ts), one colour per run used everywhere, and the architecture diff of any
// two of them.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import uPlot from 'uplot'
import type { ArchitectureDiff, Comparison, RunDetail } from '../../../src-main/api/contract.ts'
import { studio } from '../api/client.ts'
import { once, task } from '../api/request.ts'
import { seriesOf, useRuns, type Series } from './runs.ts'
import { useUi } from './ui.ts'

export const MAX_RUNS = 10
/** Sampled steps a run brings to the comparison: about what the step chart, a thousand pixels wide, can show (services/compare.ts thins them). */
export const COMPARE_STEPS = 1000
export const runColor = (i: number) => `--series-${(i % MAX_RUNS) + 1}`

export type Metric = 'valAccuracy' | 'valLoss' | 'trainLoss' | 'trainAccuracy'
export const METRICS: { key: Metric; label: string; percent: boolean; better: 'max' | 'min' }[] = [
  { key: 'valAccuracy', label: 'Validation accuracy', percent: true, better: 'max' },
  { key: 'valLoss', label: 'Validation loss', percent: false, better: 'min' },
  { key: 'trainLoss', label: 'Training loss', percent: false, better: 'min' },
  { key: 'trainAccuracy', label: 'Training accuracy', percent: true, better: 'max' },
]

/** One metric of every run on a shared epoch axis (uPlot.join fills the epochs a run lacks with null). */
export function joinByEpoch(series: Series[], metric: Metric): uPlot.AlignedData {
  if (!series.length) return [[]]
  return uPlot.join(series.map((s) => [s.epoch, s[metric] as (number | null)[]] as uPlot.AlignedData))
}

/** The per-step loss of every run, steps as fractional epochs. */
export function joinSteps(series: Series[]): uPlot.AlignedData {
  if (!series.length) return [[]]
  return uPlot.join(series.map((s) => [s.stepX, s.stepLoss] as uPlot.AlignedData))
}

export interface MetricRow { label: string; values: (number | null)[]; best: number | null; format: 'pct' | 'loss' | 'int' | 'big' | 'rate' }

/** Index of the best value in a row (highest or lowest), or null when fewer than two runs have one or the best is shared. */
export function bestIndex(values: (number | null)[], better: 'max' | 'min'): number | null {
  let best: number | null = null
  values.forEach((v, i) => {
    if (v === null) return
    if (best === null || (better === 'max' ? v > values[best]! : v < values[best]!)) best = i
  })
  if (best === null || values.filter((v) => v !== null).length < 2) return null
  return values.filter((v) => v === values[best!]).length > 1 ? null : best // a tie has no winner
}

export const useCompare = defineStore('compare', () => {
  const ui = useUi()
  const runs = useRuns()
  const comparison = shallowRef<Comparison | null>(null)
  const comparing = task()
  const error = computed(() => comparing.error)
  const loading = computed(() => comparing.busy)
  const onlyDifferences = ref(true)
  /** The two runs (by index into `ids`) whose architectures are diffed on the canvas. */
  const pair = ref<[number, number]>([0, 1])
  const diff = shallowRef<ArchitectureDiff | null>(null)
  const diffing = task()
  const diffError = computed(() => diffing.error)

  const ids = computed(() => (ui.route.params.runs ?? '').split(',').filter(Boolean).slice(0, MAX_RUNS))

  function setIds(next: string[]): void {
    const unique = [...new Set(next)].slice(0, MAX_RUNS)
    ui.navigate('compare', unique.length ? { runs: unique.join(',') } : {})
  }
  function toggle(runId: string): void {
    const cur = ids.value
    if (cur.includes(runId)) setIds(cur.filter((x) => x !== runId))
    else if (cur.length < MAX_RUNS) setIds([...cur, runId])
  }

  const details = computed(() => ids.value.map((id) => runs.details.get(id) ?? null))
  const ready = computed(() => details.value.every((d): d is RunDetail => d !== null))
  // The runs store's series: the stored curves plus the points of a run still training, so the comparison
  // grows with it (its version is read so each new point recomputes the charts).
  const series = computed(() => {
    if (!ready.value) return []
    return ids.value.map((id, i) => {
      const l = runs.live.get(id)
      return l && l.version >= 0 ? l.series : seriesOf(details.value[i]!)
    })
  })
  const colors = computed(() => Object.fromEntries(ids.value.map((id, i) => [id, runColor(i)])))

  // One request per selection (an equal selection set again while it loads shares it); the newest
  // selection's answer wins.
  const load = once(() => comparing.run(fetchComparison).then(() => {}), { keep: false, key: () => ids.value.join(',') })

  async function fetchComparison(current: () => boolean): Promise<void> {
    const list = ids.value
    comparison.value = null
    diff.value = null
    if (list.length < 2) return
    // Each run without its sampled steps first (reading them is most of the time a run's detail takes): the
    // comparison, its tables and the epoch charts draw from that; the step chart, below them, follows.
    const [c] = await Promise.all([studio().invoke('runs.compare', { runIds: list }), ...list.map((id) => (runs.details.has(id) ? null : runs.get(id, { maxSteps: 0 })))])
    if (!current()) return
    comparison.value = c
    const missing = list.find((id) => !runs.details.has(id))
    if (missing) comparing.error = runs.failures.get(missing) ?? { code: 'NOT_FOUND', message: `run ${missing} could not be read` }
    if (pair.value[0] >= list.length || pair.value[1] >= list.length) pair.value = [0, 1]
    // After the first screen is painted: each answer redraws the charts, which would hold that paint back.
    void afterPaint().then(() => fetchSteps(list, current))
    await loadDiff()
  }

  const afterPaint = () => new Promise<void>((resolve) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => setTimeout(resolve)) : resolve()))

  /** The sampled steps of the runs read without them, thinned to what the step chart can show. */
  async function fetchSteps(list: string[], current: () => boolean): Promise<void> {
    const want = list.filter((id) => {
      const d = runs.details.get(id)
      return d && d.epochs.length > 0 && d.steps.epoch.length === 0
    })
    await Promise.all(want.map((id) => (current() ? runs.get(id, { maxSteps: COMPARE_STEPS }) : null)))
  }

  async function loadDiff(): Promise<void> {
    const [i, j] = pair.value
    const a = ids.value[i], b = ids.value[j]
    diffing.clear() // a pair chosen since drops the diff still out for the last one
    if (!a || !b || a === b) return void (diff.value = null)
    if (i === 0 && j === 1 && comparison.value) return void (diff.value = comparison.value.architecture)
    const d = await diffing.run(() => studio().invoke('runs.diff', { a, b }))
    if (d) diff.value = d
  }

  function setPair(i: number, j: number): void {
    pair.value = [i, j]
    void loadDiff()
  }

  /** Settings rows: every key any run has, flagged where the service's comparison says the values differ (one rule, in services/compare.ts). */
  const settingsRows = computed(() => {
    const ds = details.value.filter((d): d is RunDetail => !!d)
    const keys = [...new Set(ds.flatMap((d) => Object.keys(d.settings)))].sort()
    const differences = comparison.value?.differences ?? {}
    return keys.map((key) => ({ key, values: ds.map((d) => d.settings[key]), differs: key in differences }))
  })
  const shownSettings = computed(() => (onlyDifferences.value ? settingsRows.value.filter((r) => r.differs) : settingsRows.value))

  const metricRows = computed<MetricRow[]>(() => {
    const c = comparison.value
    if (!c || !ready.value) return []
    const ds = details.value as RunDetail[]
    const last = (d: RunDetail) => d.epochs.at(-1)
    const row = (label: string, values: (number | null | undefined)[], better: 'max' | 'min' | null, format: MetricRow['format']): MetricRow => {
      const v = values.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : null))
      return { label, values: v, best: better ? bestIndex(v, better) : null, format }
    }
    return [
      row('Validation accuracy', c.runs.map((r) => r.final.valAccuracy), 'max', 'pct'),
      row('Validation loss', c.runs.map((r) => r.final.valLoss), 'min', 'loss'),
      row('Test accuracy', c.runs.map((r) => r.final.testAccuracy), 'max', 'pct'),
      row('Training accuracy (last epoch)', ds.map((d) => last(d)?.trainAccuracy), 'max', 'pct'),
      row('Training loss (last epoch)', ds.map((d) => last(d)?.trainLoss), 'min', 'loss'),
      row('Epochs', ds.map((d) => d.epochs.length), null, 'int'),
      row('Images / second', ds.map((d) => d.imagesPerSecond), 'max', 'rate'),
      row('Parameters', c.runs.map((r) => r.params), null, 'big'),
      row('MACs per image', c.runs.map((r) => r.macs), null, 'big'),
    ].filter((r) => r.values.some((v) => v !== null))
  })

  /** The last selection, so the Compare tab of the navigation bar returns to it. */
  const last = ref<string[]>([])
  // The one place a comparison is loaded: the URL is the selection, so opening Compare, reopening
  // `#/compare?runs=a,b` or going back loads it; Compare opened with no selection returns to the last one.
  watch(() => (ui.screen === 'compare' ? ids.value.join(',') : null), (key) => {
    if (key === null) return
    if (!key && last.value.length) return ui.setParams({ runs: last.value.join(',') })
    if (ids.value.length) last.value = ids.value
    void load()
  }, { immediate: true })

  return { ids, comparison, error, loading, onlyDifferences, pair, diff, diffError, details, ready, series, colors, settingsRows, shownSettings, metricRows, setIds, toggle, load, setPair }
})
