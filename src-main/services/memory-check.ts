// The machine's side of the memory verdict, and the estimate with the settings it was worked out for. The
// estimate is the engine core's (estimateTrainingMemory, which follows how the engine allocates) and the
// verdict is one of the training checks (core/train/checks.ts); what the machine has is what the OS says is
// available now (process.availableMemory: free plus reclaimable, within a cgroup's limit).
import { availableParallelism, totalmem } from 'node:os'
import type { GraphAnalysis } from '../../src-engine/core/graph/index.ts'
import { estimateTrainingMemory } from '../../src-engine/core/nn/memory.ts'
import { workersFor, type MachineFacts } from '../../src-engine/core/train/checks.ts'
import { scanFolderOffThread } from '../../src-engine/node/dataset/index.ts'

/** Images a folder holds (files in its class folders), without decoding any; scanned on a worker thread, so a huge or looping folder never stalls the host's other clients. */
export async function countImages(dir: string): Promise<number> {
  return (await scanFolderOffThread(dir)).files.length
}

/** What this machine has for a run now: the checks' `machine`. */
export function machineFacts(): MachineFacts {
  return { availableBytes: process.availableMemory(), totalBytes: totalmem(), cores: availableParallelism() }
}

/** The estimate with the settings it was worked out for (inspect --json, the contract's models.analyze). */
export function memorySummary(a: GraphAnalysis, o: { batchSize?: number; optimizer?: string; workers?: number; datasetImages?: number }) {
  const batchSize = o.batchSize ?? 32, optimizer = o.optimizer ?? 'adam', datasetImages = o.datasetImages ?? 0
  const workers = workersFor({ batchSize, optimizer, workers: o.workers }, availableParallelism())
  return { batchSize, optimizer, workers, datasetImages, ...estimateTrainingMemory(a, { batchSize, optimizer, workers, datasetImages }) }
}
