// What a run's page shows after training (issue 10): the evaluation of a checkpoint with the gallery behind
// each confusion-matrix cell, predictions for images the user drops, the look inside one image (feature
// maps, filters, Grad-CAM), and exports with their parity check. One run at a time: `open(runId)` resets.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ApiError, EvaluationReport, ExportReport, ImagePrediction, InsightReport, PredictReport } from '../../../src-main/api/contract.ts'
import { studio, StudioError } from '../api/client.ts'
import { asFailure } from './runs.ts'

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
  const busy = ref<Record<Task, boolean>>({ evaluate: false, predict: false, insight: false, export: false })
  const errors = ref<Partial<Record<Task, ApiError>>>({})

  /** The images of the open cell, most confident first. */
  const gallery = computed<ImagePrediction[]>(() => {
    const e = evaluation.value, c = cell.value
    if (!e || !c) return []
    return e.predictions.filter((p) => p.true === c[0] && p.predicted === c[1]).sort((a, b) => b.confidence - a.confidence)
  })

  async function task<T>(name: Task, fn: () => Promise<T>): Promise<T | null> {
    busy.value = { ...busy.value, [name]: true }
    errors.value = { ...errors.value, [name]: undefined }
    try {
      return await fn()
    } catch (e) {
      errors.value = { ...errors.value, [name]: asFailure(e) }
      return null
    } finally {
      busy.value = { ...busy.value, [name]: false }
    }
  }

  function open(id: string): void {
    if (runId.value === id) return
    runId.value = id
    evaluation.value = prediction.value = insight.value = exported.value = picked.value = null
    cell.value = null
    errors.value = {}
  }

  async function evaluate(): Promise<void> {
    const id = runId.value
    if (!id) return
    const r = await task('evaluate', () => studio().invoke('runs.evaluate', { runId: id, split: split.value, checkpoint: checkpoint.value, ...(split.value === 'test' && testDir.value.trim() ? { testDir: testDir.value.trim() } : {}) }))
    if (r && runId.value === id) {
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
      task('predict', () => studio().invoke('runs.predict', { runId: id, images: [image], top: 5, checkpoint: checkpoint.value })),
      explain(),
    ])
    if (p && runId.value === id && picked.value === image) prediction.value = p // not an earlier image's late answer
  }

  /** Grad-CAM for a chosen class of the picked image (the predicted one when omitted). */
  let latest = 0
  async function explain(classIndex?: number): Promise<void> {
    const id = runId.value, image = picked.value, asked = ++latest
    if (!id || !image) return
    const r = await task('insight', () => studio().invoke('runs.insight', { runId: id, image, checkpoint: checkpoint.value, ...(classIndex === undefined ? {} : { classIndex }) }))
    if (r && runId.value === id && picked.value === image && latest === asked) insight.value = r
  }

  async function exportModel(format: ExportFormat, out: string): Promise<void> {
    const id = runId.value
    if (!id) return
    exported.value = null
    const r = await task('export', () => studio().invoke('runs.export', { runId: id, format, out: out.trim(), checkpoint: checkpoint.value }))
    if (r && runId.value === id) exported.value = r
  }

  return { runId, checkpoint, split, testDir, evaluation, cell, gallery, picked, prediction, insight, exported, busy, errors, open, evaluate, openCell, closeCell, pick, explain, exportModel }
})
