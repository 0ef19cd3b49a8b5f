// How a node card writes a layer in a few characters, e.g. `3x3 s1 same, 16` for a conv: the same short forms
// the lecture uses, so a stack can be read at a glance.
import { fmtInt, fmtShape, type NodeInfo, type NodeSpec, type Shape } from '../../../../src-engine/core/graph/index.ts'

type P = [number, number]
const sq = (p: unknown): string => (Array.isArray(p) ? (p[0] === p[1] ? `${p[0]}x${p[0]}` : `${p[0]}x${p[1]}`) : `${p}x${p}`)
const st = (p: unknown): string => (Array.isArray(p) ? (p[0] === p[1] ? `${p[0]}` : `${p[0]}x${p[1]}`) : `${p}`)
function pad(p: unknown): string {
  if (p === 'same' || p === 'valid') return p
  if (Array.isArray(p)) return (p as P)[0] === (p as P)[1] ? `p${(p as P)[0]}` : `p${(p as P)[0]}x${(p as P)[1]}`
  return p === undefined ? 'valid' : `p${p}`
}

/**
 * The key attributes: the file's as typed, over the analysed ones (which fill in the defaults). The file's win
 * so that a value the layer cannot take shows on the card as it stands in its field (with the card's error
 * badge), not the last value that was valid.
 */
export function shortAttrs(spec: NodeSpec, info?: NodeInfo): string {
  const a: Record<string, unknown> = { ...(info?.attrs ?? {}), ...(spec.attrs ?? {}) }
  switch (spec.type) {
    case 'input': return `${a.height ?? '?'}x${a.width ?? '?'}x${a.channels ?? '?'}`
    case 'conv2d': return `${a.kernel !== undefined ? sq(a.kernel) : '?'} s${st(a.stride ?? 1)} ${pad(a.padding)}, ${a.filters ?? '?'}`
    case 'maxpool2d':
    case 'avgpool2d': {
      const p = pad(a.padding)
      return `${a.size !== undefined ? sq(a.size) : '?'} s${st(a.stride ?? a.size ?? '?')}${p === 'valid' ? '' : ` ${p}`}`
    }
    case 'dense': return `${a.units ?? '?'} units${a.bias === false ? ', no bias' : ''}`
    case 'dropout': return `rate ${a.rate ?? 0.5}`
    case 'leakyrelu': return `α ${a.alpha ?? 0.01}`
    default: return ''
  }
}

/** `32x32x16` for a map, `10` for a vector, as `cnn-studio inspect` prints shapes. */
export const shapeText = (s: Shape | null | undefined): string => (s ? fmtShape(s) : '?')

export function paramsText(n: number): string {
  return `${fmtInt(n)} param${n === 1 ? '' : 's'}`
}

/** 10,323,200 -> '10.3M'; for totals where the exact figure is in the summary table. */
export function bytesText(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n >= 100 * 1024 ** 2 ? 0 : 1)} MB`
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`
  return `${n} B`
}
