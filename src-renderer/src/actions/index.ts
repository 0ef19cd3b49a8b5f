// The studio's one action registry, built on first use (after Pinia is installed).
import { buildActions } from './edit.ts'
import type { Registry } from './registry.ts'

let current: Registry | null = null
export function useActions(): Registry {
  current ??= buildActions()
  return current
}
