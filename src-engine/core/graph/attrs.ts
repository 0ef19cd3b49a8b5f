// Checks a node's attributes against its registry entry and normalises them: defaults filled in,
// sizes as [h, w], padding as 'valid' | 'same' | [h, w]. Problems become BAD_ATTR issues that name the
// node, the attribute, the value seen and what is allowed.
import type { AttrDef, LayerDef } from './registry.ts'
import type { GraphIssue, NodeSpec } from './types.ts'

export interface NormalisedAttrs {
  attrs: Record<string, unknown>
  issues: GraphIssue[]
  /** False when a required or malformed attribute leaves the layer's shape unknowable. */
  ok: boolean
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v))
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)

function range(def: AttrDef): string {
  if (def.min !== undefined && def.max !== undefined) return `from ${def.min} to ${def.max}`
  if (def.min !== undefined) return `${def.min} or more`
  if (def.max !== undefined) return `${def.max} or less`
  return ''
}

function inRange(v: number, def: AttrDef): boolean {
  return (def.min === undefined || v >= def.min) && (def.max === undefined || v <= def.max)
}

/** Returns the normalised value, or a sentence saying what the value should be. */
function normalise(value: unknown, def: AttrDef): { value: unknown } | { want: string } {
  switch (def.kind) {
    case 'int':
      return isInt(value) && inRange(value, def) ? { value } : { want: `a whole number ${range(def)}`.trim() }
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) && inRange(value, def) ? { value } : { want: `a number ${range(def)}`.trim() }
    case 'bool':
      return typeof value === 'boolean' ? { value } : { want: 'true or false' }
    case 'enum':
      return def.values!.includes(value as string | number) ? { value } : { want: `one of ${def.values!.map(show).join(', ')}` }
    case 'pair': {
      const want = { want: `a whole number ${range(def)}, or [height, width] of such numbers`.replace('  ', ' ') }
      if (isInt(value)) return inRange(value, def) ? { value: [value, value] } : want
      if (Array.isArray(value) && value.length === 2 && value.every((x) => isInt(x) && inRange(x, def))) return { value: [value[0], value[1]] }
      return want
    }
    case 'padding': {
      const want = { want: `'valid', 'same', a whole number ${range(def)}, or [height, width] of such numbers` }
      if (value === 'valid' || value === 'same') return { value }
      if (isInt(value)) return inRange(value, def) ? { value: [value, value] } : want
      if (Array.isArray(value) && value.length === 2 && value.every((x) => isInt(x) && inRange(x, def))) return { value: [value[0], value[1]] }
      return want
    }
  }
}

export function normaliseAttrs(node: NodeSpec, def: LayerDef): NormalisedAttrs {
  const given = node.attrs ?? {}
  const attrs: Record<string, unknown> = {}
  const issues: GraphIssue[] = []
  let ok = true
  const where = `${node.type} ${node.id}`
  for (const [name, a] of Object.entries(def.attrs)) {
    const raw = given[name]
    if (raw === undefined) {
      if (a.required) {
        ok = false
        issues.push({ code: 'BAD_ATTR', severity: 'error', nodeId: node.id, message: `${where}: '${name}' is required (${a.help.replace(/\.$/, '')}); set it, for example to ${show(a.suggested)}` })
      } else if (a.default !== undefined) {
        const d = normalise(a.default, a)
        attrs[name] = 'value' in d ? d.value : a.default
      }
      continue
    }
    const r = normalise(raw, a)
    if ('want' in r) {
      ok = false
      issues.push({ code: 'BAD_ATTR', severity: 'error', nodeId: node.id, message: `${where}: '${name}' is ${show(raw)}, but it must be ${r.want}${a.hint ? ` (${a.hint})` : ''}` })
    } else {
      attrs[name] = r.value
    }
  }
  for (const name of Object.keys(given)) {
    if (!(name in def.attrs)) {
      const known = Object.keys(def.attrs)
      issues.push({
        code: 'UNKNOWN_ATTR', severity: 'warning', nodeId: node.id,
        message: `${where}: attribute '${name}' is not one ${node.type} has, so it is ignored${known.length ? ` (it has: ${known.join(', ')})` : ''}`,
      })
    }
  }
  return { attrs, issues, ok }
}
