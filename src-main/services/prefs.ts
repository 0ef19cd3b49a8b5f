// What the studio remembers between sessions (the theme, recent folders, the train form), in a small JSON
// file beside the experiment database, as the autosaved design is: the page's own storage is per origin,
// and `serve` starts on a new port each time, so the page forgot them at every start.
// Read tolerantly, as a file other studio versions share: a key this one does not know is kept (a newer
// studio wrote it), a known key with a value it cannot use is dropped alone. A write merges its patch into
// the file as it is at that moment, under a lock, so two processes never lose each other's update.
import { readFileSync } from 'node:fs'
import { StudioPrefs } from '../api/contract.ts'
import { withFileLock, writeFileAtomic } from './atomic-write.ts'

type Raw = Record<string, unknown>

/** Every key of the file (unknown ones too); a missing or unreadable file, or one that is not an object, gives none. */
function readRaw(file: string): Raw {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'))
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {}
  } catch {
    return {}
  }
}

/** The known preferences whose values are valid, each judged on its own. */
function known(raw: Raw): StudioPrefs {
  const out: Raw = {}
  for (const [key, schema] of Object.entries(StudioPrefs.shape)) {
    if (!(key in raw)) continue
    const r = schema.safeParse(raw[key])
    if (r.success && r.data !== undefined) out[key] = r.data
  }
  return out as StudioPrefs
}

/** The remembered preferences this studio knows; a missing or damaged file gives none. */
export function readPrefs(file: string): StudioPrefs {
  return known(readRaw(file))
}

/** Stores a patch (already validated by the contract): the keys it names replace the remembered ones, the rest are kept. */
export function writePrefs(file: string, patch: StudioPrefs): void {
  withFileLock(file, 'save the preferences to', () => {
    const raw = readRaw(file)
    // Invalid values of known keys are dropped; keys of other versions are kept as they are.
    const kept = Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in StudioPrefs.shape)))
    writeFileAtomic(file, JSON.stringify({ ...kept, ...known(raw), ...patch }, null, 2) + '\n', 'save the preferences to')
  })
}
