// A block parameter's field: the attribute definition of the first layer it binds (so `width` is typed and
// checked as a conv's `filters`), with the definition's default as the field's default.
import { getLayer, MAX_REPEAT, type AttrDef, type BlockDef } from '../../../../src-engine/core/graph/index.ts'

export function paramField(def: BlockDef, name: string): AttrDef {
  const p = def.params![name]
  const [id, attr] = p.binds[0]
  const inner = def.nodes.find((n) => n.id === id)
  const base = (inner && getLayer(inner.type)?.attrs[attr]) || { kind: 'int' as const, help: '' }
  const where = p.binds.map(([l, a]) => `${l}.${a}`).join(', ')
  return { ...base, required: false, default: p.default ?? inner?.attrs?.[attr] ?? base.default, help: `Sets ${where}. ${base.help}` }
}

export const REPEAT_FIELD: AttrDef = { kind: 'int', default: 1, min: 1, max: MAX_REPEAT, help: 'How many times the block runs in a row, each copy feeding the next.' }

/** The parameter an inner layer's attribute is bound to, if any (its value then comes from each use). */
export function boundTo(def: BlockDef, layer: string, attr: string): string | undefined {
  return Object.entries(def.params ?? {}).find(([, p]) => p.binds.some(([l, a]) => l === layer && a === attr))?.[0]
}
