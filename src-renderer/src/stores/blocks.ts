// The block library the palette offers beside the model's own blocks: the built-in block files and the
// user's library folder (`blocks.list`), and "Save to library" (`blocks.save`). A broken file is the host's
// warning, shown in the palette, never a failure of the list.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { BlockDef } from '../../../src-engine/core/graph/index.ts'
import { studio } from '../api/client.ts'
import { asFailure, once, type Failure } from '../api/request.ts'

export interface LibraryBlock { name: string; source: 'builtin' | 'user'; description?: string; block: BlockDef }

export const useBlocks = defineStore('blocks', () => {
  const library = shallowRef<LibraryBlock[]>([])
  const warnings = shallowRef<string[]>([])
  const error = ref<Failure | null>(null)
  const load = once(async () => {
    try {
      const r = await studio().invoke('blocks.list')
      library.value = r.blocks
      warnings.value = r.warnings
      error.value = null
    } catch (e) {
      error.value = asFailure(e)
    }
  }, { keep: false })

  function find(name: string): LibraryBlock | undefined {
    return library.value.find((b) => b.name === name)
  }

  /** Writes `block` to the library as `name`; an existing name is replaced only when `replace` says so. Returns the file, or the failure. */
  async function save(name: string, block: BlockDef, replace = false): Promise<{ file?: string; failure?: Failure }> {
    try {
      const { file } = await studio().invoke('blocks.save', { name, block, ...(replace ? { replace: true } : {}) })
      void load()
      return { file }
    } catch (e) {
      return { failure: asFailure(e) }
    }
  }

  return { library, warnings, error, load, find, save }
})
