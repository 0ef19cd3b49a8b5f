// Runs the real `cnn-studio` command in a child process, as a user would.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/cnn-studio.mjs', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function cli(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, ...opts })
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) }
}
