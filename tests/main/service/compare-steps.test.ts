// Compare asks for each run's sampled steps thinned to what its step chart can show (runs.get with maxSteps):
// every epoch keeps the same share ending on its last sample, so the page's x (epoch - 1 + step / last step)
// is unchanged and two runs with as many samples an epoch stay aligned.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { RunDetail, StepColumns } from '../../../src-main/api/contract.ts'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { thinSteps } from '../../../src-main/services/compare.ts'
import { createHost } from '../../../src-main/host/host.ts'
import { Store } from '../../../src-main/services/store/store.ts'

function steps(epochs: number, perEpoch: (e: number) => number, every = 3): StepColumns {
  const s: StepColumns = { epoch: [], step: [], loss: [], accuracy: [] }
  for (let e = 1; e <= epochs; e++) {
    for (let k = 1; k <= perEpoch(e); k++) {
      s.epoch.push(e)
      s.step.push(k * every)
      s.loss.push(k % 7 === 0 ? null : 1 / (e * k))
      s.accuracy.push(k / perEpoch(e))
    }
  }
  return s
}
const lastOf = (s: StepColumns) => new Map(s.epoch.map((e, i) => [e, s.step[i]]))

describe('thinSteps', () => {
  it('100 epochs x 200 samples to 1,000: ten an epoch, evenly spread, each epoch ending on its last sample', () => {
    const all = steps(100, () => 200)
    const t = thinSteps(all, 1000)
    expect(t.epoch).toHaveLength(1000)
    expect(lastOf(t)).toEqual(lastOf(all))
    expect(t.step.slice(0, 10)).toEqual([60, 120, 180, 240, 300, 360, 420, 480, 540, 600])
    // the values travel with their step
    t.step.forEach((st, i) => {
      const j = all.epoch.findIndex((e, k) => e === t.epoch[i] && all.step[k] === st)
      expect([t.loss[i], t.accuracy[i]]).toEqual([all.loss[j], all.accuracy[j]])
    })
  })

  it('two runs with as many samples an epoch keep the same steps; short epochs and small runs are kept whole', () => {
    const a = thinSteps(steps(50, () => 200), 500), b = thinSteps(steps(50, () => 200), 500)
    expect(a.step).toEqual(b.step)
    expect(a.epoch).toEqual(b.epoch)
    const small = steps(3, () => 20)
    expect(thinSteps(small, 1000)).toBe(small)
    // a resumed run's short epoch (4 samples) keeps all 4 while the others keep 5 of 300
    const mixed = thinSteps(steps(10, (e) => (e === 5 ? 4 : 300)), 50)
    expect(mixed.epoch.filter((e) => e === 5)).toHaveLength(4)
    expect(mixed.epoch.filter((e) => e === 6)).toHaveLength(5)
    expect(lastOf(mixed)).toEqual(lastOf(steps(10, (e) => (e === 5 ? 4 : 300))))
  })

  it('more epochs than the budget: one sample an epoch, its last', () => {
    const t = thinSteps(steps(2000, () => 10), 1000)
    expect(t.epoch).toHaveLength(2000)
    expect(t.step.every((s) => s === 30)).toBe(true)
  })

  it('runs.get: maxSteps 0 sends no steps, maxSteps N about N, none given all of them', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'cnn-steps-')), 'runs.db')
    const store = new Store(db)
    const model = store.saveModel(parseModelFile(readFileSync(new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8')))
    const id = store.createRun({ name: 'long', settings: {}, modelId: model.id, datasetId: null, splitSeed: 1 })
    store.setStatus(id, 'running')
    for (let e = 1; e <= 20; e++) store.recordEpoch(id, { epoch: e, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, lr: 0.01, seconds: 1, imagesPerSecond: 10 }, Array.from({ length: 50 }, (_, s) => ({ step: s + 1, loss: 1 / (s + 1), accuracy: 0.5 })), new Uint8Array(4))
    store.close()
    const host = createHost({ dbPath: db })
    try {
      const get = async (maxSteps?: number) => {
        const r = await host.invoke('runs.get', { runId: id, ...(maxSteps === undefined ? {} : { maxSteps }) })
        if (!r.ok) throw new Error(r.error.message)
        return (r.result as RunDetail)
      }
      expect((await get()).steps.epoch).toHaveLength(1000)
      expect((await get(0)).steps.epoch).toHaveLength(0)
      expect((await get(0)).epochs).toHaveLength(20)
      const thin = (await get(200)).steps
      expect(thin.epoch).toHaveLength(200)
      expect(thin.step.filter((_, i) => thin.epoch[i] === 20).at(-1)).toBe(50)
    } finally {
      host.close()
    }
  })
})
