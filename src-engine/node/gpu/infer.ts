// Inference for evaluate and predict on the device asked for: the CPU's worker thread (node/insight), or the
// GPU, in batches of up to 32 images, the checkpoint's weights put in the CPU Network's layout first (the
// GPU network shares it). `auto` keeps the faster by the same timed steps as training (node/gpu/choose.ts).
import type { ModelFile } from '../../core/graph/types.ts'
import { analyzeForTraining } from '../../core/graph/index.ts'
import type { DeviceChoice, DeviceRequest } from '../../core/gpu/choose.ts'
import { GpuNetwork } from '../../core/gpu/network.ts'
import { GpuContext } from '../../core/gpu/ops.ts'
import { applyWeights } from '../../core/insight/weights.ts'
import { toInput } from '../../core/insight/preprocess.ts'
import { referenceKernels } from '../../core/kernels/reference.ts'
import { Network } from '../../core/nn/network.ts'
import { inferOffThread } from '../insight/index.ts'
import type { InferInput } from '../insight/worker.ts'
import { chooseDevice } from './choose.ts'
import { loadGpu } from './load.ts'

const BATCH = 32

export async function inferOnDevice(device: DeviceRequest | undefined, model: ModelFile, weights: Uint8Array, input: InferInput, n: number, labels?: Int32Array): Promise<{ probs: Float32Array; lossSum: number | null; device: DeviceChoice }> {
  const analysis = analyzeForTraining(model)
  const choice = await chooseDevice(analysis, Math.max(1, Math.min(BATCH, n)), device ?? 'cpu')
  if (choice.device === 'cpu') return { ...(await inferOffThread(model, weights, input, n, labels)), device: choice }
  const gpu = await loadGpu()
  if (!gpu.device) throw new Error(`internal: the GPU went away: ${gpu.reason}`)
  const host = new Network(analysis, referenceKernels('float32'), 1, 1)
  applyWeights(host, weights)
  const batch = Math.max(1, Math.min(BATCH, n))
  const net = new GpuNetwork(new GpuContext(gpu.device), analysis, batch, 1)
  try {
    net.loadWeights(host.paramBlock as Float32Array, host.stateBlock as Float32Array)
    const size = net.inputSize, C = net.classes
    const probs = new Float32Array(n * C)
    const x = new Float32Array(batch * size)
    let lossSum = 0
    for (let start = 0; start < n; start += batch) {
      const k = Math.min(batch, n - start)
      const chunk = 'x' in input ? input.x.subarray(start * size, (start + k) * size) : toInput(input.pixels.subarray(start * size, (start + k) * size), input.preprocessing, x.subarray(0, k * size))
      probs.set(await net.predict(chunk, k), start * C)
      if (labels) lossSum += (await net.evaluate(chunk, labels.subarray(start, start + k), k)).lossSum
    }
    return { probs, lossSum: labels ? lossSum : null, device: choice }
  } finally {
    net.destroy()
  }
}
