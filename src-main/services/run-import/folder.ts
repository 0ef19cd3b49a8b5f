// Reading a run folder, as the exported PyTorch script writes it with --out RUN_DIR (resources/export/train.py,
// class RunFolder): run.json, model.cnn.json, epochs.jsonl, final.weights, best.weights, validation.json.
// Everything is read and checked here, before the store is touched; what is wrong is said with the file.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { analyzeForTraining, parseModelFile, type GraphAnalysis, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import type { EpochEvent } from '../../../src-engine/core/train/types.ts'
import { decodeWeights, describeNonFinite, firstNonFinite, WeightsError } from '../../../src-engine/core/train/weights.ts'
import { ServiceError } from '../errors.ts'
import { weightsMisfit } from '../import/weights-fit.ts'

export const RUN_FOLDER_FORMAT = 'cnn-studio.run'
const STATUSES = ['running', 'completed', 'failed'] as const

/** run.json as the script writes it (fields this studio reads; the rest is kept as it is). */
export interface RunInfo {
  format: typeof RUN_FOLDER_FORMAT
  version: number
  id: string
  model: string
  from?: { run?: string; studio?: string; weights?: string }
  settings: Record<string, unknown>
  datasetDir: string
  preprocessing: { classes: string[]; mean: number[]; std: number[] }
  torch?: string
  worldSize?: number
  devices?: string[]
  startedAt?: string | null
  endedAt?: string | null
  status: (typeof STATUSES)[number]
  error?: string
  epochs: string
  final: string
  best: string
  validation: string
}

export interface FolderEpoch { event: EpochEvent; steps: { step: number; loss: number; accuracy: number }[] }

export interface RunFolder {
  dir: string
  info: RunInfo
  /** The folder's identity: the same run copied elsewhere has the same one. */
  fingerprint: string
  model: ModelFile
  analysis: GraphAnalysis
  epochs: FolderEpoch[]
  /** The weights and the epoch each was written at (their meta); `best` is absent when the job wrote none. */
  final: { epoch: number; valAccuracy: number | null; weights: Uint8Array } | null
  best: { epoch: number; valAccuracy: number | null; weights: Uint8Array } | null
  /** The images the script validated on (relative to its data folder), or null when it wrote none. */
  validation: string[] | null
  warnings: string[]
}

const notRunFolder = (dir: string, why: string) => new ServiceError('NOT_A_RUN_FOLDER', `${dir} is not a run folder: ${why}. A run folder is what the exported PyTorch script writes with --out RUN_DIR (cnn-studio export RUN --format pytorch)`)
const damaged = (file: string, why: string) => new ServiceError('NOT_A_RUN_FOLDER', `${file} ${why}; the run folder cannot be imported as it is`)

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const optNum = (v: unknown): number | undefined => (isNum(v) ? v : undefined)

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw damaged(file, `is not readable JSON (${e instanceof Error ? e.message : String(e)})`)
  }
}

/** A file the folder names, inside the folder (a name, not a path elsewhere). */
function member(dir: string, name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]+$/.test(name)) throw damaged(join(dir, 'run.json'), `names no ${what} file (or a path outside the folder)`)
  return join(dir, name)
}

function readInfo(dir: string): RunInfo {
  const file = join(dir, 'run.json')
  let st
  try {
    st = statSync(dir)
  } catch {
    throw new ServiceError('NOT_FOUND', `${dir} does not exist; give the folder the script wrote with --out`)
  }
  if (!st.isDirectory()) throw notRunFolder(dir, 'it is a file, not a folder')
  if (!existsSync(file)) throw notRunFolder(dir, 'it has no run.json')
  const info = readJson(file) as Partial<RunInfo> | null
  if (!info || typeof info !== 'object' || info.format !== RUN_FOLDER_FORMAT) throw notRunFolder(dir, `its run.json is not a CNN Studio run (format '${String((info as { format?: unknown } | null)?.format)}', expected '${RUN_FOLDER_FORMAT}')`)
  if (!isNum(info.version) || info.version > 1) throw damaged(file, `is version ${String(info.version)}, newer than this studio reads (1): update the studio`)
  if (typeof info.id !== 'string' || !info.id) throw damaged(file, 'has no run id')
  if (!info.settings || typeof info.settings !== 'object') throw damaged(file, 'has no settings')
  if (typeof info.datasetDir !== 'string') throw damaged(file, 'names no dataset folder (datasetDir)')
  const p = info.preprocessing
  if (!p || !Array.isArray(p.classes) || !Array.isArray(p.mean) || !Array.isArray(p.std)) throw damaged(file, 'has no preprocessing (classes, mean, std)')
  if (!STATUSES.includes(info.status as RunInfo['status'])) throw damaged(file, `has status '${String(info.status)}', not one of ${STATUSES.join(', ')}`)
  return info as RunInfo
}

/** One line of epochs.jsonl: the studio's epoch metrics, and the sampled steps as [step, loss, accuracy]. */
function readEpochs(file: string): FolderEpoch[] {
  if (!existsSync(file)) return [] // killed before its first epoch ended
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim())
  return lines.map((line, i) => {
    let e: Record<string, unknown>
    try {
      e = JSON.parse(line)
    } catch {
      throw damaged(file, `line ${i + 1} is not JSON`)
    }
    if (e.epoch !== i + 1 || !isNum(e.trainLoss) || !isNum(e.trainAccuracy) || !isNum(e.lr)) throw damaged(file, `line ${i + 1} is not epoch ${i + 1} with trainLoss, trainAccuracy and lr`)
    const event: EpochEvent = {
      epoch: i + 1, trainLoss: e.trainLoss, trainAccuracy: e.trainAccuracy, lr: e.lr, seconds: optNum(e.seconds) ?? 0, imagesPerSecond: optNum(e.imagesPerSecond) ?? 0,
      ...(isNum(e.valLoss) ? { valLoss: e.valLoss } : {}), ...(isNum(e.valAccuracy) ? { valAccuracy: e.valAccuracy } : {}),
    }
    const steps = (Array.isArray(e.steps) ? e.steps : []).filter((s): s is [number, number, number] => Array.isArray(s) && s.length === 3 && s.every(isNum))
      .map(([step, loss, accuracy]) => ({ step, loss, accuracy }))
    return { event, steps }
  })
}

/** A weights file of the folder, checked against the model tensor by tensor; null when absent. */
function readWeights(file: string, a: GraphAnalysis, modelName: string): { epoch: number; valAccuracy: number | null; weights: Uint8Array } | null {
  if (!existsSync(file)) return null
  const weights = new Uint8Array(readFileSync(file))
  let meta: Record<string, unknown> | undefined
  try {
    const d = decodeWeights(weights)
    meta = d.meta
    const bad = firstNonFinite(d.tensors)
    if (bad) throw new ServiceError('NOT_FINITE', `${file} holds ${describeNonFinite(bad.value)} in ${bad.name}: the job diverged; its weights cannot be used`)
  } catch (e) {
    if (e instanceof WeightsError) throw damaged(file, `cannot be read: ${e.message}`)
    throw e
  }
  const misfit = weightsMisfit(a, weights)
  if (misfit) throw new ServiceError('INVALID_MODEL', `${file} does not fit the run's model (${modelName}): ${misfit}`)
  if (!isNum(meta?.epoch)) throw damaged(file, 'does not say which epoch it was written at (meta.epoch)')
  return { epoch: meta.epoch, valAccuracy: optNum(meta.valAccuracy) ?? null, weights }
}

/** Reads and checks a whole run folder; throws a ServiceError saying what is wrong, having written nothing. */
export function readRunFolder(path: string): RunFolder {
  const dir = resolve(path)
  const info = readInfo(dir)
  const modelFile = member(dir, info.model, 'model')
  if (!existsSync(modelFile)) throw notRunFolder(dir, `it has no ${info.model} (the model the script trained)`)
  let model: ModelFile
  try {
    model = parseModelFile(readFileSync(modelFile, 'utf8'))
  } catch (e) {
    throw damaged(modelFile, `is not a model file the studio reads (${e instanceof Error ? e.message : String(e)})`)
  }
  const analysis = analyzeForTraining(model)
  const modelError = analysis.issues.find((i) => i.severity === 'error')
  if (modelError) throw new ServiceError('INVALID_MODEL', `${modelFile} is not a model the studio can train: ${modelError.message}`)
  if (info.preprocessing.classes.length !== analysis.classes) throw damaged(join(dir, 'run.json'), `lists ${info.preprocessing.classes.length} classes, but its model ends in ${analysis.classes}`)
  const epochs = readEpochs(member(dir, info.epochs, 'epochs'))
  const final = readWeights(member(dir, info.final, 'final weights'), analysis, info.model)
  const best = readWeights(member(dir, info.best, 'best weights'), analysis, info.model)
  if (!final) throw notRunFolder(dir, `it has no ${info.final} yet: the job ended before its first epoch did, so there is nothing to import`)
  const warnings: string[] = []
  if (final.epoch > epochs.length) warnings.push(`${info.final} is of epoch ${final.epoch} but ${info.epochs} ends at epoch ${epochs.length} (the job was stopped between the two writes): the missing epoch has no metrics`)
  const valFile = member(dir, info.validation, 'validation')
  const v = existsSync(valFile) ? (readJson(valFile) as { files?: unknown }) : null
  const validation = Array.isArray(v?.files) && v.files.every((f) => typeof f === 'string') ? (v.files as string[]) : null
  if (!validation) warnings.push(`${valFile} is missing or lists no files: the studio's validation split cannot be checked against the one the job used`)
  const fingerprint = createHash('sha256').update(`${RUN_FOLDER_FORMAT}\0${info.id}`).digest('hex').slice(0, 32)
  return { dir, info, fingerprint, model, analysis, epochs, final, best, validation, warnings }
}
