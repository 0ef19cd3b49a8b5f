// Weight initialisers. He keeps the variance of ReLU networks steady layer to layer; Glorot does the
// same for tanh/sigmoid. Both uniform: U(-limit, limit).
import type { FloatArray } from '../kernels/types.ts'
import type { Rng } from './rng.ts'

export function heUniform(rng: Rng, fanIn: number) {
  const limit = Math.sqrt(6 / fanIn)
  return (v: FloatArray) => {
    for (let i = 0; i < v.length; i++) v[i] = (rng.next() * 2 - 1) * limit
  }
}

export function glorotUniform(rng: Rng, fanIn: number, fanOut: number) {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  return (v: FloatArray) => {
    for (let i = 0; i < v.length; i++) v[i] = (rng.next() * 2 - 1) * limit
  }
}

export const constant = (c: number) => (v: FloatArray) => v.fill(c)
