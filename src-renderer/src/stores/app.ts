// What the studio knows of where it runs (app.info): version, host kind, cores, memory, the sample. Read once.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { Responses } from '../../../src-main/api/contract.ts'
import { studio } from '../api/client.ts'

export type AppInfo = Responses['app.info']

export const useApp = defineStore('app', () => {
  const info = shallowRef<AppInfo | null>(null)
  let pending: Promise<AppInfo> | null = null
  function load(): Promise<AppInfo> {
    if (!pending) {
      pending = studio().invoke('app.info').then((i) => (info.value = i))
      pending.catch(() => (pending = null)) // a failure (a lost connection at start) is asked again next time
    }
    return pending
  }
  return { info, load }
})
