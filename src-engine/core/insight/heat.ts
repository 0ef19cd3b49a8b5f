// The colour scale of Grad-CAM heat maps: one rule for the images the host paints and the scale the page
// draws beside them.

/** Jet-like colours for a heat value in [0, 1]: blue, cyan, yellow, red. */
export function heatColour(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)))
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))]
}

/** The scale as a CSS gradient from 0 (left) to 1 (right). */
export function heatGradient(steps = 8): string {
  const stops = Array.from({ length: steps + 1 }, (_, i) => `rgb(${heatColour(i / steps).join(' ')}) ${((100 * i) / steps).toFixed(1)}%`)
  return `linear-gradient(to right, ${stops.join(', ')})`
}
