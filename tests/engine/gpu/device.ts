// The GPU every GPU test shares: the process's device (src-engine/node/gpu/load.ts), or the reason there is
// none, for `describe.skipIf` to say. SwiftShader runs on the CPU: the tests keep their shapes small.
import { GpuContext } from '../../../src-engine/core/gpu/ops.ts'
import { loadGpu } from '../../../src-engine/node/gpu/load.ts'

const loaded = await loadGpu()
export const gpu = loaded.device ? new GpuContext(loaded.device) : null
export const noGpu = loaded.device ? '' : `skipped: ${loaded.reason}`
if (!gpu) console.warn(`GPU tests ${noGpu}`)

/** The largest |a - b| over the first `len` numbers, and the largest |b|. */
export function worst(a: ArrayLike<number>, b: ArrayLike<number>, len = b.length): { err: number; scale: number } {
  let err = 0, scale = 0
  for (let i = 0; i < len; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return { err, scale }
}
