// Runs the real `cnn-studio` command in a child process, as a user would.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { V8_FLAGS } from '../../bin/node-flags.mjs'

export const BIN = fileURLToPath(new URL('../../bin/cnn-studio.mjs', import.meta.url))
/** node's arguments to start the command as its first line does: the V8 flags, then the script. */
export const CLI_ARGS = [...V8_FLAGS, BIN]

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function cli(args: string[], opts: SpawnSyncOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [...CLI_ARGS, ...args], { encoding: 'utf8', timeout: 120_000, ...opts })
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) }
}
