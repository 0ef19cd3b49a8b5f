// The end-of-run verdict and the run page's stored evaluation, on the real sample through the real CLI: a run
// at lr 9 is flagged "did not learn" with the advice (its status stays completed), a good run is not; the
// evaluation of the best checkpoint is kept with the run and read back from the database after reopening.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../../helpers/cli.ts'
import { judgeRun, CHANCE_MARGIN } from '../../../src-main/services/verdict.ts'
import { createHost } from '../../../src-main/host/host.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import type { EvaluationReport, RunSummary } from '../../../src-main/api/contract.ts'

const SAMPLE = new URL('../../../resources/sample-dataset/shapes', import.meta.url).pathname
const SHAPES = new URL('../../../resources/templates/shapes-cnn.cnn.json', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'cnn-verdict-'))
const env = { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') }
const train = (db: string, lr: string, epochs: string, json = true) =>
  cli(['train', SHAPES, SAMPLE, '--epochs', epochs, '--batch-size', '16', '--lr', lr, '--db', db, ...(json ? ['--json'] : [])], { env, timeout: 300_000 })

describe('judgeRun', () => {
  const ep = (trainLoss: number, valAccuracy: number | null, trainAccuracy = 0.5) => ({ trainLoss, trainAccuracy, valAccuracy })
  it('flags a best accuracy within the margin of chance, and a loss that grew, with the lr advice', () => {
    const chance = judgeRun([ep(1.1, 0.3), ep(1.1, 1 / 3 + CHANCE_MARGIN - 0.001)], 3, 0.5)
    expect(chance?.message).toMatch(/^did not learn: its best validation accuracy, 38\.2%, is within 5 points of chance \(33\.3% for 3 classes\); try a learning rate 10x smaller \(0\.05 instead of 0\.5\)$/)
    expect(judgeRun([ep(0.9, 0.8), ep(2.5, 0.7)], 3, 0.01)?.reason).toMatch(/training loss grew from 0\.900 .* to 2\.50/)
    expect(judgeRun([ep(0.9, 0.8), ep(Number.NaN, 0.7)], 3, 0.01)?.didNotLearn).toBe(true)
  })
  it('passes a run clear of chance whose loss fell, and judges by training accuracy when nothing was held out', () => {
    expect(judgeRun([ep(1.1, 0.4), ep(0.6, 0.9)], 3, 0.001)).toBeNull()
    expect(judgeRun([ep(1.1, null, 0.35), ep(1.0, null, 0.36)], 3, 0.001)?.reason).toMatch(/best training accuracy/)
    expect(judgeRun([], 3, 0.001)).toBeNull()
  })
})

describe('train: did it learn', () => {
  it('a run at lr 9 completes but is flagged, with the advice, in --json, in the human output and in runs.list', async () => {
    const db = join(work, 'bad.db')
    const r = train(db, '9', '2')
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.status).toBe('completed')
    expect(j.verdict).toMatchObject({ didNotLearn: true })
    expect(j.verdict.message).toMatch(/^did not learn: .*try a learning rate 10x smaller \(0\.9 instead of 9\)$/)
    const human = train(db, '9', '2', false)
    expect(human.stdout).toMatch(/completed: 2 epochs.*\ndid not learn: .*try a learning rate 10x smaller/)
    const host = createHost({ dbPath: db })
    try {
      const list = await host.invoke('runs.list', undefined)
      const runs = (list as { result: RunSummary[] }).result
      expect(runs.map((x) => x.verdict?.didNotLearn)).toEqual([true, true])
      expect(runs[0]).toMatchObject({ lr: 9, epochsPlanned: 2, lastEpoch: { epoch: 2 } })
    } finally {
      host.close()
    }
  }, 600_000)

  it('a run that learnt is not flagged', () => {
    const r = train(join(work, 'good.db'), '0.005', '6')
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.final.valAccuracy).toBeGreaterThan(1 / 3 + CHANCE_MARGIN)
    expect(j.verdict).toBeNull()
  }, 600_000)
})

describe('the run page\'s evaluation', () => {
  it('is made once from the best checkpoint and read back from the database after reopening', async () => {
    const db = join(work, 'good.db')
    const first = createHost({ dbPath: db })
    let report: EvaluationReport
    let runId: string
    try {
      runId = ((await first.invoke('runs.list', undefined)) as { result: RunSummary[] }).result[0].runId
      const r = await first.invoke('runs.evaluation', { runId })
      expect(r.ok, JSON.stringify(r)).toBe(true)
      report = (r as { result: EvaluationReport }).result
      expect(report).toMatchObject({ split: 'val', checkpoint: { kind: 'best' }, count: 72 })
      expect(report.predictions.every((p) => p.thumbnail?.startsWith('data:image/png'))).toBe(true)
    } finally {
      first.close()
    }
    // What is read back is what was stored: a mark put into the stored report comes back on the next open.
    const store = new Store(db)
    const kept = store.storedEvaluation(runId, 'val', 'best')
    expect(kept?.epoch).toBe(report.checkpoint.epoch)
    store.saveStoredEvaluation(runId, 'val', 'best', kept!.epoch, JSON.stringify({ ...JSON.parse(kept!.report), warnings: ['from the database'] }))
    store.close()
    const again = createHost({ dbPath: db })
    try {
      const r = (await again.invoke('runs.evaluation', { runId })) as { result: EvaluationReport }
      expect(r.result.warnings).toEqual(['from the database'])
      expect(r.result.confusion).toEqual(report.confusion)
    } finally {
      again.close()
    }
  }, 300_000)
})
