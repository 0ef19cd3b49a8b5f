// How large a layer may get. Attributes are bounded one by one (attrs.ts), but their products are not:
// a 4096x4096 input, 65,536 filters and a 1024x1024 kernel are each allowed, together they are absurd.
// Past these limits a size means nothing to a student and the numbers stop being exact, so analysis
// refuses them (BAD_ATTR) rather than showing rounded or infinite shapes, parameters and MACs.
import type { NodeSpec, Shape } from './types.ts'
import { fmtInt, fmtShape } from './messages.ts'

/** Numbers in one layer's output per image: what the engine's 32-bit indexing reaches (8 GiB of float32). */
export const MAX_TENSOR = 2 ** 31 - 1
/** Parameters or MACs of one layer: the largest whole number a double holds exactly. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER

function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']
  let u = 0
  while (n >= 1024 && u < units.length - 1) { n /= 1024; u++ }
  return `${n < 10 && u > 0 ? n.toFixed(1) : Math.round(n)} ${units[u]}`
}

function shrink(type: string): string {
  switch (type) {
    case 'input': return 'use smaller images or fewer channels'
    case 'conv2d': return 'downsample before it (a stride or a pool), or use fewer filters'
    case 'dense': return 'use fewer units, or a globalavgpool instead of a flatten before it'
    case 'concat': return 'join fewer or narrower branches, or downsample them first'
    default: return 'shrink the layers before it (a stride or a pool, fewer filters)'
  }
}

/** Why a layer with this output, parameter count and MACs is too large, or null when it is not. */
export function tooLarge(node: NodeSpec, shape: Shape, params: number, macs: number): string | null {
  const who = `${node.type} ${node.id}`
  const size = shape.reduce((a, b) => a * b, 1)
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 1) || !(size <= MAX_TENSOR)) {
    const what = node.type === 'input' ? `its ${fmtShape(shape)} images hold ${fmtInt(size)} numbers each` : `its output ${fmtShape(shape)} holds ${fmtInt(size)} numbers per image`
    return `${who}: ${what} (${bytes(size * 4)} of float32); ` +
      `the studio handles up to ${fmtInt(MAX_TENSOR)} (${bytes(MAX_TENSOR * 4)}) in one layer: ${shrink(node.type)}`
  }
  for (const [n, what] of [[params, 'parameters'], [macs, 'multiply-accumulates per image']] as const) {
    if (Number.isSafeInteger(n)) continue
    return `${who}: ${fmtInt(n)} ${what}, more than the studio counts exactly (${fmtInt(MAX_COUNT)}): ${shrink(node.type)}`
  }
  return null
}
