// `train --seeds 1,2,3`: the same run queued once per seed, as one group (schema 7's group_id), which
// `runs show` and the studio's run list report, so Compare can draw the group's mean and band.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.ts'
import { Store } from '../../src-main/services/store/store.ts'

const tmp = mkdtempSync(join(tmpdir(), 'cnn-seeds-'))
const shapes = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const model = join(tmp, 'tiny.cnn.json')
writeFileSync(model, JSON.stringify({
  format: 'cnn-studio.graph', version: 1, name: 'Tiny',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } }, { id: 'p', type: 'avgpool2d', attrs: { size: 4 } },
    { id: 'f', type: 'flatten' }, { id: 'd', type: 'dense', attrs: { units: 3 } }, { id: 's', type: 'softmax' },
  ],
  edges: [['in', 'p'], ['p', 'f'], ['f', 'd'], ['d', 's']],
}))

describe('train --seeds', () => {
  it('queues one run per seed, grouped, and prints the group with each run', () => {
    const db = join(tmp, 'runs.db')
    const r = cli(['train', model, shapes, '--seeds', '1,2,3', '--epochs', '2', '--batch-size', '16', '--name', 'tiny', '--db', db, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.group).toMatch(/^g_[0-9a-f]{12}$/)
    expect(out.runs).toHaveLength(3)
    expect(out.runs.map((x: { settings: { seed: number } }) => x.settings.seed)).toEqual([1, 2, 3])
    expect(out.runs.map((x: { name: string }) => x.name)).toEqual(['tiny · seed 1', 'tiny · seed 2', 'tiny · seed 3'])
    for (const run of out.runs) {
      expect(run.status).toBe('completed')
      expect(run.epochs).toHaveLength(2)
      expect(run.group).toBe(out.group)
    }
    // The seeds make different runs (their first epochs differ), recorded with their group in the store.
    expect(new Set(out.runs.map((x: { epochs: { trainLoss: number }[] }) => x.epochs[0].trainLoss)).size).toBe(3)
    const store = new Store(db)
    try {
      const grouped = store.listRuns().filter((x) => x.group === out.group)
      expect(grouped.map((x) => x.runId).sort()).toEqual(out.runs.map((x: { runId: string }) => x.runId).sort())
    } finally {
      store.close()
    }
    // A run trained alone has no group.
    const alone = cli(['train', model, shapes, '--epochs', '1', '--batch-size', '16', '--db', db, '--json'])
    expect(alone.code).toBe(0)
    expect(JSON.parse(alone.stdout).group).toBeNull()
  })

  it.each([['1,1'], ['1'], ['1,x'], ['1,2,3,4,5,6,7,8,9,10,11']])('refuses --seeds %s as bad usage, naming the option', (seeds) => {
    const r = cli(['train', model, shapes, '--seeds', seeds, '--db', join(tmp, 'bad.db')])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`--seeds ${seeds}`)
  })
})
