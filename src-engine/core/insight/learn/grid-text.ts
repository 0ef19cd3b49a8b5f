// The playground's text form of grids, shared by `cnn-studio explain` and the Learn page: rows separated by
// ';', numbers by spaces, channels by '|', filters (or one upstream-gradient grid per filter) by '||'.
// A grid is read whole or refused with the reason; nothing is computed from half of one.

/** Bad playground input: `field` names what is wrong (image, kernels, bias, stride, padding, dout, at). */
export class LearnInputError extends Error {
  readonly field: string
  constructor(field: string, message: string) {
    super(message)
    this.field = field
  }
}

/** One channel: rows of numbers, every row as long as the first. */
function parseMatrix(text: string, field: string, what: string): number[][] {
  const rows = text.split(';').map((r) => r.trim())
  if (rows.length && rows[rows.length - 1] === '') rows.pop() // a trailing ';' ends the last row
  if (!rows.length || rows.some((r) => r === '')) throw new LearnInputError(field, `${what} has an empty row: write rows of numbers separated by ';'`)
  const out = rows.map((r, i) => r.split(/[\s,]+/).map((s) => {
    const v = Number(s)
    if (s === '' || !Number.isFinite(v)) throw new LearnInputError(field, `${what}, row ${i + 1}: '${s}' is not a number`)
    return v
  }))
  const bad = out.findIndex((r) => r.length !== out[0].length)
  if (bad >= 0) throw new LearnInputError(field, `${what}: row ${bad + 1} has ${out[bad].length} numbers but row 1 has ${out[0].length}; every row must be as long`)
  return out
}

/** Channels separated by '|': [channel][row][col], every channel the same size. */
export function parseChannels(text: string, field: string, what = field): number[][][] {
  if (!text.trim()) throw new LearnInputError(field, `${what} is empty`)
  const chans = text.split('|').map((t, c) => parseMatrix(t, field, text.includes('|') ? `${what}, channel ${c + 1}` : what))
  const [h, w] = [chans[0].length, chans[0][0].length]
  const bad = chans.findIndex((m) => m.length !== h || m[0].length !== w)
  if (bad >= 0) throw new LearnInputError(field, `${what}: channel ${bad + 1} is ${chans[bad].length}x${chans[bad][0].length} but channel 1 is ${h}x${w}; every channel must be the same size`)
  return chans
}

/** Several grids separated by '||' (filters, or upstream gradients one per filter). */
export function parseGrids(text: string, field: string, what: string): number[][][][] {
  if (!text.trim()) throw new LearnInputError(field, `${what} is empty`)
  return text.split('||').map((t, f, all) => parseChannels(t, field, all.length > 1 ? `${what} ${f + 1}` : what))
}

/** Comma-separated numbers. */
export function parseNumbers(text: string, field: string, what: string): number[] {
  const parts = text.split(',').map((s) => s.trim())
  return parts.map((s) => {
    const v = Number(s)
    if (s === '' || !Number.isFinite(v)) throw new LearnInputError(field, `${what}: '${s}' is not a number`)
    return v
  })
}

/** A whole number of at least `min`, written as text or given as a number. */
export function parseWhole(v: string | number, field: string, what: string, min: number): number {
  const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN
  if (!Number.isInteger(n) || n < min) throw new LearnInputError(field, `${what} must be a whole number from ${min}, not '${v}'`)
  return n
}

/** "ROW,COL" -> [row, col]. */
export function parseCell(text: string, field: string): [number, number] {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text)
  if (!m) throw new LearnInputError(field, `${field} must be ROW,COL (two whole numbers from 0), not '${text}'`)
  return [Number(m[1]), Number(m[2])]
}
