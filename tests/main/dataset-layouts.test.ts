// A root with train/ and test/ (and val/) through the CLI and the host: `dataset inspect --json` gives its
// splits with the classes of train/, `train MODEL ROOT` tests on test/ (final.testAccuracy) and validates on
// val/ instead of a random split, and a read through the host streams progress and can be cancelled.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createHost } from '../../src-main/host/host.ts'
import type { StudioEvent } from '../../src-main/api/contract.ts'
import { makeSplitRoot, SPLIT_CLASSES } from '../fixtures/split-root.ts'
import { cli } from '../helpers/cli.ts'

const TINY = {
  format: 'cnn-studio.graph', version: 1, name: 'tiny',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } },
    { id: 'flat', type: 'flatten' },
    { id: 'fc', type: 'dense', attrs: { units: 3 } },
    { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'flat'], ['flat', 'fc'], ['fc', 'out']],
}

let root: string, withVal: string, modelPath: string, tmp: string
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'cnn-layouts-'))
  root = join(tmp, 'tt')
  withVal = join(tmp, 'ttv')
  await makeSplitRoot(root, { train: 8, test: 3 })
  await makeSplitRoot(withVal, { train: 8, test: 3, val: 2, names: { val: 'valid' } })
  modelPath = join(tmp, 'tiny.cnn.json')
  writeFileSync(modelPath, JSON.stringify(TINY))
})

describe('a train/test root through the CLI', () => {
  it('dataset inspect --json adds splits, with the classes of train/ and every key it had', () => {
    const r = cli(['dataset', 'inspect', root, '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.splits).toEqual({ train: 24, test: 9 })
    expect(j.classes.map((c: { name: string }) => c.name)).toEqual([...SPLIT_CLASSES])
    expect(j.classes[0]).toEqual({ name: 'blue', count: 8, splits: { train: 8, test: 3 } })
    for (const k of ['root', 'classes', 'images', 'skipped', 'sizes', 'channels', 'formats', 'duplicates', 'leakage', 'warnings', 'usable']) expect(j).toHaveProperty(k)
    expect(j.usable).toBe(true)
    const text = cli(['dataset', 'inspect', root])
    expect(text.stdout).toMatch(/splits: train\/ 24, test\/ 9/)
  })

  it('train MODEL ROOT tests on test/ and records the test accuracy; val/ replaces the random split', () => {
    const db = join(tmp, 'e.db')
    const r = cli(['train', modelPath, root, '--epochs', '1', '--batch-size', '8', '--lr', '0.01', '--db', db, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.final.testAccuracy).toBeGreaterThanOrEqual(0)
    expect(j.final.testAccuracy).toBeLessThanOrEqual(1)
    expect(j.settings).toMatchObject({ datasetDir: root, testDir: join(root, 'test') })

    const v = cli(['train', modelPath, withVal, '--epochs', '1', '--batch-size', '8', '--lr', '0.01', '--db', db, '--json'])
    expect(v.code, v.stderr).toBe(0)
    const jv = JSON.parse(v.stdout)
    expect(jv.settings).toMatchObject({ valDir: join(withVal, 'valid'), testDir: join(withVal, 'test') })
    expect(jv.final.testAccuracy).toBeDefined()
    expect(jv.final.valAccuracy).toBeDefined()
    // evaluate finds the run's own splits again: the validation split of train/, the test set of test/
    const ev = JSON.parse(cli(['evaluate', j.runId, '--db', db, '--json']).stdout)
    expect(ev).toMatchObject({ split: 'val', folder: root, classes: [...SPLIT_CLASSES] })
    expect(ev.count).toBeLessThan(24)
    const et = JSON.parse(cli(['evaluate', j.runId, '--split', 'test', '--db', db, '--json']).stdout)
    expect(et).toMatchObject({ split: 'test', count: 9, accuracy: j.final.testAccuracy })
    const evVal = cli(['evaluate', jv.runId, '--db', db, '--json'])
    expect(evVal.code).not.toBe(0)
    expect(evVal.stderr).toMatch(/validated on the folder .*valid.*--split test --test-dir/)
    const list = JSON.parse(cli(['runs', 'list', '--db', db, '--json']).stdout)
    expect(list.runs.map((x: { final: { testAccuracy?: number } }) => typeof x.final.testAccuracy)).toEqual(['number', 'number'])
  })
})

describe('a folder read through the host', () => {
  it('streams dataset progress events for its readId and gives the splits', async () => {
    const host = createHost({ dbPath: join(tmp, 'h.db') })
    const events: StudioEvent[] = []
    const off = host.subscribe((e) => events.push(e))
    const r = await host.invoke('datasets.inspect', { dir: root, readId: 'r1' })
    off()
    host.close()
    expect(r).toMatchObject({ ok: true, result: { splits: { train: 24, test: 9 }, layout: { test: join(root, 'test') } } })
    const mine = events.filter((e) => e.type === 'dataset' && e.readId === 'r1')
    expect(mine.length).toBeGreaterThan(0)
    expect(mine.at(-1)).toMatchObject({ phase: 'decode', decoded: 33, total: 33 })
  })

  it('datasets.cancel stops the read, which answers CANCELLED', async () => {
    const host = createHost({ dbPath: join(tmp, 'c.db') })
    const read = host.invoke('datasets.inspect', { dir: root, readId: 'slow' })
    expect(await host.invoke('datasets.cancel', { readId: 'slow' })).toEqual({ ok: true, result: null })
    expect(await read).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
    expect(await host.invoke('datasets.cancel', { readId: 'never-started' })).toEqual({ ok: true, result: null })
    host.close()
  })
})
