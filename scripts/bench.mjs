// `npm run bench`: runs every benchmark in scripts/bench/ in name order and lets each print its figures.
// Benchmarks print; tests never assert times (CONVENTIONS.md 12).
import { readdirSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

const only = process.argv[2]
const dir = new URL('./bench/', import.meta.url)
for (const f of readdirSync(dir).filter((f) => /\.(ts|mjs)$/.test(f)).sort()) {
  if (only && !f.includes(only)) continue
  console.log(`\n== ${f}`)
  const r = spawnSync(process.execPath, [new URL(f, dir).pathname], { stdio: 'inherit' })
  if (r.status !== 0) process.exitCode = 1
}
