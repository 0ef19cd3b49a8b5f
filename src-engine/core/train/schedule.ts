// Learning-rate schedules, evaluated per step: optional linear warm-up, then constant, step decay or cosine.
import type { Schedule } from './types.ts'

/** The learning rate at `step` (0-based) of a run of `totalSteps` with `stepsPerEpoch` steps an epoch. */
export function learningRate(base: number, schedule: Schedule | undefined, step: number, stepsPerEpoch: number, totalSteps: number): number {
  const s = schedule ?? { type: 'constant' }
  const warm = Math.round((s.warmupEpochs ?? 0) * stepsPerEpoch)
  if (step < warm) return (base * (step + 1)) / warm
  switch (s.type) {
    case 'constant':
      return base
    case 'step': {
      const every = Math.max(1, s.stepEpochs ?? 10)
      return base * Math.pow(s.gamma ?? 0.1, Math.floor(step / stepsPerEpoch / every))
    }
    case 'cosine': {
      const span = Math.max(1, totalSteps - warm)
      return 0.5 * base * (1 + Math.cos((Math.PI * Math.min(step - warm, span)) / span))
    }
  }
}
