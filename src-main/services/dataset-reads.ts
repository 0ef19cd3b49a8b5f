// Folder reads in progress (`datasets.inspect` with a readId): each streams its progress (files found by
// the scan, then images decoded) as `dataset` events, at most 10 a second, and can be cancelled by its id.
import { inspectDataset, type HealthReport } from '../../src-engine/node/dataset/index.ts'
import type { StudioEvent } from '../api/contract.ts'

export type DatasetEvent = Extract<StudioEvent, { type: 'dataset' }>

const EVERY_MS = 100

export class DatasetReads {
  private readonly active = new Map<string, AbortController>()
  private readonly emit: (e: DatasetEvent) => void
  constructor(emit: (e: DatasetEvent) => void) {
    this.emit = emit
  }

  async inspect(dir: string, opts: { valSplit?: number; seed?: number; readId?: string }): Promise<HealthReport> {
    const { readId } = opts
    if (!readId) return inspectDataset(dir, { valSplit: opts.valSplit, seed: opts.seed })
    this.active.get(readId)?.abort() // the same id again: the newer read replaces the older
    const ac = new AbortController()
    this.active.set(readId, ac)
    let last = 0
    let seen = 0
    const send = (phase: DatasetEvent['phase'], decoded: number, total: number, force = false) => {
      const t = performance.now()
      if (!force && t - last < EVERY_MS) return
      last = t
      this.emit({ type: 'dataset', readId, dir, phase, seen, decoded, total })
    }
    send('scan', 0, 0, true)
    try {
      return await inspectDataset(dir, {
        valSplit: opts.valSplit, seed: opts.seed, signal: ac.signal,
        onSeen: (n) => send('scan', 0, (seen = n)),
        onProgress: (done, total) => send('decode', done, total, done === total),
      })
    } finally {
      if (this.active.get(readId) === ac) this.active.delete(readId)
    }
  }

  /** Stops a read; an id not reading (finished, or never started) is ignored. */
  cancel(readId: string): void {
    this.active.get(readId)?.abort()
  }

  cancelAll(): void {
    for (const ac of this.active.values()) ac.abort()
  }
}
