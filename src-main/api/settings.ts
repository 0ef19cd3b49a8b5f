// Training settings: the one schema the CLI, the contract and the service validate against, with the
// spec's defaults (shared/spec/model-and-cli.md, `train` options) and ranges that catch typos.
import { z } from 'zod'
import { fieldsOf } from './issues.ts'

export const TrainSettings = z.object({
  name: z.string().trim().max(200).optional(),
  epochs: z.number().int().min(1).max(10_000).default(10),
  batchSize: z.number().int().min(1).max(4096).default(32),
  optimizer: z.enum(['sgd', 'adam', 'adamw']).default('adam'),
  /** Default 0.001 for adam/adamw, 0.01 for sgd. */
  lr: z.number().gt(0).max(10).optional(),
  momentum: z.number().min(0).max(0.999).default(0.9),
  nesterov: z.boolean().default(false),
  weightDecay: z.number().min(0).max(1).default(0),
  schedule: z.enum(['constant', 'step', 'cosine']).default('constant'),
  warmupEpochs: z.number().min(0).max(1000).default(0),
  valSplit: z.number().min(0).max(0.9).default(0.2),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  augment: z.enum(['none', 'flip', 'shift', 'flip+shift']).default('none'),
  workers: z.number().int().min(1).max(256).optional(),
  /**
   * Where it trains: 'cpu' (absent: the same), 'gpu' (WebGPU; a run fails saying why where there is none), or
   * 'auto' (a few timed steps on each, the faster kept). The run records the device used and why (deviceUsed, deviceReason).
   */
  device: z.enum(['cpu', 'gpu', 'auto']).optional(), // cpu first: a form's select shows it while none is chosen
}).strict()

export type TrainSettings = z.output<typeof TrainSettings>
export type TrainSettingsInput = z.input<typeof TrainSettings>

/** The settings with defaults filled in, or a one-line reason naming each bad field and the same by field (its path: `batchSize`). */
export function parseSettings(input: unknown): { ok: true; settings: TrainSettings } | { ok: false; message: string; fields: Record<string, string> } {
  const r = TrainSettings.safeParse(input ?? {})
  if (!r.success) {
    return { ok: false, message: r.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; '), fields: fieldsOf(r.error.issues) }
  }
  const s = r.data
  return { ok: true, settings: { ...s, lr: s.lr ?? (s.optimizer === 'sgd' ? 0.01 : 0.001) } }
}
