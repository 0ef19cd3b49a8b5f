// The comparison exported (issue 22 scope 4): one row a run with its final and best metrics and the settings
// that differ, as CSV (RFC 4180: a name with a comma, a quote or a line break quoted; numbers as stored) and as
// a Markdown table, from `cnn-studio runs compare --csv / --markdown` on a real database.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { comparisonTable, csvField, markdownCell, toCsv, toMarkdown, type TableRun } from '../../src-engine/core/compare/table.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { cli } from '../helpers/cli.ts'

const run = (over: Partial<TableRun>): TableRun => ({
  runId: 'r_a', name: 'a', status: 'completed', model: 'm', final: {}, params: 100, macs: 2000, bestEpoch: null, lastEpoch: null, ...over,
})

/** RFC 4180 read back: quoted fields (their "" a quote, commas and line breaks inside them kept), CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [[]]
  let field = '', quoted = false
  const end = () => {
    rows.at(-1)!.push(field)
    field = ''
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"'
      i++
    } else if (quoted && c === '"') quoted = false
    else if (quoted) field += c
    else if (c === '"') quoted = true
    else if (c === ',') end()
    else if (c === '\r' && text[i + 1] === '\n') {
      end()
      rows.push([])
      i++
    } else field += c
  }
  expect(rows.pop()).toEqual([]) // the last record ends with CRLF too
  return rows
}

describe('the comparison table', () => {
  it('CSV: a field with a comma, a quote or a line break is quoted and its quotes doubled; numbers are not formatted', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('lr 0.1, bs 32')).toBe('"lr 0.1, bs 32"')
    expect(csvField('the "wide" one')).toBe('"the ""wide"" one"')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    const t = comparisonTable([
      run({ runId: 'r_a', name: 'lr 0.1, "wide"', final: { valAccuracy: 0.912345678, valLoss: 0.25 }, bestEpoch: { epoch: 7, valAccuracy: 0.93 }, lastEpoch: { epoch: 10, valAccuracy: 0.912345678 }, params: 1234567 }),
      run({ runId: 'r_b', name: 'plain', final: { valAccuracy: 0.5 }, bestEpoch: { epoch: 3, valAccuracy: 0.5 }, lastEpoch: { epoch: 3, valAccuracy: 0.5 } }),
    ], { lr: [0.1, 0.01], augment: [{ flip: true }, undefined], note: ['a,b', 'x'] })
    const csv = toCsv(t)
    expect(csv.split('\r\n')[0]).toBe('run_id,name,status,model,val_accuracy,val_loss,test_accuracy,best_val_accuracy,best_epoch,epochs_trained,params,macs,augment,lr,note')
    expect(csv.split('\r\n')[1]).toBe('r_a,"lr 0.1, ""wide""",completed,m,0.912345678,0.25,,0.93,7,10,1234567,2000,"{""flip"":true}",0.1,"a,b"')
    const rows = parseCsv(csv)
    expect(rows).toHaveLength(3)
    expect(rows.every((r) => r.length === 15)).toBe(true)
    expect(rows[1][1]).toBe('lr 0.1, "wide"')
    expect(rows[2]).toEqual(['r_b', 'plain', 'completed', 'm', '0.5', '', '', '0.5', '3', '3', '100', '2000', '', '0.01', 'x'])
  })

  it('Markdown: a header, right-aligned number columns, values as the studio shows them, pipes escaped', () => {
    expect(markdownCell('a|b\nc')).toBe('a\\|b c')
    const t = comparisonTable([
      run({ runId: 'r_a', name: 'a | b', final: { valAccuracy: 0.912345, valLoss: 0.25 }, bestEpoch: { epoch: 7, valAccuracy: 0.93 }, lastEpoch: { epoch: 10, valAccuracy: 0.91 }, params: 1234567 }),
      run({ runId: 'r_b', name: 'b', final: {} }),
    ], { lr: [0.1, 0.01] })
    expect(toMarkdown(t).split('\n')).toEqual([
      '| Run | Name | Status | Model | Val acc | Val loss | Test acc | Best val acc | Best epoch | Epochs | Params | MACs / image | lr |',
      '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      '| r_a | a \\| b | completed | m | 91.23% | 0.2500 | – | 93.00% | 7 | 10 | 1.23M | 2000 | 0.1 |',
      '| r_b | b | completed | m | – | – | – | – | – | – | 100 | 2000 | 0.01 |',
      '',
    ])
  })

  it('`runs compare --csv` and `--markdown` print the table of the runs in the database; --csv with --json is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-compare-export-'))
    const db = join(dir, 'runs.db')
    const store = new Store(db)
    const model = store.saveModel(parseModelFile(readFileSync(new URL('../../resources/templates/shapes-cnn.cnn.json', import.meta.url), 'utf8')))
    const ids = [['base, "v1"', 0.01, [0.5, 0.8, 0.7]], ['wide', 0.001, [0.6, 0.65]]].map(([name, lr, accs]) => {
      const id = store.createRun({ name: name as string, settings: { lr, epochs: 3, batchSize: 16 }, modelId: model.id, datasetId: null, splitSeed: 1 })
      store.setStatus(id, 'running')
      ;(accs as number[]).forEach((acc, e) => store.recordEpoch(id, { epoch: e + 1, trainLoss: 1 - acc, trainAccuracy: acc, valLoss: 1.1 - acc, valAccuracy: acc, lr: lr as number, seconds: 1, imagesPerSecond: 100 }, [], new Uint8Array(4)))
      store.setStatus(id, 'completed', { final: { valAccuracy: (accs as number[]).at(-1), valLoss: 1.1 - (accs as number[]).at(-1)! } })
      return id
    })
    store.close()
    const csv = cli(['runs', 'compare', ...ids, '--csv', '--db', db])
    expect(csv.code, csv.stderr).toBe(0)
    const rows = parseCsv(csv.stdout)
    expect(rows[0].slice(-1)).toEqual(['lr']) // batchSize and epochs are the same in both: not columns
    expect(rows.slice(1).map((r) => [r[0], r[1], r[4], r[7], r[8], r[9], r.at(-1)])).toEqual([
      [ids[0], 'base, "v1"', '0.7', '0.8', '2', '3', '0.01'],
      [ids[1], 'wide', '0.65', '0.65', '2', '2', '0.001'],
    ])
    const md = cli(['runs', 'compare', ...ids, '--markdown', '--db', db])
    expect(md.code, md.stderr).toBe(0)
    // the same row for reading: percentages, the loss to four places, the model's size as the studio shows it
    const [row] = md.stdout.split('\n').slice(2)
    expect(row.split(' | ').slice(0, 11)).toEqual([`| ${ids[0]}`, 'base, "v1"', 'completed', rows[1][3], '70.00%', '0.4000', '–', '80.00%', '2', '3', `${(Number(rows[1][10]) / 1e3).toPrecision(3)}k`])
    expect(row.endsWith(' | 0.01 |')).toBe(true)
    const both = cli(['runs', 'compare', ...ids, '--csv', '--json', '--db', db])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/only one/)
  })
})
