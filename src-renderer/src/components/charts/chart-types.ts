// What a LineChart draws besides its data: each series' look, the bands between two series (a group's
// min-max), and the marks on points (the best epoch) with their tooltips.

export interface ChartSeries {
  label: string
  /** A CSS variable name (`--series-1`) or a colour the theme defines. */
  color: string
  dash?: boolean
  /** Draw the points (per-epoch values) as well as the line. */
  points?: boolean
  width?: number
  /** Opacity of the line (a raw curve faint behind its smoothed one, a group's members behind its mean). */
  alpha?: number
  /** An edge of a band: no line of its own, only the fill between it and its partner. */
  edge?: boolean
}

/** A filled band between two series (indices into the chart's `series`, not counting x): `upper` above `lower`. */
export interface ChartBand { upper: number; lower: number; color: string; alpha?: number }

/** A marked point with its tooltip ("best val acc 0.912 at epoch 7"). */
export interface ChartMark { x: number; y: number; color: string; label: string }

/** A colour (a theme variable's value, `#rrggbb` or `#rgb`) at an opacity; other forms unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim())
  if (!hex) return color
  const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1]
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16))
  return `rgba(${r}, ${g}, ${b}, ${alpha})`
}
