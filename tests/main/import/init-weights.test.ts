// "Train from these weights": a run started with initialWeights starts from them (with a learning rate too
// small to move them, its checkpoint is still those weights, while a seeded start is not), and weights
// that do not fit the model are refused before anything is queued, naming the tensor.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { decodeWeights } from '../../../src-engine/core/train/weights.ts'
import { Store } from '../../../src-main/services/store/store.ts'
import { TrainingService } from '../../../src-main/services/training.ts'
import { seededWeights } from './seeded-weights.ts'

const TEMPLATES = new URL('../../../resources/templates/', import.meta.url).pathname
const SHAPES = new URL('../../../resources/sample-dataset/shapes', import.meta.url).pathname
const model = parseModelFile(readFileSync(join(TEMPLATES, 'shapes-cnn.cnn.json'), 'utf8'))

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  const x = decodeWeights(a).tensors, y = decodeWeights(b).tensors
  let max = 0
  for (const [name, t] of x) {
    const u = y.get(name)!
    for (let i = 0; i < t.length; i++) max = Math.max(max, Math.abs(t[i] - u[i]))
  }
  return max
}

it('a run starts from the given weights; weights of another model are refused naming the tensor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-init-'))
  const store = new Store(join(dir, 'e.db'))
  const svc = new TrainingService(store, { cacheDir: join(dir, 'cache') })
  const init = seededWeights(model, 7)
  const settings = { epochs: 1, batchSize: 32, optimizer: 'sgd', lr: 1e-9, momentum: 0, workers: 1, seed: 1 }
  const { runId: from } = await svc.start({ model, datasetDir: SHAPES, settings, initialWeights: init })
  const { runId: seeded } = await svc.start({ model, datasetDir: SHAPES, settings })
  await svc.whenIdle()
  expect(store.getRun(from).status).toBe('completed')
  expect(maxDiff(init, store.checkpoint(from, 'last')!.weights)).toBeLessThan(1e-5)
  expect(maxDiff(init, store.checkpoint(seeded, 'last')!.weights)).toBeGreaterThan(0.01)

  const lenet = parseModelFile(readFileSync(join(TEMPLATES, 'lenet5.cnn.json'), 'utf8'))
  await expect(svc.start({ model, datasetDir: SHAPES, settings, initialWeights: seededWeights(lenet, 1) })).rejects.toThrow(/cannot start from these weights: the weights do not fit this model: c1\.weight has 150 numbers, the model needs \d+/)
  expect(store.listRuns()).toHaveLength(2)
  store.close()
}, 300_000)
