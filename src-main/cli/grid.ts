// A plain grid of text for the CLI's human tables, drawn in the same box characters as cli-table3's compact
// style. cli-table3 lays a table out for row and column spans by checking every cell against every earlier
// row (layout-manager.js, fillInTable/conflictExists): O(rows^2 * cols^2), 12 s for a 10,000-node model's
// `inspect`. Our tables have no spans, so one pass for the widths and one to draw them is all they need.

export type Align = 'left' | 'right'

// East Asian wide and fullwidth characters and emoji take two terminal cells; combining marks take none.
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u
const ZERO = /\p{Mn}|\p{Me}|[\u200b-\u200f]|\ufe0f/u

/** The number of terminal columns `text` takes. */
export function width(text: string): number {
  let w = 0
  for (const ch of text) w += ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1
  return w
}

/** A table drawn in linear time: `head` and every row have one cell per column. */
export function grid(head: string[], rows: (string | number)[][], align: Align[] = []): string {
  const cells = rows.map((r) => r.map(String))
  const widths = head.map((h, c) => cells.reduce((m, r) => Math.max(m, width(r[c] ?? '')), width(h)))
  const pad = (text: string, c: number) => {
    const fill = ' '.repeat(widths[c] - width(text))
    return align[c] === 'right' ? fill + text : text + fill
  }
  const line = (l: string, m: string, r: string) => l + widths.map((w) => '─'.repeat(w + 2)).join(m) + r
  const row = (r: string[]) => `│ ${widths.map((_, c) => pad(r[c] ?? '', c)).join(' │ ')} │`
  const out = [line('┌', '┬', '┐'), row(head)]
  if (cells.length) out.push(line('├', '┼', '┤'))
  for (const r of cells) out.push(row(r))
  out.push(line('└', '┴', '┘'))
  return out.join('\n')
}

/** A table filled row by row (cli-table3's push and toString), drawn by `grid`. */
export function gridTable(head: string[], align: Align[] = []): { push: (...rows: (string | number)[][]) => void; toString: () => string } {
  const rows: (string | number)[][] = []
  return { push: (...r) => void rows.push(...r), toString: () => grid(head, rows, align) }
}
