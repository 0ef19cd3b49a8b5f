// Every issue code of the spec comes out of at least one known-bad graph in tests/fixtures/graphs, each
// stored with the code, node and severity it must produce (Netron's test/models.json is the model), and
// optionally `notExpected`: codes that would only be a cascade of that one mistake.
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile } from '../../../src-engine/core/graph/index.ts'

const dir = new URL('../../fixtures/graphs/', import.meta.url)
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => ({ file: f, ...JSON.parse(readFileSync(new URL(f, dir), 'utf8')) }))

const SPEC_CODES = ['NO_INPUT', 'MULTIPLE_INPUTS', 'CYCLE', 'DISCONNECTED', 'MISSING_INPUT_EDGE', 'SHAPE_MISMATCH', 'OUTPUT_TOO_SMALL', 'STRIDE_REMAINDER', 'BAD_ATTR', 'NEEDS_FLATTEN', 'NO_CLASSIFIER']

describe('known-bad graphs', () => {
  it.each(fixtures)('$file produces its expected issue', ({ expect: want, notExpected, model, forTraining }) => {
    const a = analyzeGraph(parseModelFile(model), { forTraining: !!forTraining })
    for (const code of (notExpected ?? []) as string[]) expect(a.issues.map((i) => i.code)).not.toContain(code)
    const hit = a.issues.find((i) => i.code === want.code && (want.nodeId === undefined || i.nodeId === want.nodeId))
    expect(hit, `issues were: ${JSON.stringify(a.issues, null, 1)}`).toBeDefined()
    expect(hit!.severity).toBe(want.severity)
    if (want.nodeId) expect(hit!.message).toContain(want.nodeId)
    expect(a.hasErrors).toBe(a.issues.some((i) => i.severity === 'error'))
  })

  it('covers every issue code of the spec', () => {
    const covered = new Set(fixtures.map((f) => f.expect.code))
    expect(SPEC_CODES.filter((c) => !covered.has(c))).toEqual([])
  })

  it('does not cascade: one bad attribute gives one error, and nodes before it keep their shapes', () => {
    const f = fixtures.find((x) => x.file === 'bad-attr-negative-stride.json')!
    const a = analyzeGraph(parseModelFile(f.model))
    expect(a.issues.filter((i) => i.severity === 'error')).toHaveLength(1)
    expect(a.byId.get('in')!.outputShape).toEqual([8, 8, 3])
    expect(a.byId.get('c1')!.outputShape).toBeNull()
  })
})
