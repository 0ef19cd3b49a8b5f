// The end-of-run verdict: whether a completed run learnt anything. A run can finish every epoch and still be
// no better than guessing (a learning rate far too high throws the weights about, and the loss climbs); the
// studio says so, with the one change most likely to help, instead of showing a green "completed".

/** What is stored with a run that did not learn (null for one that did). */
export interface Verdict {
  didNotLearn: true
  /** Why, with the run's own numbers. */
  reason: string
  /** What to try next. */
  advice: string
  /** The whole sentence, as the run page, the Train screen and `train` print it. */
  message: string
}

/**
 * Points of accuracy above chance (1/classes) that still count as chance. Five: the validation split of a small
 * folder is a few dozen images, where a guessing model's accuracy wanders a few points around chance by luck
 * alone (72 images at 3 classes: one standard deviation is 5.5 points), while a network that learnt anything
 * lands well clear of it within an epoch or two.
 */
export const CHANCE_MARGIN = 0.05

interface EpochLike { trainLoss: number; trainAccuracy: number; valAccuracy?: number | null }

const pct = (v: number) => `${(100 * v).toFixed(1)}%`

/**
 * Judges a completed run from its epochs: it did not learn when even its best accuracy (validation, or
 * training when nothing was held out) is within CHANCE_MARGIN of chance, or when its training loss ended
 * higher than after the first epoch (or is not a number).
 */
export function judgeRun(epochs: readonly EpochLike[], classes: number, lr: number | null | undefined): Verdict | null {
  if (!epochs.length || classes < 2) return null
  const chance = 1 / classes
  const withVal = epochs.filter((e) => typeof e.valAccuracy === 'number')
  const accs = withVal.length ? withVal.map((e) => e.valAccuracy as number) : epochs.map((e) => e.trainAccuracy)
  const best = Math.max(...accs)
  const which = withVal.length ? 'validation' : 'training'
  const first = epochs[0].trainLoss, last = epochs.at(-1)!.trainLoss
  let reason: string | null = null
  if (best <= chance + CHANCE_MARGIN) reason = `its best ${which} accuracy, ${pct(best)}, is within ${Math.round(CHANCE_MARGIN * 100)} points of chance (${pct(chance)} for ${classes} classes)`
  else if (!Number.isFinite(last) || (epochs.length > 1 && last > first)) reason = `its training loss grew from ${first.toPrecision(3)} after the first epoch to ${Number.isFinite(last) ? last.toPrecision(3) : String(last)}`
  if (!reason) return null
  const advice = typeof lr === 'number' && lr > 0 ? `try a learning rate 10x smaller (${Number((lr / 10).toPrecision(3))} instead of ${lr})` : 'try a learning rate 10x smaller'
  return { didNotLearn: true, reason, advice, message: `did not learn: ${reason}; ${advice}` }
}
