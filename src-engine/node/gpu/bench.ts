// `cnn-studio bench --device gpu`: the benchmark's figures on the GPU (training and inference images/s of a
// model on synthetic data, after a warm-up step), with the adapter's name, and with --profile its per-layer
// forward and backward times (GpuNetwork.profile: each layer's dispatches waited for alone).
import { analyzeForTraining } from '../../core/graph/index.ts'
import type { ModelFile } from '../../core/graph/types.ts'
import { GpuNetwork } from '../../core/gpu/network.ts'
import { GpuContext } from '../../core/gpu/ops.ts'
import { Rng } from '../../core/nn/rng.ts'
import { NoGpuError } from './choose.ts'
import { loadGpu } from './load.ts'

export interface GpuBench {
  model: string
  adapterName: string
  batch: number
  steps: number
  trainImagesPerSecond: number
  inferImagesPerSecond: number
  /** With `profile`: ms per layer for the batch. */
  layers?: { id: string; type: string; forwardMs: number; backwardMs: number }[]
}

export async function benchGpu(model: ModelFile, opts: { batch?: number; steps?: number; profile?: boolean } = {}): Promise<GpuBench> {
  const gpu = await loadGpu()
  if (!gpu.device) throw new NoGpuError(`--device gpu: ${gpu.reason}`)
  const batch = opts.batch ?? 64, steps = opts.steps ?? 5
  const net = new GpuNetwork(new GpuContext(gpu.device), analyzeForTraining(model), batch, 1)
  try {
    net.setOptimizer({ optimizer: 'sgd', momentum: 0.9 })
    const rng = new Rng(1)
    const x = Float32Array.from({ length: batch * net.inputSize }, () => rng.next())
    const y = Int32Array.from({ length: batch }, () => rng.int(net.classes))
    await net.trainStep(x, y, batch, 0.01) // warm-up: pipelines compiled, buffers touched
    let t = performance.now()
    for (let s = 0; s < steps; s++) await net.trainStep(x, y, batch, 0.01)
    const train = (batch * steps) / ((performance.now() - t) / 1000)
    await net.evaluate(x, y, batch)
    t = performance.now()
    for (let s = 0; s < steps; s++) await net.evaluate(x, y, batch)
    const infer = (batch * steps) / ((performance.now() - t) / 1000)
    return {
      model: model.name ?? 'model', adapterName: gpu.adapterName, batch, steps, trainImagesPerSecond: train, inferImagesPerSecond: infer,
      ...(opts.profile ? { layers: await net.profile(batch) } : {}),
    }
  } finally {
    net.destroy()
  }
}
