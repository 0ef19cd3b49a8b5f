// Reading the images a user points at (a file, a folder, or bytes from the page) in a run's input format.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { decodeTo, ImageError, type Target } from '../../../src-engine/node/dataset/index.ts'
import { ServiceError } from '../training.ts'

export interface DecodedImage {
  path: string
  /** uint8 [H, W, C] in the run's input size. */
  pixels: Uint8Array
}

/** The files under `path` (itself if a file), sorted, hidden ones left out; a missing path is NOT_FOUND. */
export function listImages(path: string): string[] {
  const abs = resolve(path)
  let st
  try {
    st = statSync(abs)
  } catch (e) {
    throw new ServiceError('NOT_FOUND', `${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`)
  }
  if (st.isFile()) return [abs]
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) out.push(p)
    }
  }
  walk(abs)
  return out
}

/** Decodes by content; an unreadable file becomes a skipped entry with its reason, never a throw. */
export async function decodeImage(path: string, bytes: Buffer | null, target: Target): Promise<DecodedImage | { path: string; reason: string }> {
  try {
    const buf = bytes ?? readFileSync(path)
    return { path, pixels: new Uint8Array(await decodeTo(buf, target)) }
  } catch (e) {
    return { path, reason: e instanceof ImageError ? e.message : `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }
  }
}
