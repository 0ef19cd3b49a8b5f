// `cnn-studio inspect` sees a model with blocks exactly as its expansion: the same table and the same JSON
// (ids `s/1/c1`). The ResNet and VGG templates, rewritten with blocks, inspect as the hand-drawn files they
// replaced (kept in tests/fixtures/graphs/templates-v1): same shapes, params, MACs and receptive fields. And
// model files from before blocks parse and serialize byte for byte as they were, still version 1.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, expandBlocks, parseModelFile, serializeModelFile } from '../../src-engine/core/graph/index.ts'
import { inspectJson } from '../../src-main/cli/commands/inspect.ts'
import { memorySummary } from '../../src-main/services/memory-check.ts'
import { cli } from '../helpers/cli.ts'

const TEMPLATES = new URL('../../resources/templates/', import.meta.url).pathname
const OLD = new URL('../fixtures/graphs/templates-v1/', import.meta.url).pathname
const FIXTURES = new URL('../fixtures/graphs/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-blocks-inspect-'))

const inspect = (file: string, ...args: string[]) => {
  const r = cli(['inspect', file, '--training', '--workers', '2', ...args])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return r.stdout
}
type Json = { nodes: Record<string, unknown>[]; totals: unknown; outputId: string; issues: unknown[]; memory: unknown }
/** inspect --json's document, worked out in this process (the CLI itself is run below, fewer times: it takes seconds). */
const json = (file: string) => {
  const a = analyzeGraph(parseModelFile(readFileSync(file, 'utf8')), { forTraining: true })
  return JSON.parse(JSON.stringify(inspectJson(a, memorySummary(a, { workers: 2 })))) as Json
}

describe('blocks in inspect', () => {
  it.each(['resnet-small', 'vgg-small'])('the %s template uses blocks and inspects as the hand-drawn file it replaced', (t) => {
    const now = parseModelFile(readFileSync(join(TEMPLATES, `${t}.cnn.json`), 'utf8'))
    expect(now.nodes.filter((n) => n.type === 'block').length).toBeGreaterThanOrEqual(3)
    const [a, b] = [json(join(TEMPLATES, `${t}.cnn.json`)), json(join(OLD, `${t}.cnn.json`))]
    const figures = (j: Json) => j.nodes.map(({ id: _id, ...rest }) => rest)
    expect(figures(a)).toEqual(figures(b))
    expect(a.nodes.length).toBe(b.nodes.length)
    expect(a.totals).toEqual(b.totals)
    expect(a.memory).toEqual(b.memory)
    expect([a.issues, b.issues]).toEqual([[], []])
  })

  it.each([['resnet-small', true], ['vgg-small', false]])('the %s template gives the same JSON (and table) from the CLI as its expansion written out', (t, table) => {
    const file = join(TEMPLATES, `${t}.cnn.json`)
    const plain = join(tmp, `${t}-expanded.cnn.json`)
    writeFileSync(plain, serializeModelFile(expandBlocks(parseModelFile(readFileSync(file, 'utf8')))))
    expect(readFileSync(plain, 'utf8')).toContain('"version": 1')
    expect(inspect(file, '--json')).toBe(inspect(plain, '--json'))
    if (!table) return
    // The table's first line names the file; the rest is the same, row for row.
    const [withBlocks, expanded] = [inspect(file), inspect(plain)]
    expect(withBlocks.split('\n').slice(1)).toEqual(expanded.split('\n').slice(1))
    expect(withBlocks).toMatch(/res1\/c1 +│ conv2d/)
  })

  it('old model files (every template and fixture from before blocks) parse and serialize unchanged', () => {
    const texts = [
      ...readdirSync(TEMPLATES).filter((f) => f.endsWith('.cnn.json') && !['resnet-small.cnn.json', 'vgg-small.cnn.json'].includes(f)).map((f) => join(TEMPLATES, f)),
      ...readdirSync(OLD).map((f) => join(OLD, f)),
    ]
    expect(texts).toHaveLength(7)
    for (const f of texts) {
      const text = readFileSync(f, 'utf8')
      expect(serializeModelFile(parseModelFile(text)), f).toBe(text)
    }
    const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))
    expect(fixtures.length).toBeGreaterThanOrEqual(16)
    for (const f of fixtures) {
      const { model } = JSON.parse(readFileSync(join(FIXTURES, f), 'utf8'))
      const text = serializeModelFile(parseModelFile(model))
      expect(text, f).toContain('"version": 1,')
      expect(text, f).not.toContain('"blocks"')
      expect(serializeModelFile(parseModelFile(text)), f).toBe(text)
      expect(parseModelFile(text), f).toEqual(parseModelFile(model))
    }
  })
})
