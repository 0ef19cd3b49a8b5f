// Terminal escape injection (issue 12): folder, file, run and node names are user text, and the human
// output of `dataset inspect`, `runs list/show/compare` and `inspect` must show their control characters
// as visible escapes rather than hand them to the terminal.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { esc } from '../../src-main/cli/escape.ts'
import { Store } from '../../src-main/services/store/store.ts'
import { cli } from '../helpers/cli.ts'
import { put, solid } from '../fixtures/images/make.ts'

const TITLE = '\u001b]0;pwned\u0007' // retitles the terminal window
const CLEAR = '\u001b[2J' // clears the screen
const NEWLINE = 'a\nfake row'
const C1 = '\u009b31m' // CSI as one C1 byte
const BIDI = 'evil\u202etxt.png'
const HOSTILE = [TITLE, CLEAR, NEWLINE, C1, BIDI]

/** Nothing a terminal would act on: no C0 but the newlines we print ourselves, no DEL, no C1, no bidi override. */
function expectInert(out: string): void {
  // eslint-disable-next-line no-control-regex
  expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
}

describe('esc', () => {
  it('shows each control character as a visible escape and leaves the rest alone', () => {
    expect(esc(TITLE)).toBe('\\e]0;pwned\\x07')
    expect(esc(CLEAR)).toBe('\\e[2J')
    expect(esc(NEWLINE)).toBe('a\\nfake row')
    expect(esc('\r\t\u0000\u007f')).toBe('\\r\\t\\x00\\x7f')
    expect(esc(C1)).toBe('\\x9b31m')
    expect(esc(BIDI)).toBe('evil\\u202etxt.png')
    expect(esc('chat 猫 café ✓')).toBe('chat 猫 café ✓')
  })
})

describe('human output escapes user text', () => {
  it('dataset inspect: class folder and file names', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cnn-esc-ds-'))
    for (const [i, name] of HOSTILE.entries()) {
      put(root, `${name.replaceAll('/', '_')}/ok.png`, await solid(8, 8, 3, [i * 40, 0, 0]).png().toBuffer())
      put(root, `${name.replaceAll('/', '_')}/${name.replaceAll('/', '_')}.png`, 'not an image')
    }
    const r = cli(['dataset', 'inspect', root])
    expectInert(r.stdout)
    expectInert(r.stderr)
    expect(r.stdout).toContain('\\e]0;pwned\\x07')
    expect(r.stdout).toContain('a\\nfake row')
  })

  it('runs list, runs show and runs compare: run names, and inspect: node ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-esc-runs-'))
    const db = join(dir, 'runs.db')
    const store = new Store(db)
    const id = (n: string) => n.replace(/[^a-z]/gi, '') || 'x'
    const model = (tag: string) => parseModelFile({
      format: 'cnn-studio.graph', version: 1, name: `${tag}${TITLE}`,
      nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } }, { id: `${CLEAR}fc${tag}`, type: 'dense', attrs: { units: 2 } }, { id: 'sm', type: 'softmax' }],
      edges: [['in', `${CLEAR}fc${tag}`], [`${CLEAR}fc${tag}`, 'sm']],
    })
    const runs = HOSTILE.slice(0, 2).map((name, i) => {
      const m = store.saveModel(model(id(name) + i))
      const r = store.createRun({ name, settings: { lr: 0.001 * (i + 1), note: NEWLINE }, modelId: m.id, datasetId: null, splitSeed: 1 })
      store.setStatus(r, 'running')
      store.setStatus(r, 'failed', { error: `${CLEAR} went wrong${TITLE}` })
      return r
    })
    store.close()
    for (const args of [['runs', 'list'], ['runs', 'show', runs[0]], ['runs', 'compare', ...runs]]) {
      const r = cli([...args, '--db', db])
      expect(r.code, r.stderr).toBe(0)
      expectInert(r.stdout)
      expect(r.stdout).toContain('\\e')
    }
    const file = join(dir, 'hostile.cnn.json')
    writeFileSync(file, JSON.stringify(model('m')))
    const r = cli(['inspect', file])
    expectInert(r.stdout)
    expect(r.stdout).toContain('\\e[2Jfcm')
  })

  it('--json: the C1 controls JSON.stringify leaves raw are \\u escapes, and the document reads back the same (issue 21)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-esc-json-'))
    const db = join(dir, 'runs.db')
    const store = new Store(db)
    const m = store.saveModel(parseModelFile({ format: 'cnn-studio.graph', version: 1, name: `m${C1}`, nodes: [{ id: 'in', type: 'input', attrs: { height: 8, width: 8, channels: 1 } }, { id: 'fc', type: 'dense', attrs: { units: 2 } }, { id: 'sm', type: 'softmax' }], edges: [['in', 'fc'], ['fc', 'sm']] }))
    const name = `${C1}x\u0085\u007f${TITLE}`
    const id = store.createRun({ name, settings: {}, modelId: m.id, datasetId: null, splitSeed: 1 })
    store.close()
    for (const args of [['runs', 'list', '--json'], ['runs', 'show', id, '--json']]) {
      const r = cli([...args, '--db', db])
      expect(r.code, r.stderr).toBe(0)
      expectInert(r.stdout.replace(/\n/g, ' '))
      expect(r.stdout).toContain('\\u009b31mx\\u0085\\u007f\\u001b]0;pwned\\u0007')
      const j = JSON.parse(r.stdout)
      expect(args[1] === 'list' ? j.runs[0].name : j.name).toBe(name)
    }
  })
})
