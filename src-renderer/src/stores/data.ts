// The dataset the studio trains on next: the folder, its health report, the contact sheets of its classes,
// and the folders opened before (remembered by the host, stores/prefs.ts, newest first). The split and augmentation live in the
// training settings (stores/train.ts) and the image size policy and channels on the model's input node (the
// design): the Data screen edits them where they are used, so nothing is copied and nothing drifts.
import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, shallowRef } from 'vue'
import type { HealthReport, Responses, StudioEvent } from '../../../src-main/api/contract.ts'
import { studio } from '../api/client.ts'
import { asFailure, task, type Failure } from '../api/request.ts'
import { useApp, type AppInfo } from './app.ts'
import { usePrefs } from './prefs.ts'

const RECENT_MAX = 8

export type Sheet = Responses['datasets.thumbnails']
export type ReadProgress = Extract<StudioEvent, { type: 'dataset' }>

let reads = 0

export const useData = defineStore('data', () => {
  const app = useApp()
  const info = computed(() => app.info)
  /** The folder of the report shown (and trained on), once it has been read. */
  const dir = ref('')
  const report = shallowRef<HealthReport | null>(null)
  /** The split the report's leakage check assumed. */
  const reportSplit = ref<number | null>(null)
  // Reading a folder: the newest folder asked for wins (a slow read of an earlier one does not replace it).
  const reading = task()
  const loading = computed(() => reading.busy)
  const error = computed({ get: () => reading.error, set: (f: Failure | null) => void (reading.error = f) })
  const prefs = usePrefs()
  const recent = ref<string[]>((prefs.values.recentFolders ?? []).slice(0, RECENT_MAX))
  const sheets = shallowReactive(new Map<string, Sheet | Failure>())
  /** The folder being read now, its read's id (for progress events and cancel), and how far it has got. */
  const readingDir = ref('')
  const readId = ref<string | null>(null)
  const progress = shallowRef<ReadProgress | null>(null)
  /** The report on screen is not of the folder being read: shown marked as the previous folder's until the read ends. */
  const stale = computed(() => loading.value && !!report.value && readingDir.value !== report.value.root)

  async function loadInfo(): Promise<AppInfo | null> {
    try {
      return await app.load()
    } catch (e) {
      error.value = asFailure(e)
      return null
    }
  }

  /** After a reload: reads the folder used last again (the newest recent one), unless one is shown or loading. */
  async function restore(split: { valSplit?: number; seed?: number } = {}): Promise<void> {
    if (report.value || loading.value || !recent.value.length) return
    await open(recent.value[0], split)
  }

  function remember(path: string): void {
    recent.value = [path, ...recent.value.filter((p) => p !== path)].slice(0, RECENT_MAX)
    prefs.set({ recentFolders: recent.value })
  }

  function forget(path: string): void {
    recent.value = recent.value.filter((p) => p !== path)
    prefs.set({ recentFolders: recent.value })
  }

  /** Reads a folder's health report; a folder that cannot be read leaves the previous report in place. */
  async function open(path: string, split: { valSplit?: number; seed?: number } = {}): Promise<boolean> {
    const p = path.trim()
    if (!p) {
      error.value = { code: 'NO_PATH', message: 'type the path of a folder that has one sub-folder of images per class' }
      return false
    }
    const id = `read-${++reads}`
    readId.value = id
    readingDir.value = p
    progress.value = null
    const read = await reading.run(async (current) => {
      const r = await studio().invoke('datasets.inspect', { dir: p, ...split, readId: id })
      if (!current()) return false
      report.value = r
      reportSplit.value = split.valSplit ?? 0.2
      dir.value = p
      remember(p)
      sheets.clear()
      void loadSheets(current)
      return true
    })
    if (readId.value === id) {
      readId.value = null
      progress.value = null
    }
    return read === true
  }

  /** Stops the read under way; it answers CANCELLED and the report shown stays (marked as the previous folder's). */
  async function cancel(): Promise<void> {
    const id = readId.value
    if (!id) return
    try {
      await studio().invoke('datasets.cancel', { readId: id })
    } catch (e) {
      error.value = asFailure(e)
    }
  }

  /** A `dataset` event: the progress of this page's read (another window's reads are not ours). */
  function onProgress(e: ReadProgress): void {
    if (e.readId === readId.value) progress.value = e
  }

  /** The native folder dialog (Electron); null in a browser, where the page shows a path field instead. */
  async function pick(): Promise<string | null> {
    try {
      return (await studio().invoke('dialogs.pickFolder'))?.path ?? null
    } catch (e) {
      error.value = asFailure(e)
      return null
    }
  }

  // One class at a time: the first sheets show at once, and the main process is never flooded.
  async function loadSheets(current: () => boolean): Promise<void> {
    const r = report.value
    if (!r) return
    for (const c of r.classes) {
      if (!current()) return
      if (c.count === 0) continue
      try {
        sheets.set(c.name, await studio().invoke('datasets.thumbnails', { dir: r.layout?.train ?? r.root, className: c.name, count: 16 }))
      } catch (e) {
        sheets.set(c.name, asFailure(e))
      }
    }
  }

  return { info, restore, dir, report, reportSplit, loading, error, recent, sheets, readingDir, progress, stale, loadInfo, open, cancel, onProgress, pick, remember, forget }
})
