// The block library for the designer's palette: the studio's own block files (resources/blocks) and the
// user's, in a `blocks` folder beside the experiment database. Listing never fails for one bad file: it is
// left out with a warning naming it. Saving writes `<library>/<name>.block.json` whole or not at all, and
// refuses to replace a block unless asked.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { BLOCK_NAME, ModelFileError, parseBlockDef, parseBlockFile, serializeBlockFile, type BlockDef } from '../../src-engine/core/graph/index.ts'
import { appFile } from '../../src-engine/node/app-files.ts'
import { clip } from '../api/issues.ts'
import { reasonOf, writeFileAtomic } from './atomic-write.ts'
import { ServiceError } from './errors.ts'

export const BUILTIN_BLOCKS_DIR = appFile('resources/blocks/')
/** A block file larger than this is not one a user made (a definition of a few hundred layers is ~100 kB). */
export const MAX_BLOCK_FILE_BYTES = 1_000_000
/** The most block files one folder lists: a palette of more is unusable, and a hostile folder cannot stall the host. */
export const MAX_LIBRARY_FILES = 500
const SUFFIX = '.block.json'

export interface LibraryBlock {
  name: string
  source: 'builtin' | 'user'
  description?: string
  block: BlockDef
}

/** The user's library folder for an experiment database at `dbFile`. */
export const libraryDir = (dbFile: string): string => join(dbFile, '..', 'blocks')

const oneLine = (s: string) => clip(s.replace(/\s+/g, ' '), 300)

function readFolder(dir: string, source: LibraryBlock['source'], taken: Set<string>, warnings: string[]): LibraryBlock[] {
  let names: string[]
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).sort()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(oneLine(`${dir}: the block folder cannot be read (${reasonOf(e)})`))
    return []
  }
  if (names.length > MAX_LIBRARY_FILES) {
    warnings.push(oneLine(`${dir}: ${names.length} block files; the palette lists the first ${MAX_LIBRARY_FILES}`))
    names = names.slice(0, MAX_LIBRARY_FILES)
  }
  const out: LibraryBlock[] = []
  for (const f of names) {
    const file = join(dir, f)
    try {
      const st = statSync(file)
      if (!st.isFile()) continue
      if (st.size > MAX_BLOCK_FILE_BYTES) throw new Error(`${st.size.toLocaleString('en-US')} bytes; a block file is at most ${MAX_BLOCK_FILE_BYTES.toLocaleString('en-US')}`)
      const { name, block } = parseBlockFile(readFileSync(file, 'utf8'))
      if (taken.has(name)) {
        warnings.push(oneLine(`${file}: left out, a block named '${name}' is listed already${source === 'user' ? ' (a built-in one or another file)' : ''}; rename it`))
        continue
      }
      taken.add(name)
      out.push(block.description !== undefined ? { name, source, description: block.description, block } : { name, source, block })
    } catch (e) {
      warnings.push(oneLine(`${file}: left out, ${e instanceof ModelFileError ? e.message : reasonOf(e)}`))
    }
  }
  return out
}

/** The built-in blocks, then the user's (a user file may not take a built-in's name). */
export function listBlocks(userDir: string, builtinDir = BUILTIN_BLOCKS_DIR): { blocks: LibraryBlock[]; warnings: string[] } {
  const warnings: string[] = []
  const taken = new Set<string>()
  const blocks = [...readFolder(builtinDir, 'builtin', taken, warnings), ...readFolder(userDir, 'user', taken, warnings)]
  return { blocks, warnings }
}

/** Writes the block to the user's library; returns the file. Refuses a bad definition, a built-in's name, or an existing file unless `replace`. */
export function saveBlock(userDir: string, req: { name: string; block: unknown; replace?: boolean }, builtinDir = BUILTIN_BLOCKS_DIR): { file: string } {
  const { name } = req
  if (!BLOCK_NAME.test(name)) throw new ServiceError('INVALID_MODEL', `'${clip(name, 64)}' is not a block name: a letter or _ then letters, digits, _ or - (up to 64)`)
  let block: BlockDef
  try {
    block = parseBlockDef(req.block, `block ${name}`)
  } catch (e) {
    if (e instanceof ModelFileError) throw new ServiceError('INVALID_MODEL', oneLine(e.message))
    throw e
  }
  const text = serializeBlockFile({ name, block })
  if (Buffer.byteLength(text) > MAX_BLOCK_FILE_BYTES) throw new ServiceError('MODEL_TOO_LARGE', `block ${name} is ${Buffer.byteLength(text).toLocaleString('en-US')} bytes as a file; a block file is at most ${MAX_BLOCK_FILE_BYTES.toLocaleString('en-US')}`)
  if (existsSync(join(builtinDir, name + SUFFIX))) throw new ServiceError('FILE_EXISTS', `'${name}' is a built-in block; save yours under another name`)
  const file = join(userDir, name + SUFFIX)
  if (existsSync(file) && !req.replace) throw new ServiceError('FILE_EXISTS', `your library has a block named '${name}' already (${file}); replace it, or choose another name`)
  try {
    mkdirSync(userDir, { recursive: true })
  } catch (e) {
    throw new ServiceError('WRITE_FAILED', `could not make the block library ${userDir}: ${reasonOf(e)}`)
  }
  writeFileAtomic(file, text, `save the block ${name} to`)
  return { file }
}
