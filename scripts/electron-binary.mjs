// Whether Electron's binary is there to start, for `npm start` (scripts/start.mjs). The electron package
// holds no binary: it downloads one the first time it is run (its index.js calls install.js), then records
// its name in path.txt and unpacks it under dist/. Judged from those files, not from the text of a failed
// start: an offline machine's failure ends in a stack trace whose last line is only Node's version.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export const OFFLINE = "Electron's binary is not installed: it is downloaded on first run and this machine is offline"

/** The electron package's folder, or null when it is not installed. */
export function electronPackage(from = import.meta.url) {
  try {
    return dirname(createRequire(from).resolve('electron/package.json'))
  } catch {
    return null
  }
}

/** True when the package's binary is unpacked (or ELECTRON_OVERRIDE_DIST_PATH names one), as its index.js decides. */
export function binaryInstalled(dir, env = process.env) {
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return true
  const pathFile = join(dir, 'path.txt')
  return existsSync(pathFile) && existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8')))
}

/**
 * Null when Electron can be started; otherwise why not, in one line. A missing binary is fetched first, as
 * `electron .` would (bounded: a network that drops packets must not hang `npm start`).
 */
export function electronUnavailable(dir = electronPackage(), timeoutMs = 120_000) {
  if (!dir) return 'the electron package is not installed (run npm install)'
  if (binaryInstalled(dir)) return null
  spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: 'ignore', timeout: timeoutMs })
  return binaryInstalled(dir) ? null : OFFLINE
}
