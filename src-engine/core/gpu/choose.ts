// Which device trains a run under `--device auto`: the faster per step, measured on the model itself,
// never assumed (a light CNN can be slower on a GPU than on WASM; a software adapter always is), and said
// with its reason in the words the run records and the CLI prints.
export type DeviceRequest = 'auto' | 'cpu' | 'gpu'

export interface DeviceChoice {
  device: 'cpu' | 'gpu'
  /** e.g. "gpu: 3.4x the CPU on this model (NVIDIA ...)", "cpu: the GPU (SwiftShader driver 5.0.0) took 25x the CPU's time per step on this model". */
  reason: string
  adapterName?: string
  /** Milliseconds per training step measured on each (auto only). */
  cpuMs?: number
  gpuMs?: number
}

const times = (r: number) => (r >= 10 ? r.toFixed(0) : r.toFixed(1))

/** The faster of two measured step times; a tie (within 5%) stays on the CPU, which needs no device. */
export function pickFaster(cpuMs: number, gpuMs: number, adapterName: string): DeviceChoice {
  if (gpuMs * 1.05 < cpuMs) return { device: 'gpu', reason: `gpu: ${times(cpuMs / gpuMs)}x the CPU on this model (${adapterName})`, adapterName, cpuMs, gpuMs }
  const reason = gpuMs > cpuMs
    ? `cpu: the GPU (${adapterName}) took ${times(gpuMs / cpuMs)}x the CPU's time per step on this model`
    : `cpu: the GPU (${adapterName}) was no faster than the CPU on this model`
  return { device: 'cpu', reason, adapterName, cpuMs, gpuMs }
}
