// The theoretical receptive field of one unit, as a box on the input image. Each window layer maps an output
// range [a, b] to the input rows [a*s - padTop, b*s - padTop + k - 1] (the geometry of core/graph/window.ts);
// layers that keep the size keep the range; a global pool, flatten or dense layer sees all of its input;
// merges take every branch, and the box is the union of the paths. Ranges are not clipped on the way (a
// padded cell still stands for its place), so the size before clipping is graph analysis's receptive field
// along a chain; the box is then clipped at the image and what was cut off is counted as padding.
import type { GraphAnalysis, NodeInfo } from '../../graph/types.ts'
import type { Cell } from './window.ts'

export interface ReceptiveField {
  /** [top, left, bottom, right], inclusive input pixels, clipped at the image. */
  box: [number, number, number, number]
  /** [height, width] of the clipped box. */
  size: [number, number]
  /** Cells of the unclipped box that lie outside the image (padding). */
  padding: number
  /** The box before clipping (it may start below 0 or end past the image). */
  unclipped: [number, number, number, number]
}

type Range = [number, number]

/** The unit at `at` of `nodeId`'s output (ignored for a vector output: every unit of one sees the same). */
export function receptiveField(a: GraphAnalysis, nodeId: string, at: Cell): ReceptiveField {
  const node = a.byId.get(nodeId)
  if (!node?.outputShape) throw new Error(`node ${nodeId} has no known output shape, so its receptive field cannot be traced`)
  const input = a.nodes.find((n) => n.type === 'input')
  if (!input?.outputShape) throw new Error('the model has no input of known shape')
  const [H, W] = input.outputShape
  let box: [number, number, number, number] | null = null
  const seen = new Set<string>()
  const visit = (n: NodeInfo, rows: Range | null, cols: Range | null) => {
    const key = `${n.id}:${rows}:${cols}`
    if (seen.has(key)) return
    seen.add(key)
    if (n.type === 'input') {
      const [r0, r1] = rows ?? [0, H - 1], [c0, c1] = cols ?? [0, W - 1]
      box = box ? [Math.min(box[0], r0), Math.min(box[1], c0), Math.max(box[2], r1), Math.max(box[3], c1)] : [r0, c0, r1, c1]
      return
    }
    for (const id of n.inputs) {
      const src = a.byId.get(id)!
      const spatial = src.outputShape?.length === 3
      if (!spatial) { visit(src, null, null); continue }
      const [h, w] = src.outputShape as number[]
      const g = n.window
      if (g && rows && cols) visit(src, [rows[0] * g.sh - g.padTop, rows[1] * g.sh - g.padTop + g.kh - 1], [cols[0] * g.sw - g.padLeft, cols[1] * g.sw - g.padLeft + g.kw - 1])
      // A vector output, or a global pool: all of the input map.
      else if (!rows || !cols || n.outputShape?.length !== 3) visit(src, [0, h - 1], [0, w - 1])
      else visit(src, rows, cols)
    }
  }
  const spatial = node.outputShape.length === 3
  visit(node, spatial ? [at[0], at[0]] : null, spatial ? [at[1], at[1]] : null)
  const u = box as unknown as [number, number, number, number]
  const clipped: [number, number, number, number] = [Math.max(0, u[0]), Math.max(0, u[1]), Math.min(H - 1, u[2]), Math.min(W - 1, u[3])]
  const size: [number, number] = [clipped[2] - clipped[0] + 1, clipped[3] - clipped[1] + 1]
  return { box: clipped, size, padding: (u[2] - u[0] + 1) * (u[3] - u[1] + 1) - size[0] * size[1], unclipped: u }
}
