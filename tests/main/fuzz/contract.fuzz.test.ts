// Property: any command with any payload, straight into `validate` and into a real host (a real Store on a
// temporary SQLite file), gives a result or a coded error: `validate` never throws, `host.invoke` never
// throws or rejects, every reply is short and crosses the wire as JSON, and the database stays sound.
// No real training starts: folders that would start a run point at paths that do not exist.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { COMMANDS, validate, type Reply } from '../../../src-main/api/contract.ts'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { put, solid } from '../../fixtures/images/make.ts'
import { count, report, runs } from './runs.ts'

const NAMES = Object.keys(COMMANDS)
const base = mkdtempSync(join(tmpdir(), 'cnn-fuzz-contract-'))
const dbFile = join(base, 'fuzz.db')
const MISSING = join(base, 'missing')
const lenet = JSON.parse(readFileSync(new URL('../../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8'))
let host: Host
const seeded: string[] = []

beforeAll(async () => {
  for (const [c, v] of [['a', 10], ['a', 20], ['b', 200], ['b', 220]] as const) put(tiny, `${c}/${v}.png`, await solid(6, 6, 1, [v]).png().toBuffer())
  // A few finished runs, so run ids the fuzzer picks can name real rows (recorded as the service would).
  const store = new Store(dbFile)
  const model = store.saveModel(parseModelFile(lenet))
  for (const [i, status] of (['completed', 'failed', 'stopped', 'interrupted'] as const).entries()) {
    const id = store.createRun({ name: `seeded ${i}`, settings: { lr: 0.001, datasetDir: MISSING, testDir: null }, modelId: model.id, datasetId: null, splitSeed: 1 })
    store.setStatus(id, 'running')
    store.setStatus(id, status, { final: { valAccuracy: 0.5 } })
    seeded.push(id)
  }
  store.close()
  host = createHost({ dbPath: dbFile, cacheDir: join(base, 'cache') })
})
afterAll(async () => {
  await host.service.whenIdle()
  host.close()
  report('contract')
})

const anyValue = fc.anything({ maxDepth: 4, withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withObjectString: true })
const runId = fc.oneof(fc.constantFrom(...['r_0', 'r_nothere']), fc.stringMatching(/^r_[a-z0-9]{1,16}$/), fc.nat(10).map((i) => seeded[i % 4]), fc.string())
const settings = fc.dictionary(fc.constantFrom('name', 'epochs', 'batchSize', 'optimizer', 'lr', 'momentum', 'nesterov', 'weightDecay', 'schedule', 'warmupEpochs', 'valSplit', 'seed', 'augment', 'workers', 'zz'), fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double(), fc.constantFrom('adam', 'sgd', 'cosine', 'flip', ''), fc.boolean(), anyValue), { maxKeys: 5 })
const model = fc.oneof(fc.constant(lenet), anyValue, fc.record({ format: fc.constant('cnn-studio.graph'), version: fc.constantFrom(1, 2, -1), nodes: fc.array(fc.record({ id: fc.string(), type: fc.string() }), { maxLength: 3 }), edges: fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }) }))
const path = fc.string({ maxLength: 40 }).map((s) => join(MISSING, s)) // never a folder that exists

/** A payload shaped like the command's, with any field wrong; or anything at all. */
const payload = fc.oneof(
  anyValue,
  fc.record({ model, forTraining: fc.oneof(fc.boolean(), anyValue) }, { requiredKeys: [] }),
  fc.record({ dir: fc.oneof(path, anyValue) }, { requiredKeys: [] }),
  fc.record({ runId }, { requiredKeys: [] }),
  fc.record({ runIds: fc.oneof(fc.array(runId, { maxLength: 9 }), anyValue) }, { requiredKeys: [] }),
  fc.record({ model, datasetDir: path, testDir: path, settings: fc.oneof(settings, anyValue), extra: anyValue }, { requiredKeys: [] }),
)
// Each command with a payload of its own shape (any field may still be wrong), most of the time.
const tiny = join(base, 'tiny') // a real two-class folder, for datasets.inspect only
const SHAPED: Record<string, fc.Arbitrary<unknown>> = {
  'models.analyze': fc.record({ model, forTraining: fc.boolean() }, { requiredKeys: ['model'] }),
  'datasets.inspect': fc.record({ dir: fc.oneof(path, fc.constant(tiny), fc.constant(join(tiny, 'a', '0.png'))) }),
  'runs.start': fc.record({ model, datasetDir: path, testDir: path, settings }, { requiredKeys: ['model', 'datasetDir'] }),
  'runs.compare': fc.record({ runIds: fc.array(runId, { minLength: 2, maxLength: 3 }) }),
  // Folders that are not run folders (or not there): refused, nothing written.
  'runs.import': fc.record({ dir: fc.oneof(path, fc.constant(base), fc.constant(tiny)), dataDir: path }, { requiredKeys: ['dir'] }),
  'designs.autosave': fc.record({ model, path: fc.oneof(path, fc.constant(null)), dirty: fc.boolean() }),
  'prefs.get': fc.constant(undefined),
  'prefs.set': fc.record({ theme: fc.constantFrom('light', 'dark'), recentFolders: fc.array(path, { maxLength: 3 }) }, { requiredKeys: [] }),
  // No dialogs in a browser's host: these answer null and write nothing, whatever the path says.
  'dialogs.saveModel': fc.record({ model, path, suggestedName: fc.string() }, { requiredKeys: ['model'] }),
  // Never over the database, whatever `force` says (issue 21); seeded runs have no checkpoint, so nothing is written.
  'runs.export': fc.record({ runId, format: fc.constantFrom('onnx', 'pytorch', 'weights'), out: fc.oneof(path, fc.constant(dbFile), fc.constant(`${dbFile}-wal`)), force: fc.boolean() }, { requiredKeys: ['runId', 'format', 'out'] }),
  // Seeded runs have no checkpoint: refused before any folder named by testDir is read.
  'runs.predictionDiff': fc.record({ a: runId, b: runId, testDir: path }, { requiredKeys: ['a', 'b'] }),
  'runs.update': fc.record({ runId, note: fc.oneof(fc.string(), fc.constant('cut \uD83D')), tags: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }) }, { requiredKeys: ['runId'] }),
  ...Object.fromEntries(['runs.get', 'runs.pause', 'runs.resume', 'runs.stop', 'runs.delete'].map((c) => [c, fc.record({ runId })])),
}
const shapedCall = fc.constantFrom(...NAMES).chain((c) => fc.tuple(fc.constant(c), fc.oneof({ weight: 3, arbitrary: SHAPED[c] ?? fc.constant(undefined) }, { weight: 1, arbitrary: payload })))

const command = fc.oneof(fc.constantFrom(...NAMES), fc.constantFrom('toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__lookupGetter__', 'runs', 'runs.', ''), fc.string(), anyValue)

function expectReply(r: Reply): void {
  expect(typeof r.ok).toBe('boolean')
  if (r.ok) {
    expect('result' in r).toBe(true)
    count('result')
  } else {
    expect(r.error.code).toMatch(/^[A-Z_]+$/)
    expect(typeof r.error.message).toBe('string')
    expect(r.error.message.length).toBeLessThanOrEqual(1001)
    // fields, when given: at most 32, each path and message clipped like the message's echoes
    if (r.error.fields !== undefined) {
      const f = Object.entries(r.error.fields)
      expect(f.length).toBeGreaterThan(0)
      expect(f.length).toBeLessThanOrEqual(32)
      for (const [path, why] of f) expect([typeof why, path.length <= 81, why.length <= 161]).toEqual(['string', true, true])
      count('fields')
    }
    count(r.error.code)
  }
  JSON.stringify(r)
}

describe('the contract, fuzzed', () => {
  it('validate never throws: a command and payload, or a coded error', () => {
    fc.assert(fc.property(command, payload, (c, p) => {
      const v = validate(c, p)
      if (!v.ok) expect(v.error.code).toMatch(/^(UNKNOWN_COMMAND|INVALID_REQUEST)$/)
      else expect(NAMES).toContain(v.command)
    }), runs(1500))
  })

  it('host.invoke never throws or rejects: a result or a coded error, short, and JSON', async () => {
    await fc.assert(fc.asyncProperty(command, payload, async (c, p) => {
      expectReply(await host.invoke(c, p))
    }), runs(400))
    await host.service.whenIdle()
  })

  it('every command, one after another with shaped payloads, then the database passes integrity_check', async () => {
    await fc.assert(fc.asyncProperty(fc.array(shapedCall, { minLength: 1, maxLength: 6 }), async (calls) => {
      for (const [c, p] of calls) {
        const t = Date.now()
        const r = await host.invoke(c, p)
        if (process.env.FUZZ_DEBUG && Date.now() - t > 500) process.stderr.write(`slow ${Date.now() - t} ms: ${c} ${JSON.stringify(p)?.slice(0, 300)} -> ${JSON.stringify(r).slice(0, 300)}\n`)
        expectReply(r)
      }
    }), runs(150))
    await host.service.whenIdle()
    expectReply(await host.invoke('runs.list', undefined))
    const db = new Database(dbFile, { readonly: true })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })
})
