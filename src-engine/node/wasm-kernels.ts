// Loads the compiled fast kernels (build/wasm, made by `npm install` / `npm run build:wasm`) once per
// thread, picking the relaxed-SIMD build where this runtime validates it.
import { readFileSync, existsSync } from 'node:fs'
import { createWasmKernels, type WasmKernels } from '../core/kernels/wasm.ts'
import { appFile } from './app-files.ts'

const dir = appFile('build/wasm/')
let cached: Promise<WebAssembly.Module> | null = null

function pick(): Uint8Array {
  const relaxed = `${dir}kernels-relaxed.wasm`
  const plain = `${dir}kernels-simd.wasm`
  if (!existsSync(plain)) throw new Error(`the fast kernels are not built (${plain} is missing); run: npm run build:wasm`)
  if (existsSync(relaxed)) {
    const bytes = readFileSync(relaxed)
    if (WebAssembly.validate(bytes)) return bytes
  }
  return readFileSync(plain)
}

/** The compiled kernel module; a WebAssembly.Module can be posted to worker threads. */
export function loadKernelModule(): Promise<WebAssembly.Module> {
  cached ??= WebAssembly.compile(pick() as Uint8Array<ArrayBuffer>)
  return cached
}

export function createFastKernels(module: WebAssembly.Module): WasmKernels {
  return createWasmKernels(module)
}

/** Fast kernels in this thread (tests, benchmarks). */
export async function fastKernels(): Promise<WasmKernels> {
  return createWasmKernels(await loadKernelModule())
}
