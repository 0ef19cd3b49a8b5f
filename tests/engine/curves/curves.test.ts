import { describe, expect, it } from 'vitest'
import { groupStats, meanSd } from '../../../src-engine/core/curves/group-stats.ts'
import { ema } from '../../../src-engine/core/curves/smooth.ts'
import { bestEpoch, bestEpochLabel } from '../../../src-engine/core/curves/best-epoch.ts'

describe('groupStats: a 3-seed group', () => {
  const epochs = [1, 2, 3]
  const seeds = [
    { x: epochs, y: [0.5, 0.7, 0.8] },
    { x: epochs, y: [0.6, 0.7, 0.9] },
    { x: epochs, y: [0.4, 0.7, 0.7] },
  ]
  it('gives the mean, sample sd and the min-max band at each epoch', () => {
    const g = groupStats(seeds)
    expect(g.x).toEqual([1, 2, 3])
    expect(g.count).toEqual([3, 3, 3])
    expect(g.mean[0]).toBeCloseTo(0.5, 12)
    expect(g.mean[1]).toBeCloseTo(0.7, 12)
    expect(g.mean[2]).toBeCloseTo(0.8, 12)
    // (0.1^2 + 0 + 0.1^2) / (3 - 1) = 0.01 -> sd 0.1; all equal -> 0
    expect(g.sd[0]).toBeCloseTo(0.1, 12)
    expect(g.sd[1]).toBeCloseTo(0, 12)
    expect(g.sd[2]).toBeCloseTo(0.1, 12)
    expect(g.min).toEqual([0.4, 0.7, 0.7])
    expect(g.max).toEqual([0.6, 0.7, 0.9])
  })

  it('aligns a member that stopped early: it leaves the stats where it has no value', () => {
    const g = groupStats([{ x: [1, 2, 3, 4], y: [1, 2, 3, 4] }, { x: [1, 2], y: [3, 4] }])
    expect(g.x).toEqual([1, 2, 3, 4])
    expect(g.count).toEqual([2, 2, 1, 1])
    expect(g.mean).toEqual([2, 3, 3, 4])
    expect(g.sd.slice(2)).toEqual([0, 0])
    expect(g.min).toEqual([1, 2, 3, 4])
    expect(g.max).toEqual([3, 4, 3, 4])
  })

  it('interpolates a member between its own points (steps sampled at other x) and skips its nulls', () => {
    const g = groupStats([{ x: [0, 1], y: [0, 10] }, { x: [0, 0.5, 0.75, 1], y: [2, 3, null, 4] }])
    expect(g.x).toEqual([0, 0.5, 1])
    // member 1 at 0.5 interpolates to 5; member 2's null at 0.75 adds no x and no value
    expect(g.mean).toEqual([1, 4, 7])
    expect(g.min).toEqual([0, 3, 4])
    expect(g.max).toEqual([2, 5, 10])
  })

  it('is empty for no members, and meanSd of one value has sd 0', () => {
    expect(groupStats([]).x).toEqual([])
    expect(meanSd([3])).toEqual({ mean: 3, sd: 0 })
    expect(meanSd([])).toBeNull()
  })
})

describe('ema', () => {
  it('starts at the first value and weighs the past by the weight', () => {
    const s = ema([1, 2, 3, null, 5], 0.5)
    expect(s[0]).toBe(1)
    expect(s[1]).toBeCloseTo(1.5, 12)
    expect(s[2]).toBeCloseTo(2.25, 12)
    expect(s[3]).toBeNull()
    expect(s[4]).toBeCloseTo(3.625, 12) // the null does not reset the average
  })
  it('is the raw curve at weight 0 and refuses a weight of 1 or more', () => {
    expect(ema([3, 1, 4], 0)).toEqual([3, 1, 4])
    expect(() => ema([1], 1)).toThrow(/outside \[0, 1\)/)
  })
})

describe('bestEpoch', () => {
  it('finds the best of a run whose best is not its last, the earliest of a tie', () => {
    const run = [
      { epoch: 1, valAccuracy: 0.6 }, { epoch: 2, valAccuracy: 0.912 }, { epoch: 3, valAccuracy: 0.85 },
      { epoch: 4, valAccuracy: 0.912 }, { epoch: 5, valAccuracy: 0.88 },
    ]
    const b = bestEpoch(run)!
    expect(b.epoch).toBe(2)
    expect(bestEpochLabel(b)).toBe('best val acc 0.912 at epoch 2')
  })
  it('is null when nothing was validated', () => {
    expect(bestEpoch([{ epoch: 1, valAccuracy: null }])).toBeNull()
  })
})
