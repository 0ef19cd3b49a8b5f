// What the studio remembers between sessions (the theme, recent folders, the train form), kept by the host
// beside the experiment database (`prefs.get` / `prefs.set`): a page's own storage is per origin, and
// `serve` starts on a new port each time, so the page forgot them at every start. main.ts reads them once,
// before the app mounts; writes are gathered for a moment (typing in a field is one write, not one a key).
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { StudioPrefs } from '../../../src-main/api/contract.ts'
import { studio } from '../api/client.ts'
import { once } from '../api/request.ts'

const WRITE_AFTER_MS = 300

export const usePrefs = defineStore('prefs', () => {
  const values = shallowRef<StudioPrefs>({})
  /** Reads the remembered preferences once; unreachable or unreadable, the page starts with none. */
  const load = once(() => studio().invoke('prefs.get').then((p) => (values.value = p ?? {}), () => values.value))

  let pending: StudioPrefs = {}
  let timer: ReturnType<typeof setTimeout> | undefined
  function set(patch: StudioPrefs): void {
    values.value = { ...values.value, ...patch }
    pending = { ...pending, ...patch }
    clearTimeout(timer)
    timer = setTimeout(() => {
      const p = pending
      pending = {}
      // Not written (the server gone): this page keeps them for its session, which is all it can do.
      studio().invoke('prefs.set', p).catch(() => {})
    }, WRITE_AFTER_MS)
  }
  /** Writes a patch at once (what a reload right after must find, as Try both's pairs), resolving once written. */
  async function setNow(patch: StudioPrefs): Promise<void> {
    values.value = { ...values.value, ...patch }
    await studio().invoke('prefs.set', patch)
  }
  return { values, load, set, setNow }
})
