// What the run-import tests share: a tiny model (dataset normalisation and a batchnorm, so the statistics
// and running state travel too), a Python with torch, and run folders written the way the exported script
// writes them (resources/export/train.py, class RunFolder), for the refusals that need no torch.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { analyzeGraph, parseModelFile, serializeModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { Network } from '../../../src-engine/core/nn/network.ts'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'

export const tinyModel = (units = 3): ModelFile => parseModelFile(JSON.stringify({
  format: 'cnn-studio.graph', version: 1, name: 'tiny',
  nodes: [
    { id: 'in', type: 'input', attrs: { height: 12, width: 12, channels: 3, normalize: 'dataset' } },
    { id: 'c1', type: 'conv2d', attrs: { filters: 4, kernel: 3, padding: 'same' } },
    { id: 'bn', type: 'batchnorm' },
    { id: 'a1', type: 'relu' },
    { id: 'p1', type: 'maxpool2d', attrs: { size: 2 } },
    { id: 'flat', type: 'flatten' },
    { id: 'out', type: 'dense', attrs: { units } },
    { id: 'sm', type: 'softmax' },
  ],
  edges: [['in', 'c1'], ['c1', 'bn'], ['bn', 'a1'], ['a1', 'p1'], ['p1', 'flat'], ['flat', 'out'], ['out', 'sm']],
}))

/** A Python that has torch and Pillow: the one on PATH, else Debian's. */
export const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch, PIL'], { stdio: 'ignore' }).status === 0)
export const noTorch = 'no python3 with torch and Pillow here (apt-get install python3-torch python3-pil; .ci/run installs them)'

/** Seeded weights of `model` in the studio's format, with the meta the script writes. */
export function weightsOf(model: ModelFile, meta: Record<string, unknown>, seed = 3): Uint8Array {
  const net = new Network(analyzeGraph(model, { forTraining: true }), referenceKernels('float32'), 1, seed)
  const tensors = net.layout().map((p) => ({ name: p.name, data: net.paramBlock.subarray(p.offset, p.offset + p.size) }))
  let o = 0
  for (const s of net.stateNames) {
    tensors.push({ name: s.name, data: net.stateBlock.subarray(o, o + s.size) })
    o += s.size
  }
  return encodeWeights(tensors, meta)
}

export interface FolderSpec {
  id?: string
  status?: 'running' | 'completed' | 'failed'
  epochs: number
  planned?: number
  datasetDir: string
  classes: string[]
  /** The model the weights are made for (default: the folder's own). */
  weightsModel?: ModelFile
  model?: ModelFile
}

/** A run folder as the script leaves it after `spec.epochs` epochs (accuracies made up: these tests need no torch). */
export function writeRunFolder(dir: string, spec: FolderSpec): string {
  mkdirSync(dir, { recursive: true })
  const model = spec.model ?? tinyModel(spec.classes.length)
  const settings = { epochs: spec.planned ?? spec.epochs, batchSize: 8, lr: 0.01, optimizer: 'adam', momentum: 0.9, valSplit: 0.25, seed: 7, datasetDir: spec.datasetDir }
  writeFileSync(join(dir, 'run.json'), JSON.stringify({
    format: 'cnn-studio.run', version: 1, id: spec.id ?? 'f00d', model: 'model.cnn.json', from: { run: 'r_x', studio: 'test' }, settings, datasetDir: spec.datasetDir,
    preprocessing: { classes: spec.classes, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, torch: '1.13.0', worldSize: 2, devices: ['host cpu', 'host cpu'],
    startedAt: '2026-12-04T10:00:00.000Z', endedAt: spec.status === 'running' ? null : '2026-12-04T10:05:00.000Z', status: spec.status ?? 'completed',
    epochs: 'epochs.jsonl', final: 'final.weights', best: 'best.weights', validation: 'validation.json',
  }))
  writeFileSync(join(dir, 'model.cnn.json'), serializeModelFile(model))
  const lines = Array.from({ length: spec.epochs }, (_, i) => ({ epoch: i + 1, trainLoss: 1 - i / 10, trainAccuracy: 0.4 + i / 10, valLoss: 1.1 - i / 10, valAccuracy: [0.5, 0.75, 0.6][i % 3], lr: 0.01, seconds: 2, imagesPerSecond: 50, steps: [[1, 1.2, 0.3], [2, 1 - i / 10, 0.5]] }))
  writeFileSync(join(dir, 'epochs.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''))
  if (spec.epochs > 0) {
    const w = (epoch: number) => weightsOf(spec.weightsModel ?? model, { epoch, valAccuracy: lines[epoch - 1].valAccuracy })
    writeFileSync(join(dir, 'final.weights'), w(spec.epochs))
    const best = lines.reduce((b, l) => (l.valAccuracy > b.valAccuracy ? l : b))
    writeFileSync(join(dir, 'best.weights'), w(best.epoch))
  }
  return dir
}
