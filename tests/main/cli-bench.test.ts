// `cnn-studio bench --profile --model FILE` through the real command: any model file is profiled on
// synthetic data of its input shape, layer by layer; bad input is refused with one line and exit 2.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli.ts'

const tmp = mkdtempSync(join(tmpdir(), 'cnn-bench-'))
// A small grey-image model with a branch: a 3x3 stride-1 conv wide enough for Winograd, a 1x1, an add.
const model = join(tmp, 'branchy.cnn.json')
writeFileSync(model, JSON.stringify({
  format: 'cnn-studio.graph', version: 1, name: 'Branchy',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 12, width: 12, channels: 1 } },
    { id: 'c1', type: 'conv2d', attrs: { filters: 8, kernel: 3, padding: 'same' } }, { id: 'r1', type: 'relu' },
    { id: 'c2', type: 'conv2d', attrs: { filters: 8, kernel: 3, padding: 'same' } }, { id: 'side', type: 'conv2d', attrs: { filters: 8, kernel: 1 } },
    { id: 'sum', type: 'add' }, { id: 'p', type: 'maxpool2d', attrs: { size: 2 } }, { id: 'gap', type: 'globalavgpool' },
    { id: 'fc', type: 'dense', attrs: { units: 3 } }, { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 'c1'], ['c1', 'r1'], ['r1', 'c2'], ['r1', 'side'], ['c2', 'sum'], ['side', 'sum'], ['sum', 'p'], ['p', 'gap'], ['gap', 'fc'], ['fc', 'out']],
}))

describe('cnn-studio bench --profile', () => {
  it('profiles a model file: every layer with its three passes, the time outside the layers, memory per epoch', () => {
    const r = cli(['bench', '--model', model, '--batch', '8', '--epochs', '3', '--steps', '2', '--workers', '2', '--json'], { timeout: 300_000 })
    expect(r.stderr).not.toMatch(/cnn-studio:/)
    expect(r.code).toBe(0)
    const [p] = JSON.parse(r.stdout)
    expect(p).toMatchObject({ model: 'Branchy', batch: 8, workers: 2, optimizer: 'sgd', steps: 4 })
    expect(p.layers.map((l: { id: string }) => l.id)).toEqual(['c1', 'c2', 'side', 'sum', 'p', 'gap', 'fc', 'out'])
    for (const l of p.layers) {
      for (const k of ['forwardMs', 'backwardDataMs', 'backwardWeightsMs', 'share']) expect(l[k]).toBeGreaterThanOrEqual(0)
      if (l.type === 'conv2d' || l.type === 'dense') expect(l.forwardGflops).toBeGreaterThan(0)
      else expect(l.forwardGflops).toBeNull()
    }
    // c1 reads the image: no input gradient; c2 does compute one.
    expect(p.layers[0].backwardDataGflops).toBeNull()
    expect(p.layers[1].backwardDataGflops).toBeGreaterThan(0)
    expect(p.layers[1].backwardWeightsMs).toBeGreaterThan(0)
    expect(Object.keys(p.outside)).toEqual(expect.arrayContaining(['scatter', 'copyIn', 'messaging', 'gradSum', 'optimizer', 'broadcast']))
    expect(p.peakRssMbPerEpoch).toHaveLength(3)
    expect(p.trainImagesPerSecond).toBeGreaterThan(0)
    expect(p.inferImagesPerSecond).toBeGreaterThan(0)
  })

  it('prints a table per model', () => {
    const r = cli(['bench', '--model', model, '--batch', '4', '--epochs', '2', '--steps', '1', '--workers', '1', '--optimizer', 'adam'], { timeout: 300_000 })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Branchy: batch 4, adam, 1 worker/)
    expect(r.stdout).toMatch(/layer\s+│\s+type\s+│\s+fwd ms\s+│\s+bwd data ms\s+│\s+bwd weights ms/)
    expect(r.stdout).toMatch(/outside the layers, ms a step: handing out the batch [0-9.]+, each worker's copy of its share [0-9.]+/)
    expect(r.stdout).toMatch(/peak resident memory by epoch, MB: \d+ \d+/)
  })

  it('refuses a missing file, a model with errors and bad numbers with one line and exit 2', () => {
    const missing = cli(['bench', '--model', join(tmp, 'nope.cnn.json')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/nope\.cnn\.json: no such file/)
    const bad = join(tmp, 'bad.cnn.json')
    writeFileSync(bad, JSON.stringify({ format: 'cnn-studio.graph', version: 1, nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } }, { id: 'fc', type: 'dense', attrs: { units: 2 } }, { id: 'out', type: 'softmax' }], edges: [['in', 'fc'], ['fc', 'out']] }))
    const broken = cli(['bench', '--model', bad])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/bad\.cnn\.json: the model cannot be trained/)
    const batch = cli(['bench', '--profile', '--batch', '0'])
    expect(batch.code).toBe(2)
    expect(batch.stderr).toMatch(/--batch must be a whole number of at least 1/)
    const opt = cli(['bench', '--profile', '--optimizer', 'rmsprop'])
    expect(opt.code).toBe(2)
    expect(opt.stderr).toMatch(/--optimizer must be one of sgd, adam, adamw/)
    const net = cli(['bench', '--net', 'resnet'])
    expect(net.code).toBe(2)
    expect(net.stderr).toMatch(/--net must be one of smallcnn, photo/)
  })
})

describe('cnn-studio bench --scaling', () => {
  it('trains with 1..N workers and prints each count\'s efficiency, the fitted serial part and the predicted speedups', () => {
    const r = cli(['bench', '--scaling', '--model', model, '--batch', '8', '--epochs', '2', '--steps', '2', '--workers', '2', '--json'], { timeout: 300_000 })
    expect(r.stderr).not.toMatch(/cnn-studio:/)
    expect(r.code).toBe(0)
    const [s] = JSON.parse(r.stdout)
    expect(s.model).toBe('Branchy')
    expect(s.rows.map((x: { workers: number }) => x.workers)).toEqual([1, 2])
    expect(s.rows[0].efficiency).toBeCloseTo(1, 6)
    for (const x of s.rows) expect(x.serialMs).toBeGreaterThan(0)
    expect(s.projected.map((p: { workers: number }) => p.workers)).toEqual([8, 16])
    for (const p of s.projected) expect(p.amdahl).toBeGreaterThan(0)
  })
})

describe('the scaling model', () => {
  it('fits the serial part as a line over the worker counts and predicts from it', async () => {
    const { fitLine, projectSpeedup } = await import('../../src-engine/node/bench/scaling.ts')
    expect(fitLine([[1, 3], [2, 5], [3, 7]])).toEqual({ a: 1, b: 2 })
    expect(fitLine([[1, 4]])).toEqual({ a: 4, b: 0 })
    // 100 ms at one worker, 10 of them serial and fixed: Amdahl's 1 / (0.1 + 0.9 / 16) = 6.4 either way.
    const fixed = projectSpeedup(100, { a: 10, b: 0 }, 16)
    expect(fixed.amdahl).toBeCloseTo(6.4, 6)
    expect(fixed.fitted).toBeCloseTo(6.4, 6)
    // The same 10 ms, half of it growing with the workers: at 16, 90/16 + 5 + 5*16 = 90.6 ms, a speedup of 1.1.
    expect(projectSpeedup(100, { a: 5, b: 5 }, 16).fitted).toBeCloseTo(100 / 90.625, 6)
  })
})
