// Where one sliding window sits on its input: the cells it covers, in input coordinates, with the cells that
// fall on padding marked. The geometry is graph analysis's (core/graph/window.ts), the one the kernels run.
import type { WindowGeometry } from '../../graph/window.ts'

/** [row, col]. */
export type Cell = [number, number]

export interface WindowCells {
  /** Row-major over the window: kernel row kr, column kc at index kr * kw + kc. */
  cells: Cell[]
  /** Per cell: true where it lies outside the input (a padding zero). */
  padding: boolean[]
}

/** The input cells under the window of output position `at` of an `inH x inW` input. */
export function windowCells(g: WindowGeometry, inH: number, inW: number, at: Cell): WindowCells {
  const cells: Cell[] = []
  const padding: boolean[] = []
  const top = at[0] * g.sh - g.padTop, left = at[1] * g.sw - g.padLeft
  for (let kr = 0; kr < g.kh; kr++) {
    for (let kc = 0; kc < g.kw; kc++) {
      const r = top + kr, c = left + kc
      cells.push([r, c])
      padding.push(r < 0 || c < 0 || r >= inH || c >= inW)
    }
  }
  return { cells, padding }
}

/** Whether `at` is a position of the output; the message names the output's size when it is not. */
export function outsideOutput(g: WindowGeometry, at: Cell): string | null {
  const [r, c] = at
  if (Number.isInteger(r) && Number.isInteger(c) && r >= 0 && c >= 0 && r < g.outH && c < g.outW) return null
  return `position ${r},${c} is outside the ${g.outH}x${g.outW} output (rows 0..${g.outH - 1}, columns 0..${g.outW - 1})`
}

/** [rows][cols][channels] numbers (HWC, one image) -> [channel][row][col], the way the studio shows maps. */
export function toChannels(data: ArrayLike<number>, h: number, w: number, c: number): number[][][] {
  return Array.from({ length: c }, (_, ch) => Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, col) => data[(r * w + col) * c + ch])))
}

