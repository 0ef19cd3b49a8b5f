// What a run's page shows after training (issue 10): the evaluation of a checkpoint with the gallery behind
// each confusion-matrix cell, predictions for images the user drops, the look inside one image (feature
// maps, filters, Grad-CAM), and exports with their parity check. One run at a time: `open(runId)` resets.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { EvaluationReport, ExportReport, ImagePrediction, InsightReport, PredictReport } from '../../../src-main/api/contract.ts'
import { studio, StudioError } from '../api/client.ts'
import { task, type Failure } from '../api/request.ts'

import type { CheckpointKind as Checkpoint, ExportFormat } from '../../../src-main/api/contract.ts'

export type { Checkpoint, ExportFormat }
type Task = 'evaluate' | 'predict' | 'insight' | 'export'

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

export const useInsight = defineStore('insight', () => {
  const runId = ref<string | null>(null)
  const checkpoint = ref<Checkpoint>('best')
  const split = ref<'val' | 'test'>('val')
  const testDir = ref('')
  const evaluation = shallowRef<EvaluationReport | null>(null)
  /** [true class, predicted class] of the open gallery. */
  const cell = ref<[number, number] | null>(null)
  const picked = shallowRef<PickedImage | null>(null)
  const prediction = shallowRef<PredictReport | null>(null)
  const insight = shallowRef<InsightReport | null>(null)
  const exported = shallowRef<ExportReport | null>(null)
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
    cell.value = null
    for (const n of names) tasks[n].clear()
  }

  async function evaluate(): Promise<void> {
    const id = runId.value
    if (!id) return
    const r = await tasks.evaluate.run(() => studio().invoke('runs.evaluate', { runId: id, split: split.value, checkpoint: checkpoint.value, ...(split.value === 'test' && testDir.value.trim() ? { testDir: testDir.value.trim() } : {}) }))
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

  /** Predicts the image and looks inside it (the predicted class's Grad-CAM). */
  async function pick(image: PickedImage): Promise<void> {
    const id = runId.value
    if (!id) return
    picked.value = image
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

  async function exportModel(format: ExportFormat, out: string): Promise<void> {
    const id = runId.value
    if (!id) return
    exported.value = null
    const r = await tasks.export.run(() => studio().invoke('runs.export', { runId: id, format, out: out.trim(), checkpoint: checkpoint.value }))
    if (r) exported.value = r
  }

  return { runId, checkpoint, split, testDir, evaluation, cell, gallery, picked, prediction, insight, exported, busy, errors, open, evaluate, openCell, closeCell, pick, explain, exportModel }
})
