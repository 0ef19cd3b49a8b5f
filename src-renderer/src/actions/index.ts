// The studio's one action registry, made of the lists by what the actions do (files, editing, view and
// help, layers) and built on first use (after Pinia is installed).
import { fileActions } from './file.ts'
import { editActions } from './edit.ts'
import { blockActions } from './blocks.ts'
import { layerActions } from './layers.ts'
import { createRegistry, type Registry } from './registry.ts'
import { viewActions } from './view.ts'

export function buildActions(): Registry {
  return createRegistry([...fileActions(), ...editActions(), ...blockActions(), ...viewActions(), ...layerActions()])
}

let current: Registry | null = null
export function useActions(): Registry {
  current ??= buildActions()
  return current
}
