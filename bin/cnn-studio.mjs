#!/usr/bin/env node
// The `cnn-studio` command. Our sources are TypeScript run directly: Node 22.18+ strips types natively;
// Node 22.12-22.17 needs a flag. That flag and the V8 flags of node-flags.mjs only apply as node starts, so
// where they are missing the command runs itself again with them (worker threads inherit them). Whatever
// starts this file with node itself (the tests, `npm start`) passes them and saves the second start.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { V8_FLAGS } from './node-flags.mjs'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`cnn-studio: needs Node 22.12 or newer (Node 24 LTS recommended); this is Node ${process.versions.node}\n`)
  process.exit(2)
}
const missing = [...V8_FLAGS.filter((f) => !process.execArgv.includes(f)), ...(process.features.typescript || process.execArgv.includes('--experimental-strip-types') ? [] : ['--experimental-strip-types', '--no-warnings'])]
if (missing.length) {
  const child = spawn(process.execPath, [...process.execArgv, ...missing, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  // Ctrl-C reaches both processes (the terminal signals the whole group): this one waits for the child to
  // stop its run (forwarding it would be a second Ctrl-C, "quit at once"). A kill sent to this process alone
  // (a service manager's SIGTERM, a closed terminal's SIGHUP) is passed on to the one doing the work.
  const relay = { SIGINT: () => {}, SIGTERM: () => child.kill('SIGTERM'), SIGHUP: () => child.kill('SIGHUP') }
  for (const [sig, fn] of Object.entries(relay)) process.on(sig, fn)
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1)
    for (const [sig, fn] of Object.entries(relay)) process.off(sig, fn)
    process.kill(process.pid, signal) // end the way the child ended
  })
} else {
  const { main } = await import('../src-main/cli/main.ts')
  process.exitCode = await main(process.argv)
}
