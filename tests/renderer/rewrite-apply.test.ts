// A rewrite applied from the inspector's suggestions (RewriteSuggestions.vue commits the rule's model) is one
// undoable step: the design changes as the rule says, undo gives back the exact file, redo the rewrite.
import { readFileSync } from 'node:fs'
import { beforeEach, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { parseModelFile } from '../../src-engine/core/graph/index.ts'
import { suggestRewrites } from '../../src-engine/core/graph/rewrites.ts'
import { useDesign } from '../../src-renderer/src/stores/design.ts'

beforeEach(() => setActivePinia(createPinia()))

it('stack3x3 on LeNet-5 c1 from the suggestions, undone and redone', () => {
  const d = useDesign()
  d.load(parseModelFile(readFileSync(new URL('../../resources/templates/lenet5.cnn.json', import.meta.url), 'utf8')))
  const before = d.doc
  const s = suggestRewrites(d.doc, 'c1')
  expect(s.map((r) => r.rule)).toEqual(['stack3x3'])
  const r = s[0] as Extract<(typeof s)[number], { ok: true }>
  d.commit(r.model, 'Stack of 3x3 convolutions on c1')
  expect(d.analysis.nodes.filter((n) => n.type === 'conv2d').map((n) => n.id)).toEqual(['c1_1', 'c1', 'c3'])
  expect(d.analysis.totals.params).toBe(r.after.params)
  const after = d.doc
  d.undo()
  expect(d.doc).toBe(before)
  d.redo()
  expect(d.doc).toBe(after)
})
