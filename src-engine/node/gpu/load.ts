/// <reference types="@webgpu/types" />
// The GPU in Node (the CLI, `serve`, Electron's main process and its workers): npm `webgpu`, Dawn's
// Node-API addon. The system's Vulkan (or Metal, D3D12) driver is tried first; on Linux, where it finds no
// adapter, a second attempt uses the SwiftShader Vulkan driver that Debian's chromium ships (a CPU: right
// for correctness, never fast). Nothing here throws: a caller gets a device or the reason there is none.
import { existsSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json'

export type GpuLoad = { device: GPUDevice; adapterName: string; software: boolean } | { device: null; reason: string }

interface Dawn {
  create(options: string[]): GPU
  globals: object
}

let loaded: Promise<GpuLoad> | null = null
/**
 * The instance the device came from. Dawn's Node bindings live as long as it is referenced (dropping it
 * tears the device down under its users) and keep Node from exiting while it is: releaseGpu lets go.
 */
let instance: GPU | null = null

/** The process's one GPU device (loaded on first call; later calls share it), or why there is none. */
export function loadGpu(): Promise<GpuLoad> {
  loaded ??= attempt().catch((e: unknown) => ({ device: null, reason: `the GPU could not be started: ${e instanceof Error ? e.message : String(e)}` }))
  return loaded
}

async function attempt(): Promise<GpuLoad> {
  let dawn: Dawn
  try {
    dawn = (await import('webgpu')) as unknown as Dawn
  } catch (e) {
    return { device: null, reason: `the WebGPU addon (npm webgpu) did not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` }
  }
  Object.assign(globalThis, dawn.globals)
  // The Vulkan loader wants a runtime directory; an unset one only makes it complain, a made-up one is harmless.
  if (!process.env.XDG_RUNTIME_DIR && process.platform === 'linux') {
    const dir = path.join(tmpdir(), `cnn-studio-xdg-${process.getuid?.() ?? 0}`)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    process.env.XDG_RUNTIME_DIR = dir
  }
  instance = dawn.create([])
  let adapter = await instance.requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    // No adapter from the system's drivers: SwiftShader's, in a fresh instance (the loader reads this then).
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD
    instance = dawn.create([])
    adapter = await instance.requestAdapter()
  }
  if (!adapter) {
    instance = null
    return { device: null, reason: `no GPU adapter was found (no Vulkan, Metal or D3D12 driver with WebGPU's features${process.platform === 'linux' ? `, nor SwiftShader at ${SWIFTSHADER_ICD}: Debian's chromium package ships it` : ''})` }
  }
  const lim = adapter.limits
  const device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize, maxBufferSize: lim.maxBufferSize, maxStorageBuffersPerShaderStage: Math.min(lim.maxStorageBuffersPerShaderStage, 8) },
  })
  const info = adapter.info
  const adapterName = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown adapter'
  return { device, adapterName, software: /swiftshader|llvmpipe|lavapipe/i.test(adapterName) || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true }
}

/**
 * Destroys the device and lets go of the instance, so the process can exit: call it as the process ends
 * (the CLI does, after any command). Loading again after a release in the same process aborted it here
 * (SIGABRT in Dawn), so a long-lived host (serve, Electron) keeps its one device.
 */
export async function releaseGpu(): Promise<void> {
  const l = loaded ? await loaded : null
  l?.device?.destroy()
  instance = null
  loaded = null
}
