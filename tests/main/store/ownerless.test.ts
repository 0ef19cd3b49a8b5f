// A run an older studio (schema 2: no owner, no heartbeat) is still training in another process when this
// studio upgrades the file (issue 21, item 13): it must not be taken as interrupted at once, which let it be
// resumed and trained twice. It is alive while another process has the database open and its last progress
// (stamped by the upgrade, and by every epoch that studio records) is recent; gone once neither holds.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StoreError } from '../../../src-main/services/store/open.ts'
import { OWNERLESS_STALE_MS } from '../../../src-main/services/store/owner.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { thrown } from '../../helpers/errors.ts'
import { olderStudioFile } from './old-files.ts'

/** A schema-2 file (before owners were recorded) with one run it is training, as that studio left it. */
const schema2File = () => olderStudioFile(join(mkdtempSync(join(tmpdir(), 'cnn-ownerless-')), 'old.db'), 2, 'running')

/** The older studio: holds the file open as it does while training, and records an epoch when told to (as its recordEpoch did). */
function olderStudio(file: string): Promise<ChildProcessWithoutNullStreams & { say(line: string): Promise<void> }> {
  const child = spawn(process.execPath, ['-e', `
    const D = require('better-sqlite3'); const d = new D(${JSON.stringify(file)}); d.pragma('busy_timeout = 5000')
    d.prepare('SELECT count(*) FROM runs').get()
    let epoch = 0
    require('readline').createInterface({ input: process.stdin }).on('line', () => {
      epoch++
      d.prepare('INSERT OR REPLACE INTO epochs (run_id, epoch, train_loss, train_accuracy, lr, seconds, images_per_second) VALUES (?, ?, 1, 0.5, 0.01, 1, 1)').run('r_old', epoch)
      console.log('done')
    })
    console.log('ready')`]) as ChildProcessWithoutNullStreams & { say(line: string): Promise<void> }
  const next = () => new Promise<void>((r) => child.stdout.once('data', () => r()))
  child.say = (line) => { const p = next(); child.stdin.write(`${line}\n`); return p }
  return next().then(() => child)
}

let child: ChildProcessWithoutNullStreams | null = null
afterEach(() => { child?.kill() })

const claimFails = (s: Store) => thrown(() => s.claim('r_old'), StoreError)

describe('a run an older studio is still training', () => {
  it('after the upgrade it reads as running and cannot be resumed here; once that studio is gone it is interrupted', async () => {
    const file = schema2File()
    const older = await olderStudio(file)
    child = older
    const s = new Store(file) // migrates the file to this schema while the older studio has it open
    expect(s.getRun('r_old').status).toBe('running')
    const e = claimFails(s)
    expect(e.code).toBe('IN_USE')
    expect(e.message).toMatch(/run r_old is running in an older CNN Studio, which records no owner: .*you cannot resume it from here/)
    // That studio still writes its epochs into the migrated file, and each counts as progress.
    s.db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(Date.now() - OWNERLESS_STALE_MS - 60_000, 'r_old')
    expect(s.getRun('r_old').status).toBe('interrupted') // an hour without progress
    expect(s.getRun('r_old').error).toMatch(/older studio that did not record its process, and its last progress was 61 min ago/)
    await older.say('epoch')
    expect(s.getRun('r_old').status).toBe('running')
    older.kill()
    await new Promise((r) => older.once('exit', r))
    const gone = s.getRun('r_old')
    expect(gone.status).toBe('interrupted')
    expect(gone.error).toMatch(/older studio that did not record its process, and no other process has the database open/)
    s.claim('r_old') // now it can be resumed
    expect(s.getRun('r_old').ownedHere).toBe(true)
    s.close()
  })
})
