// `runs delete --vacuum` says what happened to each half (issue 21, item 14): the run is deleted; a vacuum
// that fails (a full disk) is reported as such with exit 1, not as bad usage (2) with SQLite's bare text;
// one that cannot shrink the file because another process is reading it says so instead of "N -> N bytes".
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, statSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Store } from '../../../src-main/services/store/store.ts'
import { cli } from '../../helpers/cli.ts'
import { chainModel } from '../../helpers/graphs.ts'

const model = chainModel([8, 8, 1], [['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])

/** A database with `n` finished runs, each with a `blob`-byte checkpoint. */
function studioFile(file: string, n: number, blob: number): string[] {
  const s = new Store(file)
  const m = s.saveModel(model)
  const ids = Array.from({ length: n }, (_, i) => {
    const id = s.createRun({ name: `run ${i}`, settings: {}, modelId: m.id, datasetId: null, splitSeed: 1 })
    s.recordEpoch(id, { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, lr: 0.1, seconds: 1, imagesPerSecond: 1 }, [], new Uint8Array(blob).fill(i + 1))
    s.setStatus(id, 'completed')
    return id
  })
  s.db.pragma('wal_checkpoint(TRUNCATE)')
  s.close()
  return ids
}

describe('runs delete --vacuum', () => {
  it('with another process reading the file: deleted, and the vacuum says the file could not shrink and why', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'cnn-vacuum-')), 'v.db')
    const [id] = studioFile(db, 3, 400_000)
    const reader = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const d = new D(${JSON.stringify(db)}, { readonly: true }); d.exec('BEGIN'); d.prepare('SELECT count(*) FROM checkpoints').get(); console.log('reading'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      await new Promise((r) => reader.stdout.once('data', r))
      const r = cli(['runs', 'delete', id, '--vacuum', '--db', db])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^deleted ${id}\\nvacuumed, but ${db} stays \\d+ bytes for now: another process is reading it`))
    } finally {
      reader.kill()
    }
    const r = cli(['runs', 'delete', 'latest', '--vacuum', '--db', db])
    expect(r.stdout).toMatch(/^deleted r_\w+\nvacuumed: database \d+ -> \d+ bytes\n$/)
    const [, before, after] = /(\d+) -> (\d+)/.exec(r.stdout)!.map(Number)
    expect(after).toBeLessThan(before)
  })

  // A full disk needs a small file system of its own: a tmpfs, which only root may mount (Linux).
  const mountable = process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0
  it.skipIf(!mountable)('on a full disk: the run is deleted, the vacuum failure is reported with the reason, exit 1', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-vacuum-full-'))
    const mnt = join(dir, 'small')
    mkdirSync(mnt)
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]).status !== 0) ctx.skip('mounting a tmpfs needs root with CAP_SYS_ADMIN, which this machine does not give; the full disk is not tested here')
    try {
      const db = join(mnt, 'full.db')
      const ids = studioFile(db, 6, 1_000_000)
      // Fill what is left but a little: enough for the delete, not for VACUUM's new copy of the database.
      const free = statfsSync(mnt).bavail * statfsSync(mnt).bsize
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - 512 * 1024)))
      const r = cli(['runs', 'delete', ids[0], '--vacuum', '--db', db])
      expect(r.stdout, r.stderr).toBe(`deleted ${ids[0]}\n`)
      expect(r.stderr).toContain(`${ids[0]} was deleted, but the vacuum failed, so the file keeps its size (the space stays inside it, reused by later runs): the disk holding ${db} is full`)
      expect(r.code).toBe(1)
      expect(statSync(db).size).toBeGreaterThan(0)
      const list = cli(['runs', 'list', '--db', db, '--json'])
      expect(JSON.parse(list.stdout).runs.map((x: { runId: string }) => x.runId).sort()).toEqual(ids.slice(1).sort())
    } finally {
      spawnSync('umount', [mnt])
    }
  })
})
