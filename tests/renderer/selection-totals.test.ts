// The summary's footer adds up the selected blocks when several are selected, not the whole model again.
import { describe, expect, it } from 'vitest'
import { analyzeGraph, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { totalsOf } from '../../src-renderer/src/components/summary/totals.ts'
import { chainModel } from '../helpers/graphs.ts'

const model: ModelFile = chainModel([8, 8, 1], [['c1', 'conv2d', { filters: 4, kernel: 3, padding: 'same' }], ['bn', 'batchnorm'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])

describe('selection totals', () => {
  const a = analyzeGraph(model)
  it('adds up only the selected blocks', () => {
    const t = totalsOf(a, ['c1', 'bn', 'fc'])
    // conv 3*3*1*4 + 4 = 40; batchnorm 2*4 trainable + 2*4 running stats; dense 4*2 + 2 = 10
    expect(t).toEqual({ count: 3, params: 40 + 16 + 10, trainableParams: 40 + 8 + 10, nonTrainableParams: 8, macs: 8 * 8 * 4 * 9 + 4 * 2 })
    expect(totalsOf(a, ['gap', 'out']).params).toBe(0)
  })
  it('the whole selection is the model total; unknown and repeated ids are not counted', () => {
    expect(totalsOf(a, [...a.byId.keys(), 'c1', 'gone'])).toMatchObject({ count: 6, params: a.totals.params, macs: a.totals.macs })
  })
})
