// Shared settings of the property-based tests: a fixed seed so `npm test` is repeatable, a bounded number
// of cases so each file stays within seconds, and FUZZ_RUNS=N (a multiplier) for a longer run by hand,
// FUZZ_SEED to try other seeds.
export const SEED = Number(process.env.FUZZ_SEED ?? 20261125)
const FACTOR = Number(process.env.FUZZ_RUNS ?? 1)

/** The fast-check parameters for `base` cases (times FUZZ_RUNS). */
export function runs(base: number): { seed: number; numRuns: number } {
  return { seed: SEED, numRuns: Math.max(1, Math.round(base * FACTOR)) }
}

/** Case counters, printed by a long run so its note can give them. */
export const counts: Record<string, number> = {}
export function count(key: string): void {
  counts[key] = (counts[key] ?? 0) + 1
}
export function report(name: string): void {
  if (process.env.FUZZ_RUNS) process.stderr.write(`fuzz ${name} (seed ${SEED}): ${JSON.stringify(counts)}\n`)
}
