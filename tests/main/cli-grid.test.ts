// The CLI's linear table (cli/grid.ts) draws exactly what cli-table3's compact style draws, for any small
// table of plain, wide (CJK) and combining text; and stays linear where cli-table3 was quadratic.
import Table from 'cli-table3'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { grid, type Align } from '../../src-main/cli/grid.ts'

const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '-', 'é', '猫', '한', 'ｱ', 'e\u0301', '─'), maxLength: 12 })

describe('grid', () => {
  it('matches cli-table3 compact output cell for cell', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }).chain((cols) => fc.record({
      head: fc.array(text, { minLength: cols, maxLength: cols }),
      rows: fc.array(fc.array(fc.oneof(text, fc.nat()), { minLength: cols, maxLength: cols }), { maxLength: 6 }),
      align: fc.array(fc.constantFrom<Align>('left', 'right'), { minLength: cols, maxLength: cols }),
    })), ({ head, rows, align }) => {
      const t = new Table({ head, colAligns: align, style: { head: [], border: [], compact: true } })
      for (const r of rows) t.push(r)
      expect(grid(head, rows, align)).toBe(t.toString())
    }), { seed: 12, numRuns: 300 })
  })
})
