// Where a canvas looks, worked out from the file's layout and the cards' sizes (RENDERER.md, "The view follows
// the user"): the opening view (the whole model, or its top at a readable zoom when the whole would make the
// cards too small), Fit (the whole model, however small), and the least move that brings a block into view.
// Each is set in one step: a zoomed-out intermediate view would mount every node of a large graph that is
// drawn only where visible. The designer and the read-only canvases (run page, compare) share it.
import type { ModelFile } from '../../../../src-engine/core/graph/index.ts'
import { NODE_HEIGHT, NODE_WIDTH } from '../../stores/auto-layout.ts'

/** The zoom at which a card's smallest text (11 px, LayerNode.vue) is drawn at 11 px: below it, hard to read. */
export const READABLE_ZOOM = 1
/** Fit never magnifies a small model past this. */
const MAX_FIT_ZOOM = 1.25
const MIN_ZOOM = 0.05
const PAD = 0.12
/** Screen pixels kept between a revealed card and the canvas's edge. */
const MARGIN = 24
/** A model wider than the view starts this far from the left edge: clear of the zoom buttons (CanvasControls). */
const LEFT_GUTTER = 56

export interface Viewport { zoom: number; x: number; y: number }
export interface Box { left: number; top: number; right: number; bottom: number }
type SizeOf = (id: string) => { width?: number; height?: number } | undefined

/** The flow-coordinate box around the cards of `ids` (all of the model's when omitted); null when none has a place. */
export function boxOf(doc: ModelFile, size: SizeOf, ids?: Iterable<string>): Box | null {
  const want = ids ? new Set(ids) : null
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity
  for (const n of doc.nodes) {
    if (want && !want.has(n.id)) continue
    const p = doc.layout?.[n.id] ?? { x: 0, y: 0 }
    const d = size(n.id)
    left = Math.min(left, p.x); top = Math.min(top, p.y)
    right = Math.max(right, p.x + (d?.width || NODE_WIDTH)); bottom = Math.max(bottom, p.y + (d?.height || NODE_HEIGHT))
  }
  return left === Infinity ? null : { left, top, right, bottom }
}

/** The whole of `box` in a `width` x `height` view, centred, at most a little magnified. */
export function fitBox(box: Box, width: number, height: number, maxZoom = MAX_FIT_ZOOM): Viewport {
  const zoom = Math.max(MIN_ZOOM, Math.min(maxZoom, (width * (1 - PAD)) / (box.right - box.left), (height * (1 - PAD)) / (box.bottom - box.top)))
  return { zoom, x: width / 2 - ((box.left + box.right) / 2) * zoom, y: height / 2 - ((box.top + box.bottom) / 2) * zoom }
}

/** Centred on `box` at `zoom`; a box taller (wider) than the view shows its top (left), where a model starts. */
export function centreOn(box: Box, width: number, height: number, zoom: number): Viewport {
  const tall = (box.bottom - box.top) * zoom > height - 2 * MARGIN
  const wide = (box.right - box.left) * zoom > width - LEFT_GUTTER - MARGIN
  // Centred, but never under the zoom buttons at the bottom left while there is room to the right.
  const centred = Math.min(Math.max(width / 2 - ((box.left + box.right) / 2) * zoom, LEFT_GUTTER - box.left * zoom), width - MARGIN - box.right * zoom)
  return {
    zoom,
    x: wide ? LEFT_GUTTER - box.left * zoom : centred,
    y: tall ? MARGIN - box.top * zoom : height / 2 - ((box.top + box.bottom) / 2) * zoom,
  }
}

/**
 * The viewport a model opens at in a box of `width` x `height` pixels: the whole model when that is readable,
 * else its top at the readable zoom. Null for an empty model.
 */
export function openingViewport(doc: ModelFile, width: number, height: number, size: SizeOf): Viewport | null {
  const box = boxOf(doc, size)
  if (!box) return null
  const whole = fitBox(box, width, height, 1)
  return whole.zoom >= READABLE_ZOOM ? whole : centreOn(box, width, height, READABLE_ZOOM)
}

/** True when two viewports show the same thing (to a pixel and a hundredth of zoom): Fit pressed twice. */
export function sameView(a: Viewport, b: Viewport): boolean {
  return Math.abs(a.zoom - b.zoom) < 0.01 && Math.abs(a.x - b.x) < 2 && Math.abs(a.y - b.y) < 2
}

/** True when `box` is wholly inside the view `v` of a `width` x `height` canvas. */
export function inView(v: Viewport, box: Box, width: number, height: number): boolean {
  return box.left * v.zoom + v.x >= 0 && box.top * v.zoom + v.y >= 0 && box.right * v.zoom + v.x <= width && box.bottom * v.zoom + v.y <= height
}

/** True when some of `box` shows in the view. */
export function partlyInView(v: Viewport, box: Box, width: number, height: number): boolean {
  return box.right * v.zoom + v.x > 0 && box.bottom * v.zoom + v.y > 0 && box.left * v.zoom + v.x < width && box.top * v.zoom + v.y < height
}

/**
 * The least pan, at the current zoom, that shows all of `box` with a margin; null when it is in view already
 * (nothing moves) or when it cannot fit at this zoom (the caller decides).
 */
export function revealBox(v: Viewport, box: Box, width: number, height: number): Viewport | null {
  if (inView(v, box, width, height)) return null
  const z = v.zoom
  const w = (box.right - box.left) * z, h = (box.bottom - box.top) * z
  if (w > width - 2 * MARGIN || h > height - 2 * MARGIN) return null
  // Move along each axis only as far as needed: what is visible and still fits stays on screen.
  const shift = (lo: number, hi: number, size: number) => (lo < MARGIN ? MARGIN - lo : hi > size - MARGIN ? size - MARGIN - hi : 0)
  const dx = shift(box.left * z + v.x, box.right * z + v.x, width)
  const dy = shift(box.top * z + v.y, box.bottom * z + v.y, height)
  return { zoom: z, x: v.x + dx, y: v.y + dy }
}
