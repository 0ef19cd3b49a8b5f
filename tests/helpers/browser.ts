// Debian's Chromium driven by playwright-core (never a downloaded browser), with the flags this offline
// machine needs, and `cnn-studio serve` as a real child process.
import { spawn, type ChildProcess } from 'node:child_process'
import { chromium, type Browser } from 'playwright-core'
import { BIN } from './cli.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export function launch(): Promise<Browser> {
  // playwright gives every launch a fresh temporary profile of its own
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

/** Starts `cnn-studio serve --port 0 --db FILE` and resolves with the URL it prints. */
export function serve(db: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = '', err = ''
    child.stdout!.on('data', (d) => {
      out += d
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\S*\?token=\S+/)
      if (m) resolve({ url: m[0], child })
    })
    child.stderr!.on('data', (d) => (err += d))
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
  })
}
