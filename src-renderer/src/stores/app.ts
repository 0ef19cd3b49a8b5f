// What the studio knows of where it runs (app.info): version, host kind, cores, memory, the sample. Read once.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import type { Responses } from '../../../src-main/api/contract.ts'
import { studio } from '../api/client.ts'
import { once } from '../api/request.ts'

export type AppInfo = Responses['app.info']

export const useApp = defineStore('app', () => {
  const info = shallowRef<AppInfo | null>(null)
  // Kept once answered; a failure (a lost connection at start) is asked again next time.
  const load = once(() => studio().invoke('app.info').then((i) => (info.value = i)))
  return { info, load }
})
