// The weights blob: a versioned binary of named float32 tensors, so checkpoints survive code changes and
// a mismatch is reported by name. Layout: "CNNW", u32 version, u32 header length, header JSON (UTF-8),
// zero padding to 4 bytes, then the tensors back to back (little-endian float32).
const MAGIC = 0x574e4e43 // 'CNNW' read little-endian
export const WEIGHTS_VERSION = 1

export interface NamedTensor {
  name: string
  data: Float32Array | Float64Array
}

interface Header {
  format: 'cnn-studio.weights'
  version: number
  tensors: { name: string; size: number }[]
  meta?: Record<string, unknown>
}

export function encodeWeights(tensors: NamedTensor[], meta?: Record<string, unknown>): Uint8Array {
  const header: Header = { format: 'cnn-studio.weights', version: WEIGHTS_VERSION, tensors: tensors.map((t) => ({ name: t.name, size: t.data.length })), meta }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const start = Math.ceil((12 + json.length) / 4) * 4
  const total = start + 4 * tensors.reduce((s, t) => s + t.data.length, 0)
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, WEIGHTS_VERSION, true)
  view.setUint32(8, json.length, true)
  out.set(json, 12)
  const floats = new Float32Array(out.buffer, start)
  let o = 0
  for (const t of tensors) {
    floats.set(t.data, o)
    o += t.data.length
  }
  return out
}

export class WeightsError extends Error {}

export function decodeWeights(blob: Uint8Array): { tensors: Map<string, Float32Array>; meta?: Record<string, unknown> } {
  if (blob.length < 12) throw new WeightsError('not a weights file: too short')
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new WeightsError('not a CNN Studio weights file (bad magic number)')
  const version = view.getUint32(4, true)
  if (version > WEIGHTS_VERSION) throw new WeightsError(`weights version ${version} is newer than this studio reads (${WEIGHTS_VERSION}): update the studio`)
  const len = view.getUint32(8, true)
  if (12 + len > blob.length) throw new WeightsError(`weights file is damaged: its header says ${len} bytes, the file has ${blob.length - 12} after the first 12`)
  let header: Header
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(blob.subarray(12, 12 + len))) as Header
  } catch (e) {
    throw new WeightsError(`weights file is damaged: its header is not readable JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  const listed = header && typeof header === 'object' && Array.isArray(header.tensors) && header.tensors.every((t) => t && typeof t.name === 'string' && Number.isSafeInteger(t.size) && t.size >= 0)
  if (!listed) throw new WeightsError('weights file is damaged: its header does not list the tensors')
  const start = Math.ceil((12 + len) / 4) * 4
  // Copy to an aligned buffer: the blob may sit at any byte offset (for example inside a SQLite row).
  // (Uint8Array's slice: a Node Buffer's own slice would be a view at the same unaligned offset.)
  const body = Uint8Array.prototype.slice.call(blob, start)
  const floats = new Float32Array(body.buffer, 0, body.byteLength / 4)
  const tensors = new Map<string, Float32Array>()
  let o = 0
  for (const t of header.tensors) {
    if (o + t.size > floats.length) throw new WeightsError(`weights file is truncated at tensor ${t.name}`)
    tensors.set(t.name, floats.subarray(o, o + t.size))
    o += t.size
  }
  return { tensors, meta: header.meta }
}

/** The optimizer's moments a training checkpoint carries: not part of the model, so not checked for finiteness. */
export const OPTIMIZER_STATE = 'optimizer.state'

/**
 * The first tensor of a model's weights (the optimizer state aside) holding a NaN or an infinity, with the
 * first such value; null when every number is finite. One pass, stopping at the first bad value.
 */
export function firstNonFinite(tensors: Map<string, Float32Array>): { name: string; index: number; value: number } | null {
  for (const [name, t] of tensors) {
    if (name === OPTIMIZER_STATE) continue
    for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i])) return { name, index: i, value: t[i] }
  }
  return null
}

/**
 * Index of the first NaN or infinity in `a`, or -1. `x - x` is 0 for every finite x and NaN otherwise, so one
 * branch-free pass decides (about as cheap as a copy of the block), and only a bad block is searched.
 */
export function firstNonFiniteIndex(a: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] - a[i]
  if (s === 0) return -1
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i
  return -1
}

/** How a non-finite value is named in messages: NaN, +infinity or -infinity. */
export const describeNonFinite = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? '+infinity' : '-infinity')

/** Where each tensor of a network goes: its parameters in one block, its non-trainable state in another. */
export interface WeightsLayout {
  params: { name: string; offset: number; size: number }[]
  state: { name: string; size: number }[]
}

const misfit = (name: string, t: Float32Array | undefined, size: number) =>
  new WeightsError(`the weights do not fit this model: ${name} ${t ? `has ${t.length} numbers, the model needs ${size}` : 'is missing'}`)

/**
 * Puts a weights blob into a parameter block and a state block laid out as `layout` says, every tensor by
 * name and size; a parameter that is missing or of another size is refused, naming it. A state tensor
 * likewise, unless `keepMissingState` (a resume keeps the values it has). Returns all the blob's tensors,
 * for the caller's own (the optimizer state a training checkpoint carries).
 */
export function unpackWeights(blob: Uint8Array, layout: WeightsLayout, params: Float32Array | Float64Array, state: Float32Array | Float64Array, keepMissingState = false): Map<string, Float32Array> {
  const { tensors } = decodeWeights(blob)
  for (const p of layout.params) {
    const t = tensors.get(p.name)
    if (!t || t.length !== p.size) throw misfit(p.name, t, p.size)
    params.set(t, p.offset)
  }
  let o = 0
  for (const s of layout.state) {
    const t = tensors.get(s.name)
    if (t && t.length === s.size) state.set(t, o)
    else if (!keepMissingState) throw misfit(s.name, t, s.size)
    o += s.size
  }
  return tensors
}
