// View state outside the model file and its history: which screen is open (mirrored in the URL's hash, so a
// screen and its selection can be reopened or shared), the theme, and the canvas selection.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { usePrefs } from './prefs.ts'

export const SCREENS = ['design', 'data', 'train', 'runs', 'compare', 'learn'] as const
export type Screen = (typeof SCREENS)[number]
export type Theme = 'light' | 'dark'

export interface Route { screen: Screen; params: Record<string, string> }

/** What the designer's canvas lends the actions while it is on screen. */
export interface CanvasApi {
  fit(): void
  /** Measured card sizes by node id, for auto-layout. */
  sizes(): Record<string, { width: number; height: number }>
}

/** An edge's id on the canvas and in the edge selection: `from->to`. */
export const edgeKey = (e: readonly [string, string]) => `${e[0]}->${e[1]}`

/** The connect picker: the selected block and which end of the new edge it is ('from': it feeds the picked one). */
export interface ConnectAsk { id: string; end: 'from' | 'to' }

/** `#/compare?runs=a,b` -> { screen: 'compare', params: { runs: 'a,b' } }; anything unknown opens the designer. */
export function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?')
  const screen = (SCREENS as readonly string[]).includes(path) ? (path as Screen) : 'design'
  return { screen, params: Object.fromEntries(new URLSearchParams(query)) }
}

export function formatHash(r: Route): string {
  const q = new URLSearchParams(r.params).toString()
  return `#/${r.screen}${q ? `?${q}` : ''}`
}

/** The theme chosen before (remembered by the host, stores/prefs.ts), else the system's. */
function initialTheme(): Theme {
  const saved = usePrefs().values.theme
  if (saved) return saved
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

export const useUi = defineStore('ui', () => {
  const route = shallowRef<Route>(parseHash(globalThis.location?.hash ?? ''))
  const screen = computed(() => route.value.screen)
  const theme = ref<Theme>(initialTheme())
  /** Selected canvas nodes, by id. A set is replaced, never mutated, so watchers see each change. */
  const selection = shallowRef<ReadonlySet<string>>(new Set())
  const helpOpen = ref(false)
  const galleryOpen = ref(false)
  const canvas = shallowRef<CanvasApi | null>(null)
  /** Selected edges, by `edgeKey`; replaced, never mutated. Selecting blocks clears it (one selection at a time). */
  const edgeSelection = shallowRef<ReadonlySet<string>>(new Set())
  /** The connect picker, open while set (actions/edit.ts, ConnectPicker.vue). */
  const connecting = ref<ConnectAsk | null>(null)
  /** The "Make block" dialog, open while true (actions/blocks.ts, MakeBlockDialog.vue). */
  const makingBlock = ref(false)
  /** A first start (nothing to reopen): the designer says what to do next until dismissed. */
  const firstStart = ref(false)

  function navigate(screen: Screen, params: Record<string, string> = {}): void {
    route.value = { screen, params }
    if (globalThis.location && globalThis.location.hash !== formatHash(route.value)) globalThis.history.pushState(null, '', formatHash(route.value))
  }
  /** Changes the current screen's parameters without a new history entry (a filter, a selection). */
  function setParams(params: Record<string, string>): void {
    route.value = { screen: route.value.screen, params }
    replaceAddressSoon()
  }
  // Chromium takes tens of milliseconds for one history.replaceState (35-40 ms measured opening Compare): the
  // address follows the route after the next frame is painted, the latest route only, and only when it changed.
  let addressPending = false
  function replaceAddressSoon(): void {
    if (!globalThis.location || addressPending) return
    addressPending = true
    const write = () => {
      addressPending = false
      const hash = formatHash(route.value)
      if (globalThis.location.hash !== hash) globalThis.history.replaceState(null, '', hash)
    }
    if (typeof globalThis.requestAnimationFrame === 'function') globalThis.requestAnimationFrame(() => setTimeout(write))
    else write()
  }
  /** Follows the address (back, forward, a pasted link); the same address again changes nothing. */
  function fromLocation(): void {
    const next = parseHash(globalThis.location.hash)
    if (formatHash(next) !== formatHash(route.value)) route.value = next
  }
  function select(ids: Iterable<string>): void {
    selection.value = new Set(ids)
    if (selection.value.size && edgeSelection.value.size) edgeSelection.value = new Set()
  }
  /** Selects edges (by `edgeKey`) instead of blocks. */
  function selectEdges(keys: Iterable<string>): void {
    edgeSelection.value = new Set(keys)
    if (edgeSelection.value.size && selection.value.size) selection.value = new Set()
  }
  function toggleTheme(): void {
    theme.value = theme.value === 'dark' ? 'light' : 'dark'
    usePrefs().set({ theme: theme.value })
  }
  watch(theme, (t) => {
    if (globalThis.document) document.documentElement.dataset.theme = t
  }, { immediate: true })

  return { route, screen, theme, selection, edgeSelection, helpOpen, galleryOpen, connecting, makingBlock, firstStart, canvas, navigate, setParams, fromLocation, select, selectEdges, toggleTheme }
})
