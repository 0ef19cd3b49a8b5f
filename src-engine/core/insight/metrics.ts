// A classifier's report from its probabilities: the confusion matrix (counts, and normalised per true
// class), per-class precision, recall and F1, and top-k accuracy.
export interface ClassMetrics {
  class: string
  precision: number | null
  recall: number | null
  f1: number | null
  /** Images whose true class this is. */
  support: number
}

export interface ClassificationReport {
  count: number
  accuracy: number
  /** Mean cross-entropy of the true class. */
  loss: number
  /** confusion[true][predicted] */
  confusion: number[][]
  /** Each row divided by its total (rows of a class with no images stay zeros). */
  normalized: number[][]
  perClass: ClassMetrics[]
  macroF1: number | null
  topK: { k: number; accuracy: number }[]
}

/** k = 1 and 3, capped at the number of classes. */
export const defaultKs = (classes: number): number[] => [...new Set([1, Math.min(3, classes)])]

export interface ReportOptions {
  /** Top-k accuracies to report; default k = 1 and 3. */
  ks?: number[]
  /**
   * The summed cross-entropy from the logits (core/insight/infer.ts), exact as training's. Without it the
   * loss comes from the probabilities, where one that underflowed to 0 counts as 1e-30 (a loss of 69).
   */
  lossSum?: number
}

export function classificationReport(probs: Float32Array, labels: Int32Array, classes: string[], opts: ReportOptions = {}): ClassificationReport {
  const ks = opts.ks ?? defaultKs(classes.length)
  const C = classes.length, n = labels.length
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0))
  const hits = new Array<number>(ks.length).fill(0)
  let loss = 0
  for (let s = 0; s < n; s++) {
    const row = probs.subarray(s * C, (s + 1) * C)
    const t = labels[s]
    let best = 0
    for (let c = 1; c < C; c++) if (row[c] > row[best]) best = c
    confusion[t][best]++
    // Rank of the true class: how many classes score strictly higher (ties count for it, as argmax does).
    let rank = 0
    for (let c = 0; c < C; c++) if (row[c] > row[t] || (row[c] === row[t] && c < t)) rank++
    ks.forEach((k, i) => { if (rank < k) hits[i]++ })
    if (opts.lossSum === undefined) loss -= Math.log(Math.max(row[t], 1e-30))
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null)
  const perClass = classes.map((name, c) => {
    const tp = confusion[c][c]
    const predicted = confusion.reduce((s, r) => s + r[c], 0)
    const support = confusion[c].reduce((a, b) => a + b, 0)
    const precision = ratio(tp, predicted), recall = ratio(tp, support)
    // scikit-learn's f1_score (zero_division=0, the labels present in the truth or the predictions): a class
    // with images but no correct prediction has F1 0, predicted or not (recall 0), and so has a class that is
    // only ever predicted wrongly (precision 0); a class neither present nor predicted has no F1 (null) and
    // is left out of the macro mean, as sklearn leaves out a label it never sees.
    const f1 = support === 0 && predicted === 0 ? null : tp === 0 ? 0 : (2 * precision! * recall!) / (precision! + recall!)
    return { class: name, precision, recall, f1, support }
  })
  const f1s = perClass.map((p) => p.f1).filter((f): f is number => f !== null)
  const correct = confusion.reduce((s, r, i) => s + r[i], 0)
  return {
    count: n, accuracy: n ? correct / n : NaN, loss: n ? (opts.lossSum ?? loss) / n : NaN, confusion,
    normalized: confusion.map((r) => { const t = r.reduce((a, b) => a + b, 0); return r.map((v) => (t ? v / t : 0)) }),
    perClass, macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : null,
    topK: ks.map((k, i) => ({ k, accuracy: n ? hits[i] / n : NaN })),
  }
}
