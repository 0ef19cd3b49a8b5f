// Reads a model file for a command: unreadable or malformed files are bad input (exit 2) with a one-line reason.
import { readFileSync } from 'node:fs'
import { ModelFileError, parseModelFile, type ModelFile } from '../../src-engine/core/graph/index.ts'
import { CliError, EXIT_USAGE } from './errors.ts'

export function readModelFile(path: string): ModelFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a model file' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new CliError(`cannot read ${path}: ${why}`, EXIT_USAGE)
  }
  try {
    return parseModelFile(text)
  } catch (e) {
    if (e instanceof ModelFileError) throw new CliError(`${path}: ${e.message}`, EXIT_USAGE)
    throw e
  }
}
