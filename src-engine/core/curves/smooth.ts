// Smoothing of a noisy per-step curve: an exponential moving average, s_i = w * s_(i-1) + (1 - w) * v_i,
// started at the first value (so the curve does not rise from zero). A null (a loss that was not a number)
// stays null and does not reset the average. `weight` 0 is the raw curve; 0.99 is very smooth.

export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight ${weight} is outside [0, 1): use 0 (raw) to 0.99`)
  let s: number | null = null
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null
    s = s === null ? v : weight * s + (1 - weight) * v
    return s
  })
}
