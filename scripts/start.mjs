// `npm start`: builds the studio if needed and opens it in Electron.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

if (!existsSync('out/main/main.js')) {
  const b = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' })
  if (b.status !== 0) process.exit(b.status ?? 1)
}
const r = spawnSync('npx', ['electron-vite', 'preview', '--skipBuild'], { stdio: 'inherit', shell: process.platform === 'win32' })
process.exit(r.status ?? 1)
