// What changed between two of the compared runs, image by image (issue 22): the pair (A the reference, B
// compared with it), the host's diff on the images both share (or on a folder the user names), the open
// cell or list, and one image opened in both runs side by side (each run's prediction and Grad-CAM).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DiffImage, InsightReport, PredictionDiff } from '../../../src-main/api/contract.ts'
import { studio } from '../api/client.ts'
import { asFailure, task } from '../api/request.ts'

export type DiffList = 'fixed' | 'broken'

/** A changed cell's images: those B put there (entered) and those A had there (left), as indices into `images`. */
export interface CellImages { true: number; predicted: number; entered: number[]; left: number[] }

export const usePredictionDiff = defineStore('predictionDiff', () => {
  const a = ref<string | null>(null)
  const b = ref<string | null>(null)
  /** The folder the shown diff was made on, at the user's request ('' for the images both runs share). */
  const testDir = ref('')
  const diff = shallowRef<PredictionDiff | null>(null)
  const cell = ref<[number, number] | null>(null)
  const list = ref<DiffList>('fixed')
  /** The image opened side by side (an index into diff.images), and each run's look at it. */
  const opened = ref<number | null>(null)
  const sides = shallowRef<{ a: InsightReport | null; b: InsightReport | null }>({ a: null, b: null })
  const loading = task()
  const inspecting = task()
  const busy = computed(() => loading.busy)
  const error = computed(() => loading.error)
  const inspectBusy = computed(() => inspecting.busy)
  const inspectError = computed(() => inspecting.error)

  function reset(): void {
    diff.value = null
    cell.value = null
    opened.value = null
    sides.value = { a: null, b: null }
    loading.clear()
    inspecting.clear()
  }

  /** Chooses the pair; a new pair drops what was shown and what is still out for the last one. */
  function choose(nextA: string, nextB: string): void {
    if (a.value === nextA && b.value === nextB) return
    a.value = nextA
    b.value = nextB
    testDir.value = ''
    reset()
  }

  /** The diff of the pair: on the images both share, or on `dir` when given (a folder on the host). */
  async function load(dir: string = testDir.value): Promise<void> {
    const ra = a.value, rb = b.value
    if (!ra || !rb || ra === rb) return
    const folder = dir.trim()
    const r = await loading.run(() => studio().invoke('runs.predictionDiff', { a: ra, b: rb, ...(folder ? { testDir: folder } : {}) }))
    // A refused folder leaves the diff shown, and the folder it was made on, as they were.
    if (!r) return
    testDir.value = folder
    diff.value = r
    cell.value = null
    opened.value = null
    sides.value = { a: null, b: null }
  }

  function swap(): void {
    if (!a.value || !b.value) return
    const dir = testDir.value
    choose(b.value, a.value)
    void load(dir)
  }

  const cellImages = computed<CellImages | null>(() => {
    const d = diff.value, c = cell.value
    if (!d || !c) return null
    const found = d.cells.find((x) => x.true === c[0] && x.predicted === c[1])
    return found ? { true: found.true, predicted: found.predicted, entered: found.entered, left: found.left } : null
  })
  const shownList = computed<number[]>(() => (diff.value ? diff.value[list.value] : []))

  function openCell(t: number, p: number): void {
    cell.value = cell.value?.[0] === t && cell.value[1] === p ? null : [t, p]
  }

  /** Opens an image in both runs: each one's prediction and Grad-CAM of what it predicted, from the image file on the host. */
  async function open(index: number): Promise<void> {
    const d = diff.value, ra = a.value, rb = b.value
    const im: DiffImage | undefined = d?.images[index]
    if (!im || !ra || !rb) return
    opened.value = index
    sides.value = { a: null, b: null }
    const image = { path: im.path }
    const r = await inspecting.run(() => Promise.all([
      studio().invoke('runs.insight', { runId: ra, image, checkpoint: 'best' }),
      studio().invoke('runs.insight', { runId: rb, image, checkpoint: 'best' }),
    ]))
    if (r) sides.value = { a: r[0], b: r[1] }
  }
  function close(): void {
    opened.value = null
    sides.value = { a: null, b: null }
    inspecting.clear()
  }

  /** The native folder dialog (Electron); null in a browser, where the card's path field is the way. */
  async function pickFolder(): Promise<string | null> {
    // Not a task of its own: a dialog closed without a choice must leave the refusal (and its form) shown.
    try {
      return (await studio().invoke('dialogs.pickFolder'))?.path ?? null
    } catch (e) {
      loading.error = asFailure(e)
      return null
    }
  }

  return { a, b, testDir, diff, cell, list, opened, sides, busy, error, inspectBusy, inspectError, cellImages, shownList, choose, load, swap, openCell, open, close, pickFolder }
})
