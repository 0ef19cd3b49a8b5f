#!/usr/bin/env node
// The `cnn-studio` command. Our sources are TypeScript run directly: Node 22.18+ strips types natively;
// Node 22.12-22.17 needs the flag, so re-launch with it there (worker threads inherit it).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

if (!process.features.typescript && !process.execArgv.includes('--experimental-strip-types')) {
  const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
const { main } = await import('../src-main/cli/main.ts')
process.exitCode = await main(process.argv)
