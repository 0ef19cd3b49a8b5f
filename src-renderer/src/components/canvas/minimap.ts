// Where the minimap goes so that it never covers a card: the first free corner of the canvas (top-right, then
// bottom-right, then top-left; the zoom buttons hold the bottom-left), or nowhere when every corner has a card
// under it or the whole model is in view already (then it shows nothing the canvas does not).
import type { Box, Viewport } from './viewport.ts'

export type Corner = 'top-right' | 'bottom-right' | 'top-left'
export const MINIMAP = { width: 150, height: 100, margin: 15 }
const CORNERS: Corner[] = ['top-right', 'bottom-right', 'top-left']

/** The screen rectangle the minimap takes in `corner` of a `width` x `height` canvas, with room around it. */
function area(corner: Corner, width: number, height: number): { l: number; t: number; r: number; b: number } {
  const { width: w, height: h, margin: m } = MINIMAP
  const l = corner === 'top-left' ? 0 : width - w - 2 * m
  const t = corner === 'bottom-right' ? height - h - 2 * m : 0
  return { l, t, r: l + w + 2 * m, b: t + h + 2 * m }
}

/** The corner for the minimap, or null to hide it; `cards` are the cards' boxes in flow coordinates. */
export function minimapCorner(v: Viewport, cards: Box[], width: number, height: number): Corner | null {
  if (!cards.length || width < 3 * MINIMAP.width || height < 2.5 * MINIMAP.height) return null
  const screen = cards.map((c) => ({ l: c.left * v.zoom + v.x, t: c.top * v.zoom + v.y, r: c.right * v.zoom + v.x, b: c.bottom * v.zoom + v.y }))
  if (screen.every((c) => c.l >= 0 && c.t >= 0 && c.r <= width && c.b <= height)) return null
  for (const corner of CORNERS) {
    const a = area(corner, width, height)
    if (!screen.some((c) => c.l < a.r && c.r > a.l && c.t < a.b && c.b > a.t)) return corner
  }
  return null
}
