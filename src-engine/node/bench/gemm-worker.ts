// One thread of the GEMM benchmark: its own kernel instance, `reps` products of [size]^3 on a signal.
import { parentPort, workerData } from 'node:worker_threads'
import { createWasmKernels } from '../../core/kernels/wasm.ts'

const { module, size, reps } = workerData as { module: WebAssembly.Module; size: number; reps: number }
const k = createWasmKernels(module)
const a = k.alloc(size * size), b = k.alloc(size * size), c = k.alloc(size * size)
a.fill(0.5)
b.fill(0.25)
k.gemm(false, false, size, size, size, a, b, c, false) // warm-up
parentPort!.postMessage('ready')
parentPort!.once('message', () => {
  for (let r = 0; r < reps; r++) k.gemm(false, false, size, size, size, a, b, c, false)
  parentPort!.postMessage('done')
})
