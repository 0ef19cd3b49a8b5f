// A block file (`*.block.json`): one block definition on its own, for the palette's library and for sharing.
// Its body is the model file's block definition, with a name: a block from a file is copied into the model
// that uses it (the model file stays self-contained).
import { BLOCK_NAME } from './blocks.ts'
import { blockLines, jsonOf, ModelFileError, parseBlockDef } from './model-file.ts'
import type { BlockDef } from './types.ts'

export const BLOCK_FORMAT = 'cnn-studio.block'
export const BLOCK_FORMAT_VERSION = 1

export interface BlockFile {
  name: string
  block: BlockDef
}

/** Parses a block file from its text or a parsed value; throws ModelFileError naming the field. */
export function parseBlockFile(input: string | unknown): BlockFile {
  const doc = jsonOf(input, 'a block file is the JSON the studio saves as *.block.json')
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ModelFileError('BAD_FORMAT', '', 'a block file is a JSON object')
  const d = doc as Record<string, unknown>
  if (d.format !== BLOCK_FORMAT) throw new ModelFileError('BAD_FORMAT', 'format', `expected '${BLOCK_FORMAT}': this is not a CNN Studio block file`)
  if (d.version !== BLOCK_FORMAT_VERSION) {
    throw new ModelFileError(typeof d.version === 'number' && d.version > BLOCK_FORMAT_VERSION ? 'NEWER_VERSION' : 'BAD_FIELD', 'version', `this studio reads block files of version ${BLOCK_FORMAT_VERSION}, found ${JSON.stringify(d.version)}`)
  }
  if (typeof d.name !== 'string' || !BLOCK_NAME.test(d.name)) throw new ModelFileError('BAD_FIELD', 'name', 'a block name is a letter or _ then letters, digits, _ or - (up to 64)')
  const { format: _f, version: _v, name, ...body } = d
  return { name: name as string, block: parseBlockDef(body, name as string) }
}

export function serializeBlockFile(file: BlockFile): string {
  return ['{', `  "format": ${JSON.stringify(BLOCK_FORMAT)},`, `  "version": ${BLOCK_FORMAT_VERSION},`, `  "name": ${JSON.stringify(file.name)},`, ...blockLines(file.block, '  '), '}'].join('\n') + '\n'
}
