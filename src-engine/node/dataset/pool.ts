// A bounded promise pool: sharp decodes on libvips' own threads, so a few jobs in flight per core keep
// every core busy without holding the whole folder in memory.
import { availableParallelism } from 'node:os'

export async function forEachLimit<T>(items: T[], fn: (item: T, index: number) => Promise<void>, limit = availableParallelism() * 2): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
