// `npm start`: builds the studio and opens it in Electron. Where Electron cannot start (no display, or its
// binary cannot be fetched on an offline machine), the same studio opens in the browser through
// `cnn-studio serve`, and this says why.
import { spawnSync, spawn } from 'node:child_process'
import { electronUnavailable } from './electron-binary.mjs'
import { V8_FLAGS } from '../bin/node-flags.mjs'

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
// Always: the build takes seconds, and Electron runs out/ (main process, workers, page), which an older
// build would leave out of step with the sources.
const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' })
if (b.status !== 0) process.exit(b.status ?? 1)

let why
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  why = 'there is no display here (no DISPLAY or WAYLAND_DISPLAY)'
} else {
  why = electronUnavailable()
  if (!why) {
    const r = spawnSync(npx, ['electron', `--js-flags=${V8_FLAGS.join(' ')}`, '.'], { stdio: ['inherit', 'inherit', 'pipe'], encoding: 'utf8' })
    if (r.status === 0) process.exit(0)
    // Electron itself ran and failed: its own first line of error says why (a stack's last line is Node's version).
    const first = (r.stderr || '').split('\n').find((l) => l.trim())
    why = `Electron could not start (${first?.trim() ?? String(r.error ?? `exit ${r.status}`)})`
  }
}
console.error(`npm start: ${why}; opening the studio in your browser instead.`)
const serve = spawn(process.execPath, [...V8_FLAGS, 'bin/cnn-studio.mjs', 'serve', '--port', process.env.PORT ?? '0'], { stdio: 'inherit' })
serve.on('exit', (code) => process.exit(code ?? 0))
process.on('SIGINT', () => serve.kill('SIGINT'))
