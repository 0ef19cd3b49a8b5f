// The weights blob's reader on damaged input (issue 21): a coded, readable WeightsError, never a raw
// JSON.parse message; and the finiteness check export, evaluate and predict rely on.
import { describe, expect, it } from 'vitest'
import { decodeWeights, encodeWeights, firstNonFinite, OPTIMIZER_STATE, WeightsError } from '../../../src-engine/core/train/weights.ts'
import { thrown } from '../../helpers/errors.ts'

const blob = () => encodeWeights([{ name: 'c1.weight', data: Float32Array.of(1, 2, 3) }, { name: 'c1.bias', data: Float32Array.of(0.5) }], { model: 'm' })

const failure = (b: Uint8Array) => thrown(() => decodeWeights(b), WeightsError)

describe('decodeWeights on a damaged blob', () => {
  it('a header cut or overwritten mid-way: "damaged", not "Unterminated string in JSON"', () => {
    const b = blob()
    const cut = b.slice()
    cut[30] = 0x22 // a quote inside the header's JSON
    cut.fill(0x41, 31, 12 + new DataView(b.buffer).getUint32(8, true))
    expect(failure(cut).message).toMatch(/^weights file is damaged: its header is not readable JSON/)
    const bytes = b.slice()
    bytes[14] = 0xff // not UTF-8
    expect(failure(bytes).message).toMatch(/^weights file is damaged/)
  })

  it('a header length past the end, or a header without its tensor list', () => {
    const b = blob()
    new DataView(b.buffer).setUint32(8, 1e6, true)
    expect(failure(b).message).toMatch(/header says 1000000 bytes/)
    const other = new TextEncoder().encode(JSON.stringify({ format: 'cnn-studio.weights', version: 1, tensors: [{ name: 'x' }] }))
    const c = new Uint8Array(12 + other.length)
    c.set(blob().subarray(0, 8))
    new DataView(c.buffer).setUint32(8, other.length, true)
    c.set(other, 12)
    expect(failure(c).message).toMatch(/does not list the tensors/)
  })

  it('a whole blob still reads', () => {
    expect([...decodeWeights(blob()).tensors.keys()]).toEqual(['c1.weight', 'c1.bias'])
  })
})

describe('firstNonFinite', () => {
  it('names the first tensor with a NaN or an infinity; the optimizer state is not the model', () => {
    const t = new Map([['a', Float32Array.of(1, 2)], [OPTIMIZER_STATE, Float32Array.of(NaN)], ['b', Float32Array.of(0, -Infinity, NaN)]])
    expect(firstNonFinite(t)).toEqual({ name: 'b', index: 1, value: -Infinity })
    t.set('b', Float32Array.of(0))
    expect(firstNonFinite(t)).toBeNull()
  })
})
