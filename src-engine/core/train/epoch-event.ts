// An epoch's event from its running sums, then its validation where there is a split: one for the CPU
// trainer and the GPU one. `seconds` is the training part; validation's time is added to the event's.
import type { EpochEvent, Evaluation } from './types.ts'

export async function epochEvent(epoch: number, t0: number, seconds: number, sums: { lossSum: number; correct: number; seen: number }, lr: number, validate: (() => Promise<Evaluation>) | null): Promise<EpochEvent> {
  const { lossSum, correct, seen } = sums
  const e: EpochEvent = { epoch: epoch + 1, trainLoss: lossSum / seen, trainAccuracy: correct / seen, lr, seconds, imagesPerSecond: seen / seconds }
  if (validate) {
    const v = await validate()
    e.valLoss = v.loss
    e.valAccuracy = v.accuracy
    e.seconds = (performance.now() - t0) / 1000
  }
  return e
}
