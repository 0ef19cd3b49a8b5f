// What the studio remembers between sessions (the theme, recent folders, the train form), in a small JSON
// file beside the experiment database, as the autosaved design is: the page's own storage is per origin,
// and `serve` starts on a new port each time, so the page forgot them at every start.
import { readFileSync } from 'node:fs'
import { StudioPrefs } from '../api/contract.ts'
import { writeAtomic } from './designs.ts'

/** The remembered preferences; a missing or damaged file (or one from another version) gives none. */
export function readPrefs(file: string): StudioPrefs {
  try {
    const r = StudioPrefs.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    return r.success ? r.data : {}
  } catch {
    return {}
  }
}

/** Stores a patch (already validated by the contract): the keys it names replace the remembered ones. */
export function writePrefs(file: string, patch: StudioPrefs): void {
  writeAtomic(file, JSON.stringify({ ...readPrefs(file), ...patch }, null, 2) + '\n')
}
