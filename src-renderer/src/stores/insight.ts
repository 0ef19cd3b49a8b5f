// What a run's page shows after training (issue 10): the evaluation of a checkpoint with the gallery behind
// each confusion-matrix cell, predictions for images the user drops, the look inside one image (feature
// maps, filters, Grad-CAM), and exports with their parity check. One run at a time: `open(runId)` resets.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { EvaluationReport, ExportReport, ImagePrediction, InsightReport, PredictReport } from '../../../src-main/api/contract.ts'
import { studio, StudioError } from '../api/client.ts'
import { task, type Failure } from '../api/request.ts'

import type { CheckpointKind as Checkpoint, ExportFormat } from '../../../src-main/api/contract.ts'
import { downloadBlob } from '../download.ts'

export type { Checkpoint, ExportFormat }
type Task = 'evaluate' | 'predict' | 'insight' | 'export'
/** Where a gallery image is opened: its prediction, its Grad-CAM, or its feature maps. */
export type InsightView = 'predict' | 'gradcam' | 'maps'

/** An image the user chose, as the contract carries it (its bytes as a data: URL). */
export interface PickedImage { name: string; data: string }

/** A File (drop or file input) read as a data: URL. */
export function readImage(file: Blob & { name: string }): Promise<PickedImage> {
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve({ name: file.name, data: String(r.result) })
    r.onerror = () => reject(new StudioError({ code: 'UNREADABLE', message: `cannot read ${file.name}` }))
    r.readAsDataURL(file)
  })
}

/** Saves one file the host sent (base64): a download in a browser; in Electron the same link opens its save dialog. */
export function saveFile(name: string, base64: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
  downloadBlob(name, new Blob([bytes], { type: 'application/octet-stream' }))
}

export const useInsight = defineStore('insight', () => {
  const runId = ref<string | null>(null)
  const checkpoint = ref<Checkpoint>('best')
  const split = ref<'val' | 'test'>('val')
  const evaluation = shallowRef<EvaluationReport | null>(null)
  /** [true class, predicted class] of the open gallery. */
  const cell = ref<[number, number] | null>(null)
  const picked = shallowRef<PickedImage | null>(null)
  const prediction = shallowRef<PredictReport | null>(null)
  const insight = shallowRef<InsightReport | null>(null)
  const exported = shallowRef<ExportReport | null>(null)
  /** The names of the files the last export saved. */
  const saved = ref<string[]>([])
  /** Which view a gallery image was opened in, so the page can bring it into sight. */
  const view = ref<InsightView | null>(null)
  // One task each: the newest request of a kind wins (an earlier image's late prediction or Grad-CAM is
  // dropped), and opening another run drops what is still out for the last one.
  const tasks = { evaluate: task(), predict: task(), insight: task(), export: task() }
  const names = Object.keys(tasks) as Task[]
  const busy = computed(() => Object.fromEntries(names.map((n) => [n, tasks[n].busy])) as Record<Task, boolean>)
  const errors = computed(() => Object.fromEntries(names.map((n) => [n, tasks[n].error ?? undefined])) as Partial<Record<Task, Failure>>)

  /** The images of the open cell, most confident first. */
  const gallery = computed<ImagePrediction[]>(() => {
    const e = evaluation.value, c = cell.value
    if (!e || !c) return []
    return e.predictions.filter((p) => p.true === c[0] && p.predicted === c[1]).sort((a, b) => b.confidence - a.confidence)
  })

  function open(id: string): void {
    if (runId.value === id) return
    runId.value = id
    evaluation.value = prediction.value = insight.value = exported.value = picked.value = null
    cell.value = view.value = null
    saved.value = []
    split.value = 'val'
    for (const n of names) tasks[n].clear()
  }

  /** The run's one evaluation: its best checkpoint on the validation split or its test folder, made once and kept with the run. */
  async function evaluate(which: 'val' | 'test' = split.value): Promise<void> {
    const id = runId.value
    if (!id) return
    split.value = which
    const r = await tasks.evaluate.run(() => studio().invoke('runs.evaluation', { runId: id, split: which }))
    if (r) {
      evaluation.value = r
      cell.value = null
    }
  }

  function openCell(actual: number, predicted: number): void {
    cell.value = [actual, predicted]
  }
  function closeCell(): void {
    cell.value = null
  }

  /** Predicts the image and looks inside it (the predicted class's Grad-CAM); `to` names the view to show. */
  async function pick(image: PickedImage, to: InsightView | null = null): Promise<void> {
    const id = runId.value
    if (!id) return
    picked.value = image
    view.value = to
    prediction.value = null
    insight.value = null
    const [p] = await Promise.all([
      tasks.predict.run(() => studio().invoke('runs.predict', { runId: id, images: [image], top: 5, checkpoint: checkpoint.value })),
      explain(),
    ])
    if (p) prediction.value = p
  }

  /** Grad-CAM for a chosen class of the picked image (the predicted one when omitted). */
  async function explain(classIndex?: number): Promise<void> {
    const id = runId.value, image = picked.value
    if (!id || !image) return
    const r = await tasks.insight.run(() => studio().invoke('runs.insight', { runId: id, image, checkpoint: checkpoint.value, ...(classIndex === undefined ? {} : { classIndex }) }))
    if (r) insight.value = r
  }

  /** Exports the checkpoint in the host's temporary folder and saves the files here, named after the run. */
  async function download(format: ExportFormat): Promise<void> {
    const id = runId.value
    if (!id) return
    exported.value = null
    saved.value = []
    const r = await tasks.export.run(() => studio().invoke('runs.download', { runId: id, format, checkpoint: checkpoint.value }))
    if (!r) return
    for (const f of r.files) saveFile(f.name, f.data)
    saved.value = r.files.map((f) => f.name)
    exported.value = r.report
  }

  return { runId, checkpoint, split, evaluation, cell, gallery, picked, prediction, insight, exported, saved, view, busy, errors, open, evaluate, openCell, closeCell, pick, explain, download }
})
