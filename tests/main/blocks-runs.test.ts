// A model with blocks trains and exports exactly as its expansion written out by hand: the same losses and
// trained weights on the same seed (weights are keyed by the expanded ids), the same ONNX graph and the same
// PyTorch script. The run keeps the model as designed, blocks and all, so reopening it shows the blocks.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { beforeAll, describe, expect, it } from 'vitest'
import { expandBlocks, parseBlockFile, parseModelFile, serializeModelFile, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { TrainingService } from '../../src-main/services/training.ts'
import { exportRun } from '../../src-main/services/export/export.ts'
import { scriptGraph } from '../../src-main/services/export/pytorch.ts'
import { syntheticFolder } from './export/folders.ts'

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p))
const builtin = (name: string) => parseBlockFile(readFileSync(new URL(`../../resources/blocks/${name}.block.json`, import.meta.url), 'utf8')).block

/** Two VGG stages as one instance repeated twice, then a residual block: ids s/1/c1 ... r/add. */
const designed = (): ModelFile => parseModelFile({
  format: 'cnn-studio.graph', version: 2, name: 'blocks',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: 3 } },
    { id: 's', type: 'block', attrs: { block: 'vgg_stage', width: 4, repeat: 2 } },
    { id: 'r', type: 'block', attrs: { block: 'resnet_basic', width: 4 } },
    { id: 'g', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 3 } }, { id: 'out', type: 'softmax' },
  ],
  edges: [['in', 's'], ['s', 'r'], ['r', 'g'], ['g', 'fc'], ['fc', 'out']],
  blocks: { vgg_stage: builtin('vgg_stage'), resnet_basic: builtin('resnet_basic') },
})
// The expansion as a plain file of its own (version 1, no blocks), as a user would have drawn it.
const byHand = () => parseModelFile(serializeModelFile(expandBlocks(designed())))

let store: Store
const cacheDir = tmp('cnn-blocks-cache-')
const runs: Record<'blocks' | 'plain', string> = { blocks: '', plain: '' }

beforeAll(async () => {
  store = new Store(join(tmp('cnn-blocks-db-'), 'x.db'))
  const svc = new TrainingService(store, { cacheDir })
  const folder = await syntheticFolder(tmp('cnn-blocks-data-'), { classes: 3, perClass: 6, size: 16, channels: 3 })
  const settings = { epochs: 2, batchSize: 4, lr: 0.01, workers: 1, seed: 7 }
  runs.blocks = (await svc.start({ model: designed(), datasetDir: folder, settings })).runId
  await svc.whenIdle()
  runs.plain = (await svc.start({ model: byHand(), datasetDir: folder, settings })).runId
  await svc.whenIdle()
}, 300_000)

describe('a model with blocks in a run', () => {
  it('trains to the same losses and the same weights as its expansion, and keeps its blocks', () => {
    expect(byHand().blocks).toBeUndefined()
    for (const id of Object.values(runs)) expect(store.getRun(id).status).toBe('completed')
    const [a, b] = [store.epochs(runs.blocks), store.epochs(runs.plain)]
    expect(a).toHaveLength(2)
    expect(a.map((e) => [e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy])).toEqual(b.map((e) => [e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy]))
    expect(store.steps(runs.blocks).loss).toEqual(store.steps(runs.plain).loss)
    expect(Buffer.from(store.checkpoint(runs.blocks, 'last')!.weights).equals(Buffer.from(store.checkpoint(runs.plain, 'last')!.weights))).toBe(true)
    const kept = store.modelOf(runs.blocks)
    expect(kept.blocks && Object.keys(kept.blocks)).toEqual(['vgg_stage', 'resnet_basic'])
    expect(kept.nodes.map((n) => n.id)).toEqual(['in', 's', 'r', 'g', 'fc', 'out'])
  })

  it('exports the same ONNX graph (ids with / as names) and the same PyTorch script', async () => {
    const onnx = async (runId: string) => {
      const dir = tmp('cnn-blocks-onnx-')
      const r = await exportRun(store, runId, { format: 'onnx', out: join(dir, 'model.onnx'), cacheDir })
      expect(r.parity?.agreement).toBe(1)
      const m = onnxProto.onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')))
      return onnxProto.onnx.GraphProto.toObject(m.graph as onnxProto.onnx.GraphProto, { bytes: String, longs: String })
    }
    const [a, b] = [await onnx(runs.blocks), await onnx(runs.plain)]
    expect(a).toEqual(b)
    expect((a.node as { name?: string }[]).map((n) => n.name)).toEqual(expect.arrayContaining([expect.stringContaining('s/2/c1')]))

    const script = async (runId: string) => {
      const dir = tmp('cnn-blocks-pt-')
      await exportRun(store, runId, { format: 'pytorch', out: join(dir, 'train.py'), cacheDir })
      return { py: readFileSync(join(dir, 'train.py'), 'utf8').replaceAll(runId, 'RUN'), weights: readFileSync(join(dir, 'train.weights')) }
    }
    const [p, q] = [await script(runs.blocks), await script(runs.plain)]
    // The network, weights and settings are the same; the model file the script copies into its run folder is
    // each run's own (the design with its blocks, so an imported run reopens as it was drawn).
    const network = (py: string) => py.replace(/^MODEL_FILE = .*$/m, 'MODEL_FILE = ...')
    expect(network(p.py)).toEqual(network(q.py))
    expect(p.py).toMatch(/^MODEL_FILE = .*\\"type\\":\\"block\\"/m)
    expect(p.weights.equals(q.weights)).toBe(true)
    expect(p.py).toContain('"id\\":\\"r/add\\"')
  })

  it('refuses a PyTorch export where a block layer and a layer of the model would share a module name', () => {
    const m = designed()
    m.nodes.splice(3, 0, { id: 'r_add', type: 'relu' })
    m.edges = m.edges.map(([f, t]): [string, string] => (f === 'r' ? ['r', 'r_add'] : [f, t]))
    m.edges.push(['r_add', 'g'])
    expect(() => scriptGraph(m)).toThrow(/layers 'r\/add' and 'r_add' would both be the PyTorch module n_r_add; rename one/)
    expect(scriptGraph(designed()).nodes.map((n) => n.id)).toContain('r/add')
  })
})
