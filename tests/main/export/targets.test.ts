// Where an export may write (issue 21, items 3, 9 and 11): never over the experiment database or its -wal
// and -shm (also through a symlinked folder), never onto a FIFO or a device, never over a file of the
// user's without --force, while an earlier export of the same kind is replaced; the files go through
// temporaries that a failure removes, and those a killed export left are swept by the next one.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { analyzeGraph } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'
import { exportRun, type ExportOptions } from '../../../src-main/services/export/export.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { ServiceError } from '../../../src-main/services/errors.ts'
import { cli } from '../../helpers/cli.ts'
import { chainModel } from '../../helpers/graphs.ts'

const tmp = (p = 'cnn-export-targets-') => mkdtempSync(join(tmpdir(), p))
const model = chainModel([8, 8, 3], [['c1', 'conv2d', { filters: 4, kernel: 3 }], ['r1', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']])
const work = tmp()
const db = join(work, 'j.db')
let runId: string

/** A run with one finished epoch whose checkpoint holds the network's initial weights, recorded as training would. */
beforeAll(() => {
  const net = new Network(analyzeGraph(model, { forTraining: true }), referenceKernels('float32'), 1, 1)
  const weights = encodeWeights(net.layout().map((p) => ({ name: p.name, data: net.paramBlock.subarray(p.offset, p.offset + p.size) })))
  const store = new Store(db)
  runId = store.createRun({ name: 'r', settings: {}, modelId: store.saveModel(model).id, datasetId: null, splitSeed: 1 })
  store.recordEpoch(runId, { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, lr: 0.01, seconds: 1, imagesPerSecond: 1 }, [], weights)
  store.setStatus(runId, 'completed')
  store.close()
})

async function exporting(opts: ExportOptions): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  const store = new Store(db, { readonly: true })
  try {
    await exportRun(store, runId, { paritySample: 2, ...opts })
    return { ok: true }
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e
    return { ok: false, code: e.code, message: e.message }
  } finally {
    store.close()
  }
}

describe('export never writes over the experiment database', () => {
  it('the issue\'s case: export R --format weights --db j.db --out j.db refuses, and every run is still there', () => {
    const before = readFileSync(db)
    const r = cli(['export', runId, '--format', 'weights', '--db', db, '--out', db])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`cannot write ${db}: it is the experiment database (${db}), which the export reads from; writing there would destroy every run`)
    expect(readFileSync(db).equals(before)).toBe(true)
    const list = cli(['runs', 'list', '--db', db, '--json'])
    expect(JSON.parse(list.stdout).runs.map((x: { runId: string }) => x.runId)).toEqual([runId])
  })

  it('nor its -wal or -shm, nor through a symlinked folder, nor with --force', async () => {
    const link = join(tmp(), 'linked')
    symlinkSync(work, link)
    for (const [out, what] of [[`${db}-wal`, 'write-ahead log'], [`${db}-shm`, 'shared-memory index'], [join(link, 'j.db'), 'the experiment database']] as const) {
      const r = await exporting({ format: 'weights', out, force: true })
      expect(r, out).toMatchObject({ ok: false, code: 'FILE_EXISTS', message: expect.stringContaining(what) })
    }
    // The weights sidecar of `j.cnn.json` is `j.weights`; a main file whose sidecar would be the database is refused too.
    const r = await exporting({ format: 'pytorch', out: join(work, 'j.py'), force: true })
    expect(r.ok).toBe(true)
    expect(existsSync(db)).toBe(true)
  })
})

describe('targets that are not regular files', () => {
  it.skipIf(process.platform === 'win32')('a FIFO and a device are refused, even with --force, and stay what they were', async () => {
    const fifo = join(tmp(), 'pipe.cnn.json')
    execFileSync('mkfifo', [fifo])
    for (const out of [fifo, '/dev/null']) {
      const r = await exporting({ format: 'weights', out, force: true })
      expect(r, out).toMatchObject({ ok: false, code: 'FILE_EXISTS', message: expect.stringMatching(/is a (FIFO \(named pipe\)|character device), not a regular file/) })
    }
    expect(statSync(fifo).isFIFO()).toBe(true)
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true)
  })
})

describe('existing files', () => {
  it('a file of the user\'s is replaced only with --force; an earlier export of the same kind is replaced', async () => {
    const dir = tmp()
    for (const [format, name] of [['weights', 'm.cnn.json'], ['pytorch', 'train.py'], ['onnx', 'm.onnx']] as const) {
      const out = join(dir, name)
      writeFileSync(out, 'my own notes\n')
      const r = await exporting({ format, out })
      expect(r, format).toMatchObject({ ok: false, code: 'FILE_EXISTS', message: `${out} already exists and is not ${{ weights: 'a model file with its weights beside it', pytorch: 'a PyTorch script', onnx: 'an ONNX model' }[format]} that CNN Studio exported; choose another --out, or add --force to replace it` })
      expect(readFileSync(out, 'utf8')).toBe('my own notes\n')
      expect(await exporting({ format, out, force: true }), format).toEqual({ ok: true })
      // Now it is an earlier export: a second export replaces it without --force.
      expect(await exporting({ format, out }), format).toEqual({ ok: true })
    }
    // A sidecar of the user's stops the export too (and the main file is not written).
    writeFileSync(join(dir, 'n.weights'), 'mine')
    expect(await exporting({ format: 'weights', out: join(dir, 'n.cnn.json') })).toMatchObject({ ok: false, message: expect.stringContaining('n.weights already exists and is not a weights file') })
    expect(existsSync(join(dir, 'n.cnn.json'))).toBe(false)
    // An export of another kind is not replaced without --force.
    expect(await exporting({ format: 'weights', out: join(dir, 'train.py') })).toMatchObject({ ok: false, code: 'FILE_EXISTS' })
    expect(readdirSync(dir).filter((f) => f.includes('tmp'))).toEqual([])
  })
})

describe('temporary files', () => {
  it('those a killed export left are swept by the next export of the same name; other files are not touched', async () => {
    const dir = tmp()
    const dead = 2 ** 22 + 12345 // above Linux's pid_max default: no such process
    const left = [`.m.cnn.json.cnn-tmp-${dead}-abcdef`, `.m.weights.cnn-tmp-${dead}-012345`, `.m.weights.${dead}.a1b2c3.tmp`]
    for (const f of left) writeFileSync(join(dir, f), 'half of an export')
    writeFileSync(join(dir, `.other.cnn-tmp-${dead}-abcdef`), 'not this name')
    expect(await exporting({ format: 'weights', out: join(dir, 'm.cnn.json') })).toEqual({ ok: true })
    expect(readdirSync(dir).sort()).toEqual([`.other.cnn-tmp-${dead}-abcdef`, 'm.cnn.json', 'm.weights'])
  })

  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)('a write that fails (a read-only folder) removes its temporaries and says why', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'm.cnn.json'), 'x')
    execFileSync('chmod', ['a-w', dir])
    try {
      const r = await exporting({ format: 'weights', out: join(dir, 'm.cnn.json'), force: true })
      expect(r).toMatchObject({ ok: false, message: expect.stringMatching(/not writable \(permission denied\)/) })
    } finally {
      execFileSync('chmod', ['u+w', dir])
    }
    expect(readdirSync(dir)).toEqual(['m.cnn.json'])
  })
})
