// The design the studio had open, kept beside the experiment database so it reopens where the user left it
// (the browser's storage is per port, and `serve` picks a new port each time, so the page cannot keep it).
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseModelFile, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { reasonOf, writeFileAtomic } from './atomic-write.ts'
import { ServiceError } from './errors.ts'

export interface Autosave { model: ModelFile; path: string | null; dirty: boolean }

/** Saves a design whole or not at all (atomic-write.ts); a failure is WRITE_FAILED saying where and why. */
export function writeAtomic(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true })
  } catch (e) {
    throw new ServiceError('WRITE_FAILED', `could not save the design to ${file}: ${reasonOf(e)}`)
  }
  writeFileAtomic(file, text, 'save the design to')
}

export function writeAutosave(file: string, a: Autosave): void {
  writeAtomic(file, JSON.stringify(a))
}

/** The autosaved design, or null when there is none or it cannot be read (then the studio opens its sample). */
export function readAutosave(file: string): Autosave | null {
  let raw: { model?: unknown; path?: unknown; dirty?: unknown }
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
  try {
    return { model: parseModelFile(raw.model), path: typeof raw.path === 'string' ? raw.path : null, dirty: raw.dirty === true }
  } catch {
    return null // a damaged autosave must not keep the studio from starting
  }
}
