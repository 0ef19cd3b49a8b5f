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
}

export function createOptimizer(size: number, decayMask: Uint8Array, s: OptimizerSettings): Optimizer {
  const wd = s.weightDecay ?? 0
  if (s.optimizer === 'sgd') {
    const buf = new Float32Array(size)
    const mu = s.momentum
    return {
      step(p, g, lr) {
        for (let i = 0; i < size; i++) {
          const gi = g[i] + (decayMask[i] ? wd * p[i] : 0)
          const b = (buf[i] = mu * buf[i] + gi)
          p[i] -= lr * (s.nesterov ? gi + mu * b : b)
        }
      },
      state: () => Float32Array.from(buf),
      loadState: (st) => buf.set(st.subarray(0, size)),
    }
  }
  const b1 = s.beta1 ?? 0.9, b2 = s.beta2 ?? 0.999, eps = s.epsilon ?? 1e-8
  const decoupled = s.optimizer === 'adamw'
  const m = new Float32Array(size), v = new Float32Array(size)
  let t = 0
  return {
    step(p, g, lr) {
      t++
      const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t)
      for (let i = 0; i < size; i++) {
        let gi = g[i]
        if (decayMask[i] && wd) {
          if (decoupled) p[i] -= lr * wd * p[i]
          else gi += wd * p[i]
        }
        m[i] = b1 * m[i] + (1 - b1) * gi
        v[i] = b2 * v[i] + (1 - b2) * gi * gi
        p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps)
      }
    },
    state() {
      const out = new Float32Array(2 * size + 1)
      out.set(m)
      out.set(v, size)
      out[2 * size] = t
      return out
    },
    loadState(st) {
      m.set(st.subarray(0, size))
      v.set(st.subarray(size, 2 * size))
      t = st[2 * size] ?? 0
    },
  }
}
