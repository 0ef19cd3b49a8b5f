// Statistics of a group of curves (the runs of one seed group, or of one setting): at every x any member has,
// the mean, sample standard deviation, min and max of the members present there. Members of different lengths
// (a run stopped early) are aligned on the union of their x values: inside a member's own x range a missing
// x is read by linear interpolation between its neighbours, outside it the member is absent (its `count`
// drops), so a short run never drags the mean towards zero or a made-up value.

/** One curve: x ascending, y null where the metric has no value (a non-number loss). */
export interface Curve { x: readonly number[]; y: readonly (number | null)[] }

/** Columns over `x`; a stat is null where no member has a value. `count` is the members that do. */
export interface GroupStats {
  x: number[]
  mean: (number | null)[]; sd: (number | null)[]; min: (number | null)[]; max: (number | null)[]
  count: number[]
}

/** The finite points of a curve, x ascending (nulls and non-numbers dropped). */
function points(c: Curve): { x: number[]; y: number[] } {
  const x: number[] = [], y: number[] = []
  for (let i = 0; i < c.x.length; i++) {
    const v = c.y[i]
    if (typeof v === 'number' && Number.isFinite(v) && Number.isFinite(c.x[i])) { x.push(c.x[i]); y.push(v) }
  }
  return { x, y }
}

/** Mean and sample standard deviation (n - 1; 0 for one value) of a list. */
export function meanSd(values: readonly number[]): { mean: number; sd: number } | null {
  const n = values.length
  if (!n) return null
  const mean = values.reduce((a, b) => a + b, 0) / n
  if (n === 1) return { mean, sd: 0 }
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0)
  return { mean, sd: Math.sqrt(ss / (n - 1)) }
}

/** A member's value at `x`: exact, interpolated inside its range, or null outside it. `from` is a cursor that only moves forward. */
function valueAt(p: { x: number[]; y: number[] }, x: number, from: { i: number }): number | null {
  const n = p.x.length
  if (!n || x < p.x[0] || x > p.x[n - 1]) return null
  while (from.i < n - 1 && p.x[from.i + 1] <= x) from.i++
  const i = from.i
  if (p.x[i] === x) return p.y[i]
  const t = (x - p.x[i]) / (p.x[i + 1] - p.x[i])
  return p.y[i] + t * (p.y[i + 1] - p.y[i])
}

/** The group's statistics at every x of its members (see the file's comment for the alignment). */
export function groupStats(members: readonly Curve[]): GroupStats {
  const pts = members.map(points)
  const xs = [...new Set(pts.flatMap((p) => p.x))].sort((a, b) => a - b)
  const out: GroupStats = { x: xs, mean: [], sd: [], min: [], max: [], count: [] }
  const cursors = pts.map(() => ({ i: 0 }))
  for (const x of xs) {
    const vals: number[] = []
    pts.forEach((p, m) => {
      const v = valueAt(p, x, cursors[m])
      if (v !== null) vals.push(v)
    })
    const s = meanSd(vals)
    out.mean.push(s ? s.mean : null)
    out.sd.push(s ? s.sd : null)
    out.min.push(vals.length ? Math.min(...vals) : null)
    out.max.push(vals.length ? Math.max(...vals) : null)
    out.count.push(vals.length)
  }
  return out
}
