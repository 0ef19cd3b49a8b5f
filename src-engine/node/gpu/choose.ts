// `--device auto|cpu|gpu` resolved for one model and batch size: `auto` times a few training steps of the
// model on synthetic data on each (after a warm-up step each) and keeps the faster (core/gpu/choose.ts).
// The CPU side is one WASM network on this thread: the trainer's worker pool only makes the CPU faster, so
// a GPU chosen over it is faster than one core, and the figure says so.
import type { GraphAnalysis } from '../../core/graph/types.ts'
import { pickFaster, type DeviceChoice, type DeviceRequest } from '../../core/gpu/choose.ts'
import { GpuNetwork } from '../../core/gpu/network.ts'
import { GpuContext } from '../../core/gpu/ops.ts'
import { Network } from '../../core/nn/network.ts'
import { Rng } from '../../core/nn/rng.ts'
import { fastKernels } from '../wasm-kernels.ts'
import { loadGpu } from './load.ts'

export class NoGpuError extends Error {}

/**
 * The device for a run. `gpu` without an adapter (or where the addon cannot load) throws NoGpuError with
 * the reason; `auto` then falls back to the CPU and says why.
 */
export async function chooseDevice(analysis: GraphAnalysis, batch: number, request: DeviceRequest, steps = 2): Promise<DeviceChoice> {
  if (request === 'cpu') return { device: 'cpu', reason: 'cpu: as asked (--device cpu)' }
  const gpu = await loadGpu()
  if (!gpu.device) {
    if (request === 'gpu') throw new NoGpuError(`--device gpu: ${gpu.reason}. Train on the CPU with --device cpu (or auto).`)
    return { device: 'cpu', reason: `cpu: ${gpu.reason}` }
  }
  if (request === 'gpu') return { device: 'gpu', reason: `gpu: as asked (--device gpu, ${gpu.adapterName})`, adapterName: gpu.adapterName }
  const rng = new Rng(1)
  const cpu = new Network(analysis, await fastKernels(), batch, 1)
  const input = Float32Array.from({ length: batch * cpu.inputSize }, () => rng.normal())
  const labels = Int32Array.from({ length: batch }, () => rng.int(cpu.classes))
  const g = new GpuNetwork(new GpuContext(gpu.device), analysis, batch, 1)
  try {
    const cpuStep = () => {
      cpu.input.set(input)
      cpu.forward(batch, true, true) // as a CPU worker trains (node/trainer/worker.ts)
      cpu.backward(labels, batch, 1 / batch, true)
    }
    const gpuStep = () => g.trainStep(input, labels, batch)
    cpuStep()
    await gpuStep()
    let t = performance.now()
    for (let s = 0; s < steps; s++) cpuStep()
    const cpuMs = (performance.now() - t) / steps
    t = performance.now()
    for (let s = 0; s < steps; s++) await gpuStep()
    const gpuMs = (performance.now() - t) / steps
    return pickFaster(cpuMs, gpuMs, gpu.adapterName)
  } finally {
    g.destroy()
  }
}
