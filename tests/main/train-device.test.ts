// `cnn-studio train --device`: gpu trains the sample on the GPU (SwiftShader here) and auto keeps the faster
// device with its reason, the CPU on a software adapter; the run records the device used and why.
// evaluate and predict --device gpu equal the CPU's; a GPU run killed with SIGKILL is interrupted with its
// finished epochs and resumes on the GPU from its checkpoint; `bench --device gpu` gives the benchmark's figures on the GPU with the adapter, and per layer with --profile. Where no
// adapter is found, gpu fails the run saying why (tested in tests/engine/gpu/choose.test.ts, as the engine).
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { CLI_ARGS, cli } from '../helpers/cli.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { TrainingService } from '../../src-main/services/training.ts'
import { gpu, noGpu } from '../engine/gpu/device.ts'
import { loadGpu, releaseGpu } from '../../src-engine/node/gpu/load.ts'

afterAll(releaseGpu)

const SAMPLE = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'cnn-device-'))
const env = { ...process.env, CNN_STUDIO_CACHE: join(work, 'cache') }
// A small net at 16x16 (the sample resized): SwiftShader is a CPU, shared.
const MODEL = join(work, 'tiny.cnn.json')
writeFileSync(MODEL, JSON.stringify({
  format: 'cnn-studio.graph', version: 1, name: 'tiny',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } },
    { id: 'c1', type: 'conv2d', attrs: { filters: 6, kernel: 3, stride: 2, padding: 'same' } }, { id: 'r1', type: 'relu' },
    { id: 'gap', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 3 } }, { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'c1'], ['c1', 'r1'], ['r1', 'gap'], ['gap', 'fc'], ['fc', 'out']],
}))
const DB = join(work, 'runs.db')
const train = (device: string, json: boolean) => cli(['train', MODEL, SAMPLE, '--epochs', '1', '--batch-size', '32', '--optimizer', 'sgd', '--lr', '0.1', '--device', device, '--db', DB, ...(json ? ['--json'] : [])], { env, timeout: 300_000 })

describe.skipIf(!gpu)(`train --device ${noGpu}`, () => {
  it('gpu trains the sample on the GPU; auto keeps the CPU on a software adapter, with its reason; the run records both', async () => {
    const loaded = await loadGpu()
    const software = loaded.device !== null && loaded.software
    const adapter = loaded.device ? loaded.adapterName : ''
    const g = train('gpu', true)
    expect(g.code, g.stderr).toBe(0)
    const run = JSON.parse(g.stdout)
    expect(run.status).toBe('completed')
    expect(run.epochs).toHaveLength(1)
    expect(run.epochs[0].trainLoss).toBeLessThan(1.2) // ln 3 = 1.10 at chance: a finite, sensible loss
    expect(run.settings).toMatchObject({ device: 'gpu', deviceUsed: 'gpu', deviceReason: `gpu: as asked (--device gpu, ${adapter})` })
    const a = train('auto', false) // in words: the device and why on stderr
    expect(a.code, a.stderr).toBe(0)
    const auto = JSON.parse(cli(['runs', 'show', 'latest', '--db', DB, '--json'], { env }).stdout)
    expect(auto.settings.device).toBe('auto')
    expect(auto.settings.deviceReason).toMatch(/^(cpu|gpu): /)
    expect(a.stderr).toContain(`device ${auto.settings.deviceReason}`)
    if (software) expect(auto.settings).toMatchObject({ deviceUsed: 'cpu', deviceReason: expect.stringMatching(new RegExp(`^cpu: the GPU \\(${adapter.replace(/[.()]/g, '\\$&')}\\) took .*x the CPU's time per step on this model$`)) })

    // evaluate and predict on the GPU give the CPU's report and probabilities, and say the device.
    const ev = (device: string[]) => cli(['evaluate', 'latest', '--db', DB, '--json', ...device], { env })
    const [ce, ge] = [ev([]), ev(['--device', 'gpu'])]
    expect(ge.code, ge.stderr).toBe(0)
    const [cpuEval, gpuEval] = [JSON.parse(ce.stdout), JSON.parse(ge.stdout)]
    expect(gpuEval.deviceReason).toBe(`gpu: as asked (--device gpu, ${adapter})`)
    expect(cpuEval.deviceReason).toBeUndefined()
    expect(gpuEval.confusion).toEqual(cpuEval.confusion)
    expect(gpuEval.loss).toBeCloseTo(cpuEval.loss, 4)
    const pr = (device: string[]) => JSON.parse(cli(['predict', 'latest', join(SAMPLE, 'circle'), '--db', DB, '--json', ...device], { env }).stdout)
    const [cp, gp] = [pr([]), pr(['--device', 'gpu'])]
    expect(gp.predictions.length).toBe(cp.predictions.length)
    gp.predictions.forEach((p: { probabilities: number[] }, i: number) => p.probabilities.forEach((v, c) => expect(v).toBeCloseTo(cp.predictions[i].probabilities[c], 5)))
    expect(cli(['predict', 'latest', join(SAMPLE, 'circle'), '--db', DB, '--device', 'tpu'], { env }).stderr).toContain("--device must be cpu, gpu or auto (got 'tpu')")
  })

  it('bench --device gpu prints the figures with the adapter, and --profile each layer; another device is a usage error', async () => {
    const loaded = await loadGpu()
    const adapter = loaded.device ? loaded.adapterName : ''
    const r = cli(['bench', '--device', 'gpu', '--model', MODEL, '--batch', '8', '--steps', '2', '--profile', '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    const b = JSON.parse(r.stdout)
    expect(b).toMatchObject({ model: 'tiny', adapterName: adapter, batch: 8, steps: 2 })
    expect(b.trainImagesPerSecond).toBeGreaterThan(0)
    expect(b.inferImagesPerSecond).toBeGreaterThan(0)
    expect(b.layers.map((l: { id: string }) => l.id)).toEqual(['c1', 'gap', 'fc', 'out'])
    const bad = cli(['bench', '--device', 'tpu'], { env })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain("--device must be cpu or gpu (got 'tpu')")
  })

  it('kill -9 mid-run on the GPU: the run is interrupted with its finished epochs, and resume completes it on the GPU', async () => {
    const db = join(work, 'kill.db')
    const child = spawn(process.execPath, [...CLI_ARGS, 'train', MODEL, SAMPLE, '--epochs', '40', '--batch-size', '32', '--val-split', '0.5', '--device', 'gpu', '--db', db], { stdio: 'ignore', env })
    const started = Date.now()
    for (;;) {
      await new Promise((r) => setTimeout(r, 300))
      try {
        const peek = new Database(db, { readonly: true, fileMustExist: true })
        const n = (peek.prepare('SELECT COUNT(*) AS n FROM epochs').get() as { n: number }).n
        peek.close()
        if (n >= 1) break
      } catch {
        // not created or not migrated yet
      }
      if (Date.now() - started > 120_000) throw new Error('no epoch recorded within two minutes')
    }
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const store = new Store(db)
    const svc = new TrainingService(store, { cacheDir: join(work, 'cache') })
    const [runId] = svc.recovered
    expect(store.getRun(runId).status).toBe('interrupted')
    const done = store.epochs(runId).length
    expect(store.checkpoint(runId, 'last')!.epoch).toBe(done)
    store.db.prepare('UPDATE runs SET settings = json_set(settings, \'$.epochs\', ?) WHERE id = ?').run(done + 1, runId)
    await svc.resume(runId)
    await svc.whenIdle()
    const run = store.getRun(runId)
    expect(run.status).toBe('completed')
    expect(run.settings).toMatchObject({ device: 'gpu', deviceUsed: 'gpu' })
    const epochs = store.epochs(runId)
    expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: done + 1 }, (_, i) => i + 1))
    expect(Number.isFinite(epochs.at(-1)!.trainLoss)).toBe(true)
    store.close()
  })
})
