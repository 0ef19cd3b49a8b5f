// The window's size and place, remembered between launches in the user data folder.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface WindowState { width: number; height: number; x?: number; y?: number; maximized?: boolean }

const DEFAULT: WindowState = { width: 1280, height: 800 }

export function loadWindowState(dir: string): WindowState {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'window.json'), 'utf8')) as WindowState
    return Number.isFinite(s.width) && Number.isFinite(s.height) && s.width >= 400 && s.height >= 300 ? s : DEFAULT
  } catch {
    return DEFAULT
  }
}

export function saveWindowState(dir: string, s: WindowState): void {
  try {
    writeFileSync(join(dir, 'window.json'), JSON.stringify(s))
  } catch {
    // a read-only profile only loses the remembered size
  }
}
