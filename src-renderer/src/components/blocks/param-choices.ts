// What "Make block" offers to expose as the block's parameters: each attribute the selected layers set, with
// the layers that set it to the same value grouped into one parameter (the `filters` of c1 and c2, both 32,
// become one `width`), so a VGG stage's width is changed in one place.
import { getLayer, isBlockNode, type BlockParam, type ModelFile } from '../../../../src-engine/core/graph/index.ts'

export interface ParamChoice {
  /** Stable key for the form: attribute and value. */
  key: string
  attr: string
  layers: string[]
  value: unknown
  /** The suggested parameter name. */
  name: string
}

/** The names people give these attributes on a block (a conv's filters are the stage's width). */
const NAMES: Record<string, string> = { filters: 'width', units: 'units', kernel: 'kernel', rate: 'rate', stride: 'stride', alpha: 'alpha' }
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/** The choices for the selected layers: shared attributes first (most layers first), then in layer order. */
export function paramChoices(model: ModelFile, ids: Iterable<string>): ParamChoice[] {
  const sel = new Set(ids)
  const groups = new Map<string, ParamChoice>()
  for (const n of model.nodes) {
    if (!sel.has(n.id) || isBlockNode(n) || n.type === 'input') continue
    const def = getLayer(n.type)
    for (const [attr, v] of Object.entries(n.attrs ?? {})) {
      if (!def?.attrs[attr] || v === undefined) continue
      const key = `${attr}=${JSON.stringify(v)}`
      const g = groups.get(key)
      if (g) g.layers.push(n.id)
      else groups.set(key, { key, attr, layers: [n.id], value: v, name: NAMES[attr] ?? attr })
    }
  }
  const list = [...groups.values()].sort((a, b) => b.layers.length - a.layers.length)
  // one name per parameter: a second group of the same attribute is named after its first layer
  const taken = new Set<string>()
  for (const c of list) {
    let name = c.name
    if (taken.has(name)) name = `${name}_${c.layers[0]}`.replace(/[^A-Za-z0-9_]/g, '_')
    c.name = name
    taken.add(name)
  }
  return list
}

/** The chosen choices as the definition's parameters; a name that is not a parameter name is refused with the reason. */
export function paramsOf(chosen: { choice: ParamChoice; name: string }[]): { params: Record<string, BlockParam>; error?: string } {
  const params: Record<string, BlockParam> = {}
  for (const { choice, name } of chosen) {
    const n = name.trim()
    if (!PARAM_NAME.test(n) || n === 'block' || n === 'repeat') return { params, error: `parameter '${n}': a name is a letter or _ then letters, digits or _ (not 'block' or 'repeat')` }
    if (params[n]) return { params, error: `two parameters are named '${n}'; give each its own name` }
    params[n] = { binds: choice.layers.map((id): [string, string] => [id, choice.attr]), default: choice.value }
  }
  return { params }
}
