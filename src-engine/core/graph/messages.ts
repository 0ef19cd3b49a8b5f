// Wording shared by the issue messages: shapes, numbers and the output-size formula written out with the
// numbers a student can check by hand.
import type { Shape } from './types.ts'

export const fmtShape = (s: Shape): string => s.join('x')
export const fmtInt = (n: number): string => n.toLocaleString('en-US')

/** 2.3333 -> '2.33', 3 -> '3'. */
export function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '').replace(/\.$/, '')
}

/** `(N + 2*P - F) / S + 1` with the numbers, written as the lecture writes it. */
export function sizeFormula(n: number, padBefore: number, padAfter: number, f: number, s: number): string {
  const pad = padBefore === 0 && padAfter === 0 ? '' : padBefore === padAfter ? ` + 2*${padBefore}` : ` + ${padBefore} + ${padAfter}`
  return `(${n}${pad} - ${f}) / ${s} + 1 = ${fmtNum((n + padBefore + padAfter - f) / s + 1)}`
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
