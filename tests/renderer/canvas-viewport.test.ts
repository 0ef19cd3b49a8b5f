// Where the canvas looks (viewport.ts) and where its minimap goes (minimap.ts): the view follows the user with
// the least move, Fit shows everything, a model opens readable, and the minimap takes a corner free of cards.
import { describe, expect, it } from 'vitest'
import type { ModelFile } from '../../src-engine/core/graph/index.ts'
import { boxOf, fitBox, inView, openingViewport, READABLE_ZOOM, revealBox, sameView } from '../../src-renderer/src/components/canvas/viewport.ts'
import { minimapCorner, MINIMAP } from '../../src-renderer/src/components/canvas/minimap.ts'
import { NODE_HEIGHT, NODE_WIDTH, ROW_STEP } from '../../src-renderer/src/stores/auto-layout.ts'

/** A column of `n` relus under an input, one row apart, as the templates are laid out. */
function column(n: number): ModelFile {
  const ids = ['in', ...Array.from({ length: n - 1 }, (_, i) => `r${i + 1}`)]
  return {
    format: 'cnn-studio.graph', version: 1,
    nodes: ids.map((id, i) => (i ? { id, type: 'relu' } : { id, type: 'input', attrs: { height: 8, width: 8, channels: 1 } })),
    edges: ids.slice(1).map((id, i) => [ids[i], id]),
    layout: Object.fromEntries(ids.map((id, i) => [id, { x: 0, y: i * ROW_STEP }])),
  }
}
const size = () => undefined
const W = 740, H = 660

describe('the canvas viewport', () => {
  it('a tall model opens at a readable zoom at its top; Fit shows all of it, smaller', () => {
    const m = column(12)
    const open = openingViewport(m, W, H, size)!
    expect(open.zoom).toBe(READABLE_ZOOM)
    const all = boxOf(m, size)!
    expect(inView(open, boxOf(m, size, ['in'])!, W, H)).toBe(true)
    expect(inView(open, all, W, H)).toBe(false)
    const fit = fitBox(all, W, H)
    expect(fit.zoom).toBeLessThan(READABLE_ZOOM)
    expect(inView(fit, all, W, H)).toBe(true)
    expect(sameView(fit, { ...fit, x: fit.x + 0.5 })).toBe(true)
    expect(sameView(fit, open)).toBe(false)
  })

  it('a short model opens whole', () => {
    const m = column(3)
    expect(inView(openingViewport(m, W, H, size)!, boxOf(m, size)!, W, H)).toBe(true)
  })

  it('reveal: nothing moves for a block in view; a block below the fold comes in with the least pan, at the same zoom', () => {
    const m = column(12)
    const v = openingViewport(m, W, H, size)!
    expect(revealBox(v, boxOf(m, size, ['r1'])!, W, H)).toBeNull()
    const last = boxOf(m, size, ['r11'])!
    const next = revealBox(v, last, W, H)!
    expect(next.zoom).toBe(v.zoom)
    expect(next.x).toBe(v.x)
    expect(inView(next, last, W, H)).toBe(true)
    // the least pan: the block lands at the bottom edge (with its margin), not in the middle
    expect(last.bottom * next.zoom + next.y).toBeGreaterThan(H - 40)
    // a group too tall for the view at this zoom is left to the caller
    expect(revealBox(v, boxOf(m, size)!, W, H)).toBeNull()
  })
})

describe('the minimap', () => {
  const card = (x: number, y: number) => ({ left: x, top: y, right: x + NODE_WIDTH, bottom: y + NODE_HEIGHT })
  const v = { zoom: 1, x: 0, y: 0 }
  it('is hidden when the whole model shows', () => {
    expect(minimapCorner(v, [card(20, 20)], W, H)).toBeNull()
  })
  it('takes the top right when it is free, else another free corner, else hides', () => {
    const below = card(20, H + 100) // off screen: the minimap has something to show
    expect(minimapCorner(v, [card(20, 20), below], W, H)).toBe('top-right')
    const topRight = card(W - NODE_WIDTH - 10, 10)
    expect(minimapCorner(v, [topRight, below], W, H)).toBe('bottom-right')
    const bottomRight = card(W - NODE_WIDTH - 10, H - NODE_HEIGHT - 10)
    expect(minimapCorner(v, [topRight, bottomRight, below], W, H)).toBe('top-left')
    expect(minimapCorner(v, [topRight, bottomRight, card(10, 10), below], W, H)).toBeNull()
  })
  it('a card just clear of the corner leaves it free', () => {
    const clear = card(W - 2 * MINIMAP.margin - MINIMAP.width - NODE_WIDTH - 1, 10)
    expect(minimapCorner(v, [clear, card(0, H + 50)], W, H)).toBe('top-right')
  })
})
