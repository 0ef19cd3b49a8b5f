// What changed between two runs, image by image (issue 22 scope 1): both runs' best checkpoints evaluated on
// the same images, the confusion matrix of B minus A with the images behind each changed cell, and the images
// B fixed (A wrong, B right) and broke (A right, B wrong). The evaluations are the stored ones
// (insight/evaluate.ts storedEvaluation), so a diff opened twice runs inference once per run.
import { resolve } from 'node:path'
import type { DiffCell, DiffImage, DiffRun, PredictionDiff } from '../api/prediction-diff.ts'
import { ServiceError } from './errors.ts'
import { storedEvaluation, type EvaluationResult, type ImagePrediction } from './insight/evaluate.ts'
import type { RunRow, Store } from './store/store.ts'

export interface PredictionDiffOptions {
  /** A test folder (one sub-folder per class) to evaluate both runs on, whatever they share. */
  testDir?: string
  cacheDir?: string
}

/** Which images two runs are compared on. `testDir` absent with split 'test': each run's own (shared) test folder. */
interface Source { split: 'val' | 'test'; testDir?: string; description: string }

interface DataOf { dir: string | null; seed: number; valSplit: number; valDir: string | null; testDir: string | null; fingerprint: string | null; classes: string[] | null }

function dataOf(store: Store, run: RunRow): DataOf {
  const s = run.settings as { datasetDir?: string; seed?: number; valSplit?: number; valDir?: string; testDir?: string | null }
  const ds = store.datasetOf(run.runId)
  const dir = s.datasetDir ?? ds?.root ?? null
  // The defaults are the ones training and run-context.ts apply to a run recorded without them.
  return {
    dir: dir ? resolve(dir) : null, seed: s.seed ?? 1, valSplit: s.valSplit ?? 0.2, valDir: s.valDir ? resolve(s.valDir) : null,
    testDir: s.testDir ? resolve(s.testDir) : null, fingerprint: ds?.fingerprint ?? null, classes: ds?.classes ?? null,
  }
}

const share = (v: number) => `${Math.round(100 * v)}%`
const describeData = (id: string, d: DataOf) => `${id} on ${d.dir ?? 'no recorded folder'}${d.valDir ? ` (validated on ${d.valDir})` : `, seed ${d.seed}, ${share(d.valSplit)} held out`}`

/**
 * The images two runs can be compared on: a named test folder; else the validation split when both split the
 * same folder (same images) with the same seed and share; else the validation or test folder both name; else
 * a refusal saying why and what to pick.
 */
export function sharedSource(store: Store, a: RunRow, b: RunRow, testDir?: string): Source {
  if (testDir) return { split: 'test', testDir: resolve(testDir), description: `the test folder ${resolve(testDir)}` }
  const da = dataOf(store, a), db = dataOf(store, b)
  const sameFolder = da.dir !== null && da.dir === db.dir && da.fingerprint === db.fingerprint
  if (sameFolder && !da.valDir && !db.valDir && da.valSplit > 0 && da.valSplit === db.valSplit && da.seed === db.seed) {
    return { split: 'val', description: `the validation split both runs hold out of ${da.dir} (seed ${da.seed}, ${share(da.valSplit)})` }
  }
  if (sameFolder && da.valDir && da.valDir === db.valDir) return { split: 'test', testDir: da.valDir, description: `the validation folder both runs use, ${da.valDir}` }
  if (da.testDir && da.testDir === db.testDir) return { split: 'test', description: `the test folder both runs were trained with, ${da.testDir}` }
  const why = !sameFolder
    ? (da.dir === db.dir && da.dir !== null ? `the images in ${da.dir} changed between the two runs` : 'they were trained on different folders')
    : da.seed !== db.seed ? `they split it with different seeds (${da.seed} and ${db.seed})`
      : da.valSplit !== db.valSplit ? `they held out different shares (${share(da.valSplit)} and ${share(db.valSplit)})`
        : 'neither held out a validation split'
  const classes = da.classes ?? db.classes
  throw new ServiceError('NO_SHARED_IMAGES', `runs ${a.runId} and ${b.runId} were not validated on the same images: ${why} (${describeData(a.runId, da)}; ${describeData(b.runId, db)}); ` +
    `pick a test folder both can read, one sub-folder per class${classes ? ` (${classes.join(', ')})` : ''}: --test-dir DIR on the command line, "Use a test folder" under What changed in Compare`)
}

const mostConfident = (images: DiffImage[], side: 'a' | 'b') => (i: number, j: number) => images[j][side].confidence - images[i][side].confidence

/** The diff of two evaluations on the images both hold (matched by path). Pure: the tests give it evaluations. */
export function diffEvaluations(ea: EvaluationResult, eb: EvaluationResult, names: { a: string; b: string }, source: Omit<PredictionDiff['source'], 'folder'>): PredictionDiff {
  const C = ea.classes.length
  const byPath = new Map<string, ImagePrediction>(ea.predictions.map((p) => [p.path, p]))
  const zero = () => Array.from({ length: C }, () => new Array<number>(C).fill(0))
  const ca = zero(), cb = zero()
  const images: DiffImage[] = []
  const counts = { fixed: 0, broken: 0, bothRight: 0, bothWrong: 0, otherWrong: 0, changed: 0 }
  const fixed: number[] = [], broken: number[] = []
  let count = 0, rightA = 0, rightB = 0
  for (const pb of eb.predictions) {
    const pa = byPath.get(pb.path)
    if (!pa || pa.true !== pb.true) continue
    count++
    ca[pa.true][pa.predicted]++
    cb[pb.true][pb.predicted]++
    const okA = pa.predicted === pa.true, okB = pb.predicted === pb.true
    rightA += +okA
    rightB += +okB
    if (okA && okB) counts.bothRight++
    else if (!okA && !okB) counts.bothWrong++
    if (pa.predicted === pb.predicted) continue
    const i = images.push({ path: pb.path, true: pb.true, a: { predicted: pa.predicted, confidence: pa.confidence }, b: { predicted: pb.predicted, confidence: pb.confidence }, ...(pb.thumbnail ?? pa.thumbnail ? { thumbnail: pb.thumbnail ?? pa.thumbnail } : {}) }) - 1
    if (!okA && okB) fixed.push(i)
    else if (okA && !okB) broken.push(i)
    else counts.otherWrong++
  }
  if (!count) throw new ServiceError('NO_SHARED_IMAGES', `runs ${ea.runId} and ${eb.runId} share no image: ${ea.runId} was evaluated on ${ea.predictions.length} images of ${ea.folder}, ${eb.runId} on ${eb.predictions.length} of ${eb.folder}; pick a test folder both can read`)
  fixed.sort(mostConfident(images, 'b'))
  broken.sort(mostConfident(images, 'a'))
  counts.fixed = fixed.length
  counts.broken = broken.length
  counts.changed = images.length
  const diff = cb.map((row, t) => row.map((v, p) => v - ca[t][p]))
  const cells: DiffCell[] = []
  for (let t = 0; t < C; t++) for (let p = 0; p < C; p++) {
    if (!diff[t][p]) continue
    const entered = [], left = []
    for (let i = 0; i < images.length; i++) {
      const im = images[i]
      if (im.true !== t) continue
      if (im.b.predicted === p) entered.push(i)
      if (im.a.predicted === p) left.push(i)
    }
    cells.push({ true: t, predicted: p, a: ca[t][p], b: cb[t][p], delta: diff[t][p], entered: entered.sort(mostConfident(images, 'b')), left: left.sort(mostConfident(images, 'a')) })
  }
  const run = (e: EvaluationResult, name: string, right: number): DiffRun => ({ runId: e.runId, name, checkpoint: e.checkpoint, correct: right, accuracy: right / count })
  return {
    a: run(ea, names.a, rightA), b: run(eb, names.b, rightB), source: { ...source, folder: eb.folder }, classes: eb.classes, count,
    confusion: { a: ca, b: cb, diff }, cells, images, fixed, broken, counts, warnings: [...new Set([...ea.warnings, ...eb.warnings])],
  }
}

/** `a`, `b`: run ids (or `latest`). Throws ServiceError NO_SHARED_IMAGES (and whatever evaluating a run throws). */
export async function predictionDiff(store: Store, refA: string, refB: string, opts: PredictionDiffOptions = {}): Promise<PredictionDiff> {
  const a = store.getRun(refA), b = store.getRun(refB)
  if (a.runId === b.runId) throw new ServiceError('INVALID_SETTINGS', `${a.runId} twice: a diff takes two different runs`)
  const source = sharedSource(store, a, b, opts.testDir)
  // Known classes that differ make every cell meaningless: said before any inference.
  const ka = store.datasetOf(a.runId)?.classes, kb = store.datasetOf(b.runId)?.classes
  if (ka && kb) sameClasses(a.runId, ka, b.runId, kb)
  const evaluate = (id: string) => storedEvaluation(store, id, { split: source.split, testDir: source.testDir, cacheDir: opts.cacheDir })
  // One after the other: each evaluation takes a worker's memory, and both are usually kept already.
  const ea = await evaluate(a.runId)
  const eb = await evaluate(b.runId)
  sameClasses(a.runId, ea.classes, b.runId, eb.classes)
  return diffEvaluations(ea, eb, { a: a.name, b: b.name }, { split: source.split, description: source.description })
}

function sameClasses(a: string, ca: string[], b: string, cb: string[]): void {
  if (ca.join('\0') === cb.join('\0')) return
  throw new ServiceError('NO_SHARED_IMAGES', `runs ${a} and ${b} predict different classes (${ca.join(', ')}; ${cb.join(', ')}): their confusion matrices cannot be subtracted; compare runs trained on the same classes`)
}
