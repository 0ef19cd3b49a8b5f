// What Compare's charts draw, as plain data for LineChart: per run, or per group (its mean, its min-max band
// and, on demand, its members), on an x axis of epochs, steps or wall time, with the per-step loss smoothed
// (the raw curve faint behind) and the best epoch marked on every curve. Pure: the arithmetic is the engine
// core's (src-engine/core/curves), the charts only draw what this returns.
import uPlot from 'uplot'
import type { RunDetail } from '../../../../src-main/api/contract.ts'
import { groupStats, type Curve } from '../../../../src-engine/core/curves/group-stats.ts'
import { ema } from '../../../../src-engine/core/curves/smooth.ts'
import { bestEpoch, bestEpochLabel } from '../../../../src-engine/core/curves/best-epoch.ts'
import type { Series } from '../../stores/runs.ts'
import type { ChartBand, ChartMark, ChartSeries } from '../charts/chart-types.ts'

export type XAxis = 'epoch' | 'step' | 'time'
export const X_AXES: { key: XAxis; label: string; axis: string }[] = [
  { key: 'epoch', label: 'Epoch', axis: 'epoch' },
  { key: 'step', label: 'Step', axis: 'step' },
  { key: 'time', label: 'Wall time', axis: 'seconds of training' },
]
/** '' none; 'group' the seed group; 'tag' the runs' tags; `setting:lr` a setting's value. */
export type GroupBy = '' | 'group' | 'tag' | `setting:${string}`
export type EpochMetric = 'valAccuracy' | 'valLoss' | 'trainLoss' | 'trainAccuracy'

/** One run as the charts need it. `stepsPerEpoch`: the steps of a full epoch (the step axis). */
export interface CurveRun { id: string; name: string; color: string; series: Series; detail: RunDetail; stepsPerEpoch: number }
export interface CurveGroup { key: string; label: string; color: string; members: number[] }
export interface ChartModel { data: uPlot.AlignedData; series: ChartSeries[]; bands: ChartBand[]; marks: ChartMark[] }
export interface CurveOptions { groupBy: GroupBy; showMembers: boolean; smoothing: number; xAxis: XAxis }

const SEED_SUFFIX = / · seed \d+$/

/** The groups of a selection, in the order their first run is listed; a group's colour is its first run's. */
export function groupRuns(runs: readonly Pick<CurveRun, 'id' | 'name' | 'color' | 'detail'>[], by: GroupBy): CurveGroup[] {
  const groups = new Map<string, CurveGroup>()
  runs.forEach((r, i) => {
    const { key, label } = groupKey(r, by)
    const g = groups.get(key)
    if (g) g.members.push(i)
    else groups.set(key, { key, label, color: r.color, members: [i] })
  })
  for (const g of groups.values()) if (by === 'group' && g.members.length > 1) g.label = `${g.label} (${g.members.length} seeds)`
  return [...groups.values()]
}

function groupKey(r: Pick<CurveRun, 'id' | 'name' | 'detail'>, by: GroupBy): { key: string; label: string } {
  if (by === 'group') return r.detail.group ? { key: `g:${r.detail.group}`, label: r.name.replace(SEED_SUFFIX, '') } : { key: `r:${r.id}`, label: r.name }
  if (by === 'tag') {
    const tags = [...r.detail.tags].sort()
    return { key: `t:${tags.join('\u0000')}`, label: tags.length ? `tags: ${tags.join(', ')}` : 'no tags' }
  }
  if (by.startsWith('setting:')) {
    const k = by.slice('setting:'.length)
    const v = r.detail.settings[k]
    return { key: `s:${JSON.stringify(v ?? null)}`, label: `${k} = ${v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v)}` }
  }
  return { key: `r:${r.id}`, label: r.name }
}

/** Maps a run's progress (epochs, fractional for steps) to the chosen x: epochs, steps, or seconds of training. */
export function xMapper(run: Pick<CurveRun, 'detail' | 'stepsPerEpoch'>, axis: XAxis): (epochs: number) => number {
  if (axis === 'epoch') return (e) => e
  if (axis === 'step') return (e) => e * run.stepsPerEpoch
  // Wall time: each epoch's own seconds, the fraction of an epoch read linearly within it; an epoch whose
  // time is not known yet (a live run) takes the mean of those known.
  const secs = new Map(run.detail.epochs.map((e) => [e.epoch, e.seconds]))
  const known = [...secs.values()].filter((s) => Number.isFinite(s) && s >= 0)
  const fallback = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1
  const cum = [0]
  const sec = (e: number) => { const s = secs.get(e); return s !== undefined && Number.isFinite(s) && s >= 0 ? s : fallback }
  return (x) => {
    const whole = Math.max(0, Math.ceil(x) - 1)
    while (cum.length <= whole) cum.push(cum[cum.length - 1] + sec(cum.length))
    return cum[whole] + (x - whole) * sec(whole + 1)
  }
}

/** A run's best epoch (highest validation accuracy, the earliest of a tie) from its series. */
export function bestOf(s: Series): { epoch: number; valAccuracy: number | null } | null {
  return bestEpoch(s.epoch.map((epoch, i) => ({ epoch, valAccuracy: s.valAccuracy[i] })))
}

/** The value of a curve at x: exact, or the last point before it (the step curve at the end of an epoch). */
function valueNear(x: readonly number[], y: readonly (number | null | undefined)[], at: number): number | null {
  let v: number | null = null
  for (let i = 0; i < x.length && x[i] <= at + 1e-9; i++) if (typeof y[i] === 'number' && Number.isFinite(y[i])) v = y[i] as number
  return v
}

interface Entry { table: uPlot.AlignedData; series: ChartSeries[] }

/** Joins tables drawn in order into one uPlot data set; a band's indices are counted over every series before it. */
function assemble(entries: Entry[], bands: { entry: number; upper: number; lower: number; color: string }[], marks: ChartMark[]): ChartModel {
  if (!entries.length) return { data: [[]], series: [], bands: [], marks }
  const offsets: number[] = []
  let n = 0
  for (const e of entries) { offsets.push(n); n += e.series.length }
  return {
    data: uPlot.join(entries.map((e) => e.table)),
    series: entries.flatMap((e) => e.series),
    bands: bands.map((b) => ({ upper: offsets[b.entry] + b.upper, lower: offsets[b.entry] + b.lower, color: b.color })),
    marks,
  }
}

/** A curve's x mapped, dropping x that repeat (uPlot needs them ascending and unique). */
function mapped(x: readonly number[], y: readonly (number | null)[], map: (e: number) => number): [number[], (number | null)[]] {
  const xs: number[] = [], ys: (number | null)[] = []
  x.forEach((v, i) => {
    const m = map(v)
    if (xs.length && m <= xs[xs.length - 1]) return
    xs.push(m); ys.push(y[i] ?? null)
  })
  return [xs, ys]
}

/** The mean of the members' x mappers: a group's curve sits at its members' mean step count or time. */
function groupMapper(runs: readonly CurveRun[], g: CurveGroup, axis: XAxis): (e: number) => number {
  const maps = g.members.map((i) => xMapper(runs[i], axis))
  return (e) => maps.reduce((a, m) => a + m(e), 0) / maps.length
}

const pctLabel = (m: { epoch: number; valAccuracy: number | null }, who: string, mean: boolean) => `${who}: ${bestEpochLabel(m, mean ? 'best mean val acc' : 'best val acc')}`

/** One per-epoch metric chart: a curve per run, or per group its mean, band and (on demand) members. */
export function epochChart(runs: readonly CurveRun[], metric: EpochMetric, o: CurveOptions): ChartModel {
  const entries: Entry[] = [], bands: { entry: number; upper: number; lower: number; color: string }[] = [], marks: ChartMark[] = []
  if (!o.groupBy) {
    for (const r of runs) {
      const map = xMapper(r, o.xAxis)
      entries.push({ table: mapped(r.series.epoch, r.series[metric], map), series: [{ label: r.name, color: r.color, points: r.series.epoch.length <= 30 }] })
      const b = bestOf(r.series)
      const y = b ? valueNear(r.series.epoch, r.series[metric], b.epoch) : null
      if (b && y !== null) marks.push({ x: map(b.epoch), y, color: r.color, label: pctLabel(b, r.name, false) })
    }
    return assemble(entries, bands, marks)
  }
  const groups = groupRuns(runs, o.groupBy)
  const means: Entry[] = [], members: Entry[] = []
  for (const g of groups) {
    const map = groupMapper(runs, g, o.xAxis)
    const curve = (i: number): Curve => ({ x: runs[i].series.epoch, y: runs[i].series[metric] })
    const st = groupStats(g.members.map(curve))
    const acc = groupStats(g.members.map((i) => ({ x: runs[i].series.epoch, y: runs[i].series.valAccuracy })))
    if (g.members.length > 1) {
      bands.push({ entry: entries.length, upper: 0, lower: 1, color: g.color })
      entries.push({ table: [st.x.map(map), st.max, st.min], series: [{ label: `${g.label} max`, color: g.color, edge: true }, { label: `${g.label} min`, color: g.color, edge: true }] })
    }
    if (o.showMembers && g.members.length > 1) {
      for (const i of g.members) members.push({ table: mapped(runs[i].series.epoch, runs[i].series[metric], xMapper(runs[i], o.xAxis)), series: [{ label: runs[i].name, color: g.color, alpha: 0.45, width: 1 }] })
    }
    means.push({ table: [st.x.map(map), st.mean], series: [{ label: g.members.length > 1 ? `${g.label} mean` : g.label, color: g.color, width: 2, points: st.x.length <= 30 }] })
    const b = bestEpoch(acc.x.map((epoch, k) => ({ epoch, valAccuracy: acc.mean[k] })))
    const y = b ? valueNear(st.x, st.mean, b.epoch) : null
    if (b && y !== null) marks.push({ x: map(b.epoch), y, color: g.color, label: pctLabel(b, g.label, g.members.length > 1) })
  }
  return assemble([...entries, ...members, ...means], bands, marks)
}

/** The per-step training loss: smoothed (EMA) with the raw curve faint behind, per run or per group. */
export function stepChart(runs: readonly CurveRun[], o: CurveOptions): ChartModel {
  const smooth = (y: readonly (number | null)[]) => (o.smoothing > 0 ? ema(y, o.smoothing) : [...y])
  const entries: Entry[] = [], raws: Entry[] = [], bands: { entry: number; upper: number; lower: number; color: string }[] = [], marks: ChartMark[] = []
  const faint = (label: string, color: string): ChartSeries => ({ label: `${label} (raw)`, color, alpha: 0.22, width: 1 })
  if (!o.groupBy) {
    for (const r of runs) {
      const map = xMapper(r, o.xAxis)
      const s = smooth(r.series.stepLoss)
      if (o.smoothing > 0) raws.push({ table: mapped(r.series.stepX, r.series.stepLoss, map), series: [faint(r.name, r.color)] })
      entries.push({ table: mapped(r.series.stepX, s, map), series: [{ label: r.name, color: r.color, width: 1.25 }] })
      const b = bestOf(r.series)
      const y = b ? valueNear(r.series.stepX, s, b.epoch) : null
      if (b && y !== null) marks.push({ x: map(b.epoch), y, color: r.color, label: pctLabel(b, r.name, false) })
    }
    return assemble([...raws, ...entries], bands, marks)
  }
  const groups = groupRuns(runs, o.groupBy)
  const edges: Entry[] = [], members: Entry[] = []
  for (const g of groups) {
    const map = groupMapper(runs, g, o.xAxis)
    // Each member smoothed, then the group's statistics: the band is the spread of the smoothed curves.
    const st = groupStats(g.members.map((i) => ({ x: runs[i].series.stepX, y: smooth(runs[i].series.stepLoss) })))
    if (g.members.length > 1) {
      bands.push({ entry: edges.length, upper: 0, lower: 1, color: g.color })
      edges.push({ table: [st.x.map(map), st.max, st.min], series: [{ label: `${g.label} max`, color: g.color, edge: true }, { label: `${g.label} min`, color: g.color, edge: true }] })
    }
    if (o.smoothing > 0) {
      const raw = groupStats(g.members.map((i) => ({ x: runs[i].series.stepX, y: runs[i].series.stepLoss })))
      raws.push({ table: [raw.x.map(map), raw.mean], series: [faint(g.label, g.color)] })
    }
    if (o.showMembers && g.members.length > 1) {
      for (const i of g.members) members.push({ table: mapped(runs[i].series.stepX, smooth(runs[i].series.stepLoss), xMapper(runs[i], o.xAxis)), series: [{ label: runs[i].name, color: g.color, alpha: 0.45, width: 1 }] })
    }
    entries.push({ table: [st.x.map(map), st.mean], series: [{ label: g.members.length > 1 ? `${g.label} mean` : g.label, color: g.color, width: 1.5 }] })
    const acc = groupStats(g.members.map((i) => ({ x: runs[i].series.epoch, y: runs[i].series.valAccuracy })))
    const b = bestEpoch(acc.x.map((epoch, k) => ({ epoch, valAccuracy: acc.mean[k] })))
    const y = b ? valueNear(st.x, st.mean, b.epoch) : null
    if (b && y !== null) marks.push({ x: map(b.epoch), y, color: g.color, label: pctLabel(b, g.label, g.members.length > 1) })
  }
  return assemble([...edges, ...raws, ...members, ...entries], bands, marks)
}
