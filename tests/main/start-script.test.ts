// `npm start` without Electron's binary (scripts/electron-binary.mjs): it says that the binary is not
// installed and why, judged from the electron package's files, not from the last line of a failed start.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { binaryInstalled, electronPackage, electronUnavailable, OFFLINE } from '../../scripts/electron-binary.mjs'

/** An electron package as npm installs it: no binary, and an install.js that fails as a download offline does. */
function fakePackage(downloads: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-electron-'))
  writeFileSync(join(dir, 'package.json'), '{"name":"electron","version":"45.4.1"}')
  writeFileSync(join(dir, 'install.js'), downloads
    ? "const fs = require('fs'); fs.mkdirSync(__dirname + '/dist'); fs.writeFileSync(__dirname + '/dist/electron', ''); fs.writeFileSync(__dirname + '/path.txt', 'electron')"
    : "console.error(new Error('getaddrinfo ENOTFOUND github.com').stack); process.exit(1)")
  return dir
}

describe('npm start without an Electron binary', () => {
  it('says the binary is not installed because this machine is offline, when its download fails', () => {
    const dir = fakePackage(false)
    expect(binaryInstalled(dir, {})).toBe(false)
    expect(electronUnavailable(dir)).toBe(OFFLINE)
    expect(OFFLINE).toBe("Electron's binary is not installed: it is downloaded on first run and this machine is offline")
  })

  it('starts once the first run has fetched it, or when it is there already', () => {
    const dir = fakePackage(true)
    expect(electronUnavailable(dir)).toBeNull()
    expect(binaryInstalled(dir, {})).toBe(true)
    mkdirSync(join(dir, 'elsewhere'))
    expect(binaryInstalled(mkdtempSync(join(tmpdir(), 'cnn-electron-')), { ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'elsewhere') })).toBe(true)
  })

  it('finds the installed electron package (this checkout\'s)', () => {
    expect(electronPackage()).toMatch(/node_modules[\\/]electron$/)
    expect(electronUnavailable(null)).toBe('the electron package is not installed (run npm install)')
  })
})
