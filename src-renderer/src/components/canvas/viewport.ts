// Where a canvas opens on a model: the whole of it, or, when that would make the cards too small to read
// (a tall stack of layers), its top at a readable zoom. Worked out from the file's layout and the cards'
// sizes, and set in one step: a zoomed-out intermediate view would mount every node of a large graph that
// is drawn only where visible. The designer and the read-only canvases (run page, compare) share it.
import type { ModelFile } from '../../../../src-engine/core/graph/index.ts'
import { NODE_HEIGHT, NODE_WIDTH } from '../../stores/auto-layout.ts'

/** Below this zoom a card's text is too small to read. */
export const READABLE_ZOOM = 0.75
const PAD = 0.12

/**
 * The viewport for `doc` in a box of `width` x `height` pixels; `size` gives a card's measured size where it
 * is known (else the estimate). Null for an empty model.
 */
export function openingViewport(doc: ModelFile, width: number, height: number, size: (id: string) => { width?: number; height?: number } | undefined): { zoom: number; x: number; y: number } | null {
  if (!doc.nodes.length) return null
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity
  for (const n of doc.nodes) {
    const p = doc.layout?.[n.id] ?? { x: 0, y: 0 }
    const d = size(n.id)
    left = Math.min(left, p.x); top = Math.min(top, p.y)
    right = Math.max(right, p.x + (d?.width || NODE_WIDTH)); bottom = Math.max(bottom, p.y + (d?.height || NODE_HEIGHT))
  }
  const zoom = Math.min(1, (width * (1 - PAD)) / (right - left), (height * (1 - PAD)) / (bottom - top))
  if (zoom >= READABLE_ZOOM) return { zoom, x: width / 2 - ((left + right) / 2) * zoom, y: height / 2 - ((top + bottom) / 2) * zoom }
  return { zoom: READABLE_ZOOM, x: width / 2 - ((left + right) / 2) * READABLE_ZOOM, y: 24 - top * READABLE_ZOOM }
}
