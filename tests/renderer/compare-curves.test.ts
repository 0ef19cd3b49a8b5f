// What Compare's charts draw (components/compare/curve-model.ts): a 3-seed group's mean with its min-max
// band (the band's indices pointing at its edges), every member on demand, the best epoch marked on a run
// whose best is not its last, EMA smoothing with the raw curve behind, the step and wall-time axes; and the
// group table's mean ± sd.
import { describe, expect, it } from 'vitest'
import type { RunDetail } from '../../src-main/api/contract.ts'
import { seriesOf } from '../../src-renderer/src/stores/runs.ts'
import { epochChart, groupRuns, stepChart, xMapper, type CurveOptions, type CurveRun } from '../../src-renderer/src/components/compare/curve-model.ts'
import { groupMetricRows } from '../../src-renderer/src/components/compare/group-metrics.ts'

function run(id: string, name: string, group: string | null, valAcc: number[], opts: { lr?: number; seconds?: number } = {}): CurveRun {
  const epochs = valAcc.map((a, i) => ({ epoch: i + 1, trainLoss: 1 - a, trainAccuracy: a, valLoss: 1.1 - a, valAccuracy: a, lr: opts.lr ?? 0.01, seconds: opts.seconds ?? 2 }))
  // Two sampled steps an epoch, at its middle and its end.
  const steps = { epoch: epochs.flatMap((e) => [e.epoch, e.epoch]), step: epochs.flatMap(() => [5, 10]), loss: epochs.flatMap((e) => [e.trainLoss + 0.2, e.trainLoss]), accuracy: epochs.flatMap(() => [null, null]) }
  const detail = { runId: id, name, group, tags: [], settings: { lr: opts.lr ?? 0.01, seed: 1 }, epochs, steps, final: { valAccuracy: valAcc.at(-1), valLoss: 1.1 - valAcc.at(-1)! } } as unknown as RunDetail
  return { id, name, color: '--series-1', series: seriesOf(detail), detail, stepsPerEpoch: 10 }
}
const seeds = [
  run('a', 'net · seed 1', 'g1', [0.5, 0.7, 0.8]),
  run('b', 'net · seed 2', 'g1', [0.6, 0.7, 0.9]),
  run('c', 'net · seed 3', 'g1', [0.4, 0.7, 0.7]),
]
const alone = run('d', 'net lr 0.1', null, [0.3, 0.95, 0.6], { lr: 0.1 })
const all = [...seeds, alone]
const o = (p: Partial<CurveOptions> = {}): CurveOptions => ({ groupBy: 'group', showMembers: false, smoothing: 0, xAxis: 'epoch', ...p })

describe('groups', () => {
  it('groups a seed group, naming it without the seed, and a run alone as itself', () => {
    const g = groupRuns(all, 'group')
    expect(g.map((x) => [x.label, x.members])).toEqual([['net (3 seeds)', [0, 1, 2]], ['net lr 0.1', [3]]])
    expect(groupRuns(all, 'setting:lr').map((x) => x.label)).toEqual(['lr = 0.01', 'lr = 0.1'])
    expect(groupRuns(all, '').length).toBe(4)
  })

  it('draws a 3-seed group as its mean with a min-max band between its edges', () => {
    const c = epochChart(all, 'valAccuracy', o())
    expect(c.series.map((s) => s.label)).toEqual(['net (3 seeds) max', 'net (3 seeds) min', 'net (3 seeds) mean', 'net lr 0.1'])
    expect(c.bands).toEqual([{ upper: 0, lower: 1, color: '--series-1' }])
    expect(c.series[0].edge && c.series[1].edge).toBe(true)
    const col = (i: number) => Array.from(c.data[i + 1] as ArrayLike<number | null>)
    expect(Array.from(c.data[0])).toEqual([1, 2, 3])
    expect(col(0)).toEqual([0.6, 0.7, 0.9])
    expect(col(1)).toEqual([0.4, 0.7, 0.7])
    col(2).forEach((v, i) => expect(v).toBeCloseTo([0.5, 0.7, 0.8][i], 12))
    // Members on demand, behind the means.
    const m = epochChart(all, 'valAccuracy', o({ showMembers: true }))
    expect(m.series.map((s) => s.label)).toEqual(['net (3 seeds) max', 'net (3 seeds) min', 'net · seed 1', 'net · seed 2', 'net · seed 3', 'net (3 seeds) mean', 'net lr 0.1'])
  })

  it('marks the best epoch of a run whose best is not its last, on every metric', () => {
    const c = epochChart([alone], 'valLoss', o({ groupBy: '' }))
    expect(c.marks).toEqual([{ x: 2, y: expect.closeTo(0.15, 12), color: '--series-1', label: 'net lr 0.1: best val acc 0.950 at epoch 2' }])
    const g = epochChart(all, 'valAccuracy', o())
    expect(g.marks.map((m) => m.label)).toEqual(['net (3 seeds): best mean val acc 0.800 at epoch 3', 'net lr 0.1: best val acc 0.950 at epoch 2'])
  })

  it('gives each group mean ± sd in the table', () => {
    const rows = groupMetricRows(all.map((r) => r.detail), groupRuns(all, 'group'), 'last')
    const acc = rows.find((r) => r.label.startsWith('Validation accuracy'))!
    expect(acc.cells[0].mean).toBeCloseTo(0.8, 12)
    expect(acc.cells[0].sd).toBeCloseTo(0.1, 12)
    expect(acc.cells[0].n).toBe(3)
    expect(acc.cells[1]).toEqual({ mean: 0.6, sd: null, n: 1 })
    const best = groupMetricRows([alone.detail], [{ key: 'd', label: 'd', color: '', members: [0] }], 'best')
    expect(best[0].cells[0].mean).toBe(0.95)
  })
})

describe('smoothing and the x axis', () => {
  it('smooths the per-step loss, the raw curve faint behind, and changes the curve', () => {
    const raw = stepChart([alone], o({ groupBy: '' }))
    const smooth = stepChart([alone], o({ groupBy: '', smoothing: 0.9 }))
    expect(raw.series.map((s) => s.label)).toEqual(['net lr 0.1'])
    expect(smooth.series.map((s) => s.label)).toEqual(['net lr 0.1 (raw)', 'net lr 0.1'])
    expect(smooth.series[0].alpha).toBeLessThan(0.5)
    const r = Array.from(raw.data[1] as ArrayLike<number>), s = Array.from(smooth.data[2] as ArrayLike<number>)
    expect(s[0]).toBe(r[0])
    expect(s[1]).toBeCloseTo(0.9 * r[0] + 0.1 * r[1], 12)
  })

  it('puts x in steps or seconds of training', () => {
    expect(xMapper(alone, 'step')(2.5)).toBe(25)
    const t = xMapper(run('e', 'e', null, [0.1, 0.2], { seconds: 3 }), 'time')
    expect([t(0.5), t(1), t(2)]).toEqual([1.5, 3, 6])
    expect(Array.from(epochChart([alone], 'valAccuracy', o({ groupBy: '', xAxis: 'step' })).data[0])).toEqual([10, 20, 30])
  })
})
