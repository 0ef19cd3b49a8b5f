// Where pasted blocks go: beside the originals, clear of every card already on the canvas, so a paste never
// lands on what it copied (a fixed 40-unit nudge put copies on top of their originals, one card over another).
import type { ModelFile } from '../../../src-engine/core/graph/index.ts'
import type { Clip, Point } from './model-edits.ts'
import { NODE_HEIGHT, NODE_WIDTH } from './auto-layout.ts'

const GAP = 40

interface Box { x: number; y: number; w: number; h: number }
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w + GAP / 2 && b.x < a.x + a.w + GAP / 2 && a.y < b.y + b.h + GAP / 2 && b.y < a.y + a.h + GAP / 2

/**
 * The shift for pasting `clip` into `doc`: to the right of the clip's own extent, then a further column to the
 * right for as long as a pasted card would touch a card of the design (earlier pastes included).
 */
export function pasteOffset(doc: ModelFile, clip: Clip, size = { width: NODE_WIDTH, height: NODE_HEIGHT }): Point {
  // Inputs are never pasted (pasteClip), so they do not count towards where the paste goes.
  const pasted = clip.nodes.filter((n) => n.type !== 'input').map((n) => clip.layout[n.id]).filter(Boolean)
  if (!pasted.length) return { x: 0, y: 0 }
  const left = Math.min(...pasted.map((p) => p.x)), right = Math.max(...pasted.map((p) => p.x)) + size.width
  const cards: Box[] = doc.nodes.map((n) => doc.layout?.[n.id]).filter((p): p is Point => !!p).map((p) => ({ x: p.x, y: p.y, w: size.width, h: size.height }))
  const step = right - left + GAP
  for (let k = 1; k < 200; k++) {
    const dx = k * step
    const clear = pasted.every((p) => !cards.some((c) => overlaps({ x: p.x + dx, y: p.y, w: size.width, h: size.height }, c)))
    if (clear) return { x: dx, y: 0 }
  }
  return { x: 200 * step, y: 0 }
}
