// Where the studio keeps its files. The CLI and the Electron shell use the same experiment database:
// the user data folder (~/.config/cnn-studio on Linux), unless --db or CNN_STUDIO_DB says otherwise.
import { homedir, platform } from 'node:os'
import { join } from 'node:path'

export function userDataDir(): string {
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', 'cnn-studio')
  if (platform() === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'cnn-studio')
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'cnn-studio')
}

export function defaultDbPath(explicit?: string): string {
  return explicit ?? process.env.CNN_STUDIO_DB ?? join(userDataDir(), 'experiments.db')
}
