// The training memory estimate where the user and the designer see it: `inspect` (human and --json, for a
// stated batch size) and the contract's models.analyze.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile } from '../../src-engine/core/graph/index.ts'
import { estimateTrainingMemory } from '../../src-engine/core/nn/memory.ts'
import { createHost } from '../../src-main/host/host.ts'
import { cli } from '../helpers/cli.ts'

const path = new URL('../../resources/templates/smallcnn.cnn.json', import.meta.url).pathname
const shapes = new URL('../../resources/sample-dataset/shapes', import.meta.url).pathname
const model = parseModelFile(readFileSync(path, 'utf8'))
const expected = (batchSize: number, optimizer: string, workers: number, datasetImages: number) =>
  estimateTrainingMemory(analyzeGraph(model), { batchSize, optimizer, workers, datasetImages })

describe('the memory estimate', () => {
  it('inspect --json has a memory key for the stated batch size, optimizer, workers and dataset', () => {
    const r = cli(['inspect', path, '--json', '--batch-size', '64', '--optimizer', 'sgd', '--workers', '2', '--dataset', shapes])
    expect(r.code).toBe(0)
    const { memory } = JSON.parse(r.stdout)
    expect(memory).toEqual({ batchSize: 64, optimizer: 'sgd', workers: 2, datasetImages: 360, ...expected(64, 'sgd', 2, 360) })
    const dflt = JSON.parse(cli(['inspect', path, '--json', '--workers', '1']).stdout).memory
    expect(dflt).toMatchObject({ batchSize: 32, optimizer: 'adam', workers: 1, datasetImages: 0, total: expected(32, 'adam', 1, 0).total })
  })

  it('inspect prints it in words, and refuses a bad batch size', () => {
    const r = cli(['inspect', path, '--batch-size', '16', '--workers', '1'])
    expect(r.stdout).toMatch(/training memory \(adam\): about \d+ MiB: activations \d+ MiB \(batch 16 on 1 worker\), weights/)
    const bad = cli(['inspect', path, '--batch-size', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--batch-size: a whole number from 1 to 4096/)
  })

  it('models.analyze returns it to the designer', async () => {
    const host = createHost({ dbPath: join(mkdtempSync(join(tmpdir(), 'cnn-mem-')), 'x.db') })
    try {
      const r = await host.invoke('models.analyze', { model, memory: { batchSize: 8, optimizer: 'adamw', workers: 1, datasetImages: 10 } })
      expect(r.ok).toBe(true)
      const { memory } = (r as { result: { memory: object } }).result
      expect(memory).toEqual({ batchSize: 8, optimizer: 'adamw', workers: 1, datasetImages: 10, ...expected(8, 'adamw', 1, 10) })
      const bad = await host.invoke('models.analyze', { model, memory: { batchSize: -1 } })
      expect(bad.ok).toBe(false)
    } finally {
      host.close()
    }
  })
})
