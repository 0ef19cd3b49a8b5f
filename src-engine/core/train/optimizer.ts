// Optimizers over one flat parameter block (see Network.paramBlock): SGD with momentum (and Nesterov),
// Adam, AdamW. Written as PyTorch defines them, so runs exported to PyTorch behave alike.
import type { FloatArray } from '../kernels/types.ts'
import type { OptimizerName } from './types.ts'

export interface OptimizerSettings {
  optimizer: OptimizerName
  momentum: number
  nesterov?: boolean
  /** SGD/Adam: L2 added to the gradient; AdamW: decoupled decay of the weights. */
  weightDecay?: number
  beta1?: number
  beta2?: number
  epsilon?: number
}

export interface Optimizer {
  /** params -= update(grads) at learning rate `lr`; `decay[i]` is 1 where weight decay applies. */
  step(params: FloatArray, grads: FloatArray, lr: number): void
  /** Optimizer state (momentum buffers, Adam moments and step count) to keep in a checkpoint. */
  state(): Float32Array
  loadState(s: Float32Array): void
  /** The live state tensors (SGD: the momentum buffer; Adam: m, v), for a trainer that shards the optimizer across workers and reads their slices into one checkpoint. */
  buffers(): FloatArray[]
  /** Adam's step count, when a coordinator keeps it for every shard (SGD has none). */
  setStep(t: number): void
}

/** `alloc`: where the state tensors live (shared memory, for a sharded optimizer the coordinator reads). */
export function createOptimizer(size: number, decayMask: Uint8Array, s: OptimizerSettings, alloc: (n: number) => FloatArray = (n) => new Float32Array(n)): Optimizer {
  const wd = s.weightDecay ?? 0
  if (s.optimizer === 'sgd') {
    const buf = alloc(size)
    const mu = s.momentum
    return {
      // One pass over every parameter each step: settings are read once, outside the loop.
      step(p, g, lr) {
        const nesterov = !!s.nesterov
        for (let i = 0; i < size; i++) {
          const gi = wd !== 0 && decayMask[i] ? g[i] + wd * p[i] : g[i]
          const b = (buf[i] = mu * buf[i] + gi)
          p[i] -= lr * (nesterov ? gi + mu * b : b)
        }
      },
      state: () => Float32Array.from(buf),
      loadState: (st) => buf.set(st.subarray(0, size)),
      buffers: () => [buf],
      setStep: () => {},
    }
  }
  const b1 = s.beta1 ?? 0.9, b2 = s.beta2 ?? 0.999, eps = s.epsilon ?? 1e-8
  const decoupled = s.optimizer === 'adamw'
  const m = alloc(size), v = alloc(size)
  let t = 0
  return {
    step(p, g, lr) {
      t++
      const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t)
      const a1 = 1 - b1, a2 = 1 - b2, rate = lr / c1, inv2 = 1 / c2
      for (let i = 0; i < size; i++) {
        let gi = g[i]
        if (wd !== 0 && decayMask[i]) {
          if (decoupled) p[i] -= lr * wd * p[i]
          else gi += wd * p[i]
        }
        const mi = (m[i] = b1 * m[i] + a1 * gi)
        const vi = (v[i] = b2 * v[i] + a2 * gi * gi)
        p[i] -= (rate * mi) / (Math.sqrt(vi * inv2) + eps)
      }
    },
    state: () => adamState(m, v, t),
    loadState(st) {
      t = loadAdamState(st, m, v)
    },
    buffers: () => [m, v],
    setStep(n) {
      t = n
    },
  }
}

/** Adam's checkpoint layout: the first moments, the second moments, the step count. */
export function adamState(m: FloatArray, v: FloatArray, t: number): Float32Array {
  const out = new Float32Array(2 * m.length + 1)
  out.set(m)
  out.set(v, m.length)
  out[2 * m.length] = t
  return out
}

/** Reads adamState's layout into m and v; returns the step count. */
export function loadAdamState(st: Float32Array, m: FloatArray, v: FloatArray): number {
  const size = m.length
  m.set(st.subarray(0, size))
  v.set(st.subarray(size, 2 * size))
  return st[2 * size] ?? 0
}
