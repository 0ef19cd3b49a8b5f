// The training service on a real SQLite file, real images and real worker threads: refusals write
// nothing, subscribers see the same events, and a run killed with SIGKILL is recovered and resumed.
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { firstError, trainingChecks } from '../../../src-engine/core/train/checks.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { ServiceError } from '../../../src-main/services/errors.ts'
import type { RunEvent } from '../../../src-main/api/contract.ts'
import { writeMnistFolder } from '../../fixtures/mnist.ts'
import { CLI_ARGS, cli } from '../../helpers/cli.ts'
import { put, solid } from '../../fixtures/images/make.ts'

const lenetPath = new URL('../../../resources/templates/lenet5.cnn.json', import.meta.url).pathname
const lenet = parseModelFile(readFileSync(lenetPath, 'utf8'))
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
let digits: string
const cacheDir = tmp('cnn-svc-cache-')
beforeAll(async () => {
  digits = await writeMnistFolder(tmp('cnn-svc-digits-'), 60)
})
const count = (s: Store, table: string) => (s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n

describe('refused at the door, nothing written', () => {
  const bad: [string, unknown, RegExp][] = [
    ["a negative learning rate", { lr: -0.1 }, /lr: .*>0/],
    ['batch size 0', { batchSize: 0 }, /batchSize: .*>=\s*1|batchSize/],
    ['10^9 epochs', { epochs: 1e9 }, /epochs/],
    ['a wrong type', { epochs: 'ten' }, /epochs: .*number/],
    ['an unknown setting', { learningRate: 0.1 }, /learningRate|Unrecognized/],
  ]
  it.each(bad)('%s', async (_n, settings, why) => {
    const store = new Store(join(tmp('cnn-svc-'), 'x.db'))
    const svc = new TrainingService(store, { cacheDir })
    const err = await svc.start({ model: lenet, datasetDir: digits, settings }).catch((e) => e)
    expect(err).toBeInstanceOf(ServiceError)
    expect(err.code).toBe('INVALID_SETTINGS')
    expect(err.message).toMatch(why)
    expect([count(store, 'runs'), count(store, 'models'), count(store, 'datasets')]).toEqual([0, 0, 0])
    store.close()
  })

  it('a model with errors, a model whose classes do not match, an unusable dataset', async () => {
    const store = new Store(join(tmp('cnn-svc-'), 'x.db'))
    const svc = new TrainingService(store, { cacheDir })
    const broken = { ...lenet, nodes: lenet.nodes.filter((n) => n.id !== 'flat'), edges: [...lenet.edges.filter((e) => !e.includes('flat')), ['s4', 'f5'] as [string, string]] }
    expect(await svc.start({ model: broken, datasetDir: digits }).catch((e) => e.code)).toBe('INVALID_MODEL')
    const three = { ...lenet, nodes: lenet.nodes.map((n) => (n.id === 'out' ? { ...n, attrs: { units: 3 } } : n)) }
    expect(await svc.start({ model: three, datasetDir: digits }).catch((e) => e.message)).toMatch(/ends in 3 classes but .* has 10/)
    const one = tmp('cnn-one-')
    put(one, 'only/1.png', await solid(4, 4, 1, [1]).png().toBuffer())
    expect(await svc.start({ model: lenet, datasetDir: one }).catch((e) => e.code)).toBe('UNUSABLE_DATASET')
    expect(count(store, 'runs')).toBe(0)
    store.close()
  })

  // The service refuses on the first error of core/train/checks.ts, with its message: the page's preflight
  // (tests/renderer/train-compare-stores.test.ts) shows the same list before Start.
  it('refuses on the first failed training check, with the message the page shows, and writes nothing', async () => {
    const store = new Store(join(tmp('cnn-svc-'), 'x.db'))
    const svc = new TrainingService(store, { cacheDir: tmp('cnn-svc-nocache-') })
    const refusal = async (model: ModelFile) => {
      const err = await svc.start({ model, datasetDir: digits }).catch((e) => e)
      expect(err).toBeInstanceOf(ServiceError)
      const a = analyzeGraph(model, { forTraining: true })
      const first = firstError(trainingChecks(a, { root: digits, classes: [...Array(10).keys()].map(String), images: 60 }, { batchSize: 32, optimizer: 'adam' }, { availableBytes: Infinity, totalBytes: Infinity, cores: 1 }))!
      expect([err.code, err.message]).toEqual([first.code, first.message])
      return err as ServiceError
    }
    const four = { ...lenet, nodes: lenet.nodes.map((n) => (n.type === 'input' ? { ...n, attrs: { ...n.attrs, channels: 4 } } : n)) }
    expect((await refusal(four)).message).toMatch(/^input in: 4 channels describe a feature map/)
    const noSoftmax = { ...lenet, nodes: lenet.nodes.filter((n) => n.type !== 'softmax'), edges: lenet.edges.filter(([, to]) => lenet.nodes.find((n) => n.id === to)!.type !== 'softmax') }
    expect((await refusal(noSoftmax)).message).toMatch(/must end in softmax/)
    const three = { ...lenet, nodes: lenet.nodes.map((n) => (n.id === 'out' ? { ...n, attrs: { units: 3 } } : n)) }
    expect((await refusal(three)).message).toBe(`the model ends in 3 classes but the dataset has 10 (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), in ${digits}; set the last dense layer's units to 10`)
    // Over 44.7M parameters its checkpoint could not be stored after the first epoch: refused before any image is decoded.
    const huge = parseModelFile({
      format: 'cnn-studio.graph', version: 1,
      nodes: [{ id: 'in', type: 'input', attrs: { height: 28, width: 28, channels: 1 } }, { id: 'f', type: 'flatten' }, { id: 'wide', type: 'dense', attrs: { units: 57_100 } }, { id: 'fc', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' }],
      edges: [['in', 'f'], ['f', 'wide'], ['wide', 'fc'], ['fc', 'out']],
    })
    const tooBig = await refusal(huge)
    expect(tooBig.code).toBe('MODEL_TOO_LARGE')
    expect(tooBig.message).toMatch(/^the model has 45,\d{3},\d{3} parameters: its checkpoint with adam would take 5\d\d,\d{3},\d{3} bytes \(12 bytes a parameter\), more than the 536,870,880 bytes/)
    expect([count(store, 'runs'), count(store, 'models'), count(store, 'datasets'), count(store, 'checkpoints')]).toEqual([0, 0, 0, 0])
    store.close()
  })
})

describe('running', () => {
  it('two subscribers get the same events; epochs, checkpoints and the evaluation are recorded', async () => {
    const store = new Store(join(tmp('cnn-svc-'), 'x.db'))
    const svc = new TrainingService(store, { cacheDir })
    const a: RunEvent[] = [], b: RunEvent[] = []
    svc.subscribe((e) => a.push(e))
    svc.subscribe((e) => b.push(e))
    const { runId } = await svc.start({ model: lenet, datasetDir: digits, settings: { epochs: 2, batchSize: 16 } })
    await svc.whenIdle()
    expect(a).toEqual(b)
    expect(a.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status)).toEqual(['queued', 'running', 'completed'])
    expect(a.filter((e) => e.type === 'epoch')).toHaveLength(2)
    expect(a.some((e) => e.type === 'progress')).toBe(true)
    const run = store.getRun(runId)
    expect(run.status).toBe('completed')
    expect(run.final?.valAccuracy).toBeGreaterThan(0.3)
    expect(store.epochs(runId)).toHaveLength(2)
    expect(store.checkpoint(runId, 'last')?.epoch).toBe(2)
    const [ev] = store.evaluations(runId)
    expect(ev.confusion.flat().reduce((s, v) => s + v, 0)).toBe(120) // 20% of 600
    store.close()
  })

  it('a paused run reports nothing after its paused status, and resumes from where it halted', async () => {
    const store = new Store(join(tmp('cnn-svc-'), 'x.db'))
    const svc = new TrainingService(store, { cacheDir })
    const events: RunEvent[] = []
    let asked = false
    svc.subscribe((e) => {
      events.push(e)
      if (e.type === 'progress' && !asked) {
        asked = true
        const id = e.runId
        setTimeout(() => svc.pause(id), 0) // as a request would come: while the next step is on the workers
      }
    })
    const { runId } = await svc.start({ model: lenet, datasetDir: digits, settings: { epochs: 30, batchSize: 8, workers: 2 } })
    const statusAt = () => events.findIndex((e) => e.type === 'status' && e.status === 'paused')
    for (let i = 0; statusAt() < 0; i++) {
      if (i > 600) throw new Error('no paused status within a minute')
      await new Promise((r) => setTimeout(r, 100))
    }
    await new Promise((r) => setTimeout(r, 500))
    expect(events.slice(statusAt() + 1)).toEqual([]) // no progress, no epoch: nothing moves while paused
    expect(store.getRun(runId).status).toBe('paused')
    await svc.resume(runId)
    expect(store.getRun(runId).status).toBe('running')
    svc.stop(runId)
    await svc.whenIdle()
    expect(store.getRun(runId).status).toBe('stopped')
    store.close()
  })

  it('kill -9 mid-run: the file opens cleanly, the run is interrupted with its finished epochs, and resume completes it', async () => {
    const db = join(tmp('cnn-kill-'), 'k.db')
    const child = spawn(process.execPath, [...CLI_ARGS, 'train', lenetPath, digits, '--epochs', '40', '--batch-size', '8', '--workers', '1', '--db', db], { stdio: 'ignore', env: { ...process.env, CNN_STUDIO_CACHE: cacheDir } })
    // Wait until at least one epoch is recorded, reading the database read-only as an outside reader would.
    const started = Date.now()
    for (;;) {
      await new Promise((r) => setTimeout(r, 200))
      try {
        const peek = new Database(db, { readonly: true, fileMustExist: true })
        const n = (peek.prepare('SELECT COUNT(*) AS n FROM epochs').get() as { n: number }).n
        peek.close()
        if (n >= 1) break
      } catch {
        // not created or not migrated yet
      }
      if (Date.now() - started > 60_000) throw new Error('no epoch recorded within a minute')
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))

    const store = new Store(db)
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok')
    const svc = new TrainingService(store, { cacheDir })
    const [runId] = svc.recovered
    const run = store.getRun(runId)
    expect(run.status).toBe('interrupted')
    const done = store.epochs(runId).length
    expect(done).toBeGreaterThanOrEqual(1)
    expect(store.checkpoint(runId, 'last')!.epoch).toBe(done)
    // resume with fewer epochs left to keep the test short: the run continues at epoch done + 1
    store.db.prepare('UPDATE runs SET settings = json_set(settings, \'$.epochs\', ?) WHERE id = ?').run(done + 1, runId)
    await svc.resume(runId)
    await svc.whenIdle()
    expect(store.getRun(runId).status).toBe('completed')
    expect(store.epochs(runId).map((e) => e.epoch)).toEqual(Array.from({ length: done + 1 }, (_, i) => i + 1))
    store.close()
  })
})

describe('the CLI', () => {
  it('Ctrl-C during train stops the run cleanly and records it as stopped', async () => {
    const db = join(tmp('cnn-sigint-'), 's.db')
    const child = spawn(process.execPath, [...CLI_ARGS, 'train', lenetPath, digits, '--epochs', '200', '--batch-size', '8', '--workers', '1', '--db', db], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CNN_STUDIO_CACHE: cacheDir } })
    let err = ''
    child.stderr!.on('data', (d) => (err += d))
    while (!/epoch 1:/.test(err)) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    const code = await new Promise((r) => child.once('exit', r))
    expect(code).toBe(1) // the work ran; the answer (a stopped run) is not a completed one
    expect(err).toMatch(/stopping after this step/)
    const store = new Store(db)
    const [run] = store.listRuns()
    expect(run.status).toBe('stopped')
    expect(store.epochs(run.runId).length).toBeGreaterThanOrEqual(1)
    store.close()
  })

  it('train --json prints the spec keys; runs list, show and compare', () => {
    const db = join(tmp('cnn-cli-'), 'c.db')
    const env = { ...process.env, CNN_STUDIO_CACHE: cacheDir }
    const r1 = cli(['train', lenetPath, digits, '--epochs', '2', '--db', db, '--json'], { env })
    expect(r1.code).toBe(0)
    const j = JSON.parse(r1.stdout)
    for (const k of ['runId', 'status', 'epochs', 'final', 'imagesPerSecond', 'skipped']) expect(j).toHaveProperty(k)
    expect(j.status).toBe('completed')
    expect(Object.keys(j.epochs[0])).toEqual(expect.arrayContaining(['epoch', 'trainLoss', 'trainAccuracy', 'valLoss', 'valAccuracy', 'seconds']))
    expect(j.final).toHaveProperty('valAccuracy')
    const r2 = cli(['train', lenetPath, digits, '--epochs', '2', '--lr', '0.003', '--db', db, '--json'], { env })
    const j2 = JSON.parse(r2.stdout)
    const list = JSON.parse(cli(['runs', 'list', '--db', db, '--json']).stdout)
    expect(list.runs.map((r: { runId: string }) => r.runId)).toEqual([j2.runId, j.runId])
    for (const k of ['runId', 'name', 'status', 'createdAt', 'model', 'dataset', 'final']) expect(list.runs[0]).toHaveProperty(k)
    expect(JSON.parse(cli(['runs', 'show', 'latest', '--db', db, '--json']).stdout).runId).toBe(j2.runId)
    const cmp = cli(['runs', 'compare', j.runId, j2.runId, '--db', db])
    expect(cmp.stdout).toMatch(/│ lr\s+│ 0\.001\s+│ 0\.003/)
    expect(cmp.stdout).toContain('same architecture')
    const cj = JSON.parse(cli(['runs', 'compare', j.runId, j2.runId, '--db', db, '--json']).stdout)
    expect(Object.keys(cj.differences)).toEqual(['lr'])
    expect(cli(['runs', 'show', 'r_missing', '--db', db]).code).toBe(2)
    expect(cli(['train', lenetPath, digits, '--batch-size', '0', '--db', db]).code).toBe(2)
  })
})
