#!/usr/bin/env node
// The `cnn-studio` command. Our sources are TypeScript run directly: Node 22.18+ strips types natively;
// Node 22.12-22.17 needs the flag, so re-launch with it there (worker threads inherit it).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`cnn-studio: needs Node 22.12 or newer (Node 24 LTS recommended); this is Node ${process.versions.node}\n`)
  process.exit(2)
}
if (!process.features.typescript && !process.execArgv.includes('--experimental-strip-types')) {
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
const { main } = await import('../src-main/cli/main.ts')
process.exitCode = await main(process.argv)
