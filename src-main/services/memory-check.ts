// Before a run decodes a single image: does it fit in this machine's memory? The estimate is the graph
// core's (estimateTrainingMemory, which follows how the engine allocates); the machine's side is what the
// OS says is available now (process.availableMemory: free plus reclaimable, within a cgroup's limit).
import { availableParallelism, totalmem } from 'node:os'
import type { GraphAnalysis } from '../../src-engine/core/graph/index.ts'
import { estimateTrainingMemory, type MemoryEstimate } from '../../src-engine/core/nn/memory.ts'
import { scanFolderOffThread } from '../../src-engine/node/dataset/index.ts'
import type { TrainSettings } from '../api/settings.ts'

export const gib = (bytes: number): string => bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.max(1, Math.round(bytes / 2 ** 20))} MiB`

/** Images a folder holds (files in its class folders), without decoding any; scanned on a worker thread, so a huge or looping folder never stalls the host's other clients. */
export async function countImages(dir: string): Promise<number> {
  return (await scanFolderOffThread(dir)).files.length
}

export function estimateFor(a: GraphAnalysis, s: Pick<TrainSettings, 'batchSize' | 'optimizer' | 'momentum' | 'workers'>, images: number): MemoryEstimate & { workers: number } {
  const workers = Math.max(1, Math.min(s.workers ?? availableParallelism(), s.batchSize))
  return { ...estimateTrainingMemory(a, { batchSize: s.batchSize, optimizer: s.optimizer, momentum: s.momentum, workers, datasetImages: images }), workers }
}

/** The estimate with the settings it was worked out for (inspect --json, the contract's models.analyze). */
export function memorySummary(a: GraphAnalysis, o: { batchSize?: number; optimizer?: string; workers?: number; datasetImages?: number }) {
  const batchSize = o.batchSize ?? 32, optimizer = o.optimizer ?? 'adam', datasetImages = o.datasetImages ?? 0
  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), batchSize))
  return { batchSize, optimizer, workers, datasetImages, ...estimateTrainingMemory(a, { batchSize, optimizer, workers, datasetImages }) }
}

/** One line per term, for messages and `inspect`. */
export function describeEstimate(m: MemoryEstimate, batchSize: number, workers: number, images: number): string {
  const parts = [
    `activations ${gib(m.activations)} (batch ${batchSize} on ${workers} worker${workers === 1 ? '' : 's'})`,
    `weights ${gib(m.weights)}`, `gradients ${gib(m.gradients)}`, `optimizer state ${gib(m.optimizerState)}`,
    `decoded images ${gib(m.dataset)} (${images} image${images === 1 ? '' : 's'})`,
    `runtime ${gib(m.total - m.weights - m.gradients - m.optimizerState - m.activations - m.dataset)}`,
  ]
  return `about ${gib(m.total)}: ${parts.join(', ')}`
}

/** Null when the run fits; otherwise why not, with the figures and what to change. */
export function checkMemory(a: GraphAnalysis, s: TrainSettings, images: number, available = process.availableMemory()): string | null {
  const m = estimateFor(a, s, images)
  if (m.total <= available) return null
  const biggest = m.dataset > m.activations ? 'use fewer or smaller images (the input size decides what each decoded image takes)' : 'use a smaller batch size (activations grow with it), fewer workers, or a smaller input size'
  return `this run needs ${describeEstimate(m, s.batchSize, m.workers, images)}; this machine has ${gib(available)} available (of ${gib(totalmem())}), so it was not started: ${biggest}`
}
