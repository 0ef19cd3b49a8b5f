/// <reference types="@webgpu/types" />
// How the GPU backend runs its WGSL (wgsl.ts): pipelines compiled once per device, buffers made once per
// network and batch size, and each dispatch an Op holding its bind group and its own small uniform buffer,
// rewritten only when what it holds changes (the batch size of the step, a dropout seed, a learning rate).
// It needs only a GPUDevice: the page's navigator.gpu or npm `webgpu` in Node (src-engine/node/gpu).
import { WGSL, type KernelName } from './wgsl.ts'

// GPUBufferUsage / GPUMapMode values, spelled out so this runs where the globals are not installed.
const MAP_READ = 0x1, COPY_SRC = 0x4, COPY_DST = 0x8, UNIFORM = 0x40, STORAGE = 0x80
const WORKGROUP = 64
const MAX_GROUPS = 65535

/** A float as the u32 of its bits: every uniform field is a u32 and the WGSL bitcasts floats back. */
const bits = new DataView(new ArrayBuffer(4))
export function f32bits(x: number): number {
  bits.setFloat32(0, x, true)
  return bits.getUint32(0, true)
}

/** One dispatch of one kernel, planned once. */
export interface Op {
  readonly kernel: KernelName
  /** Its uniform fields (all u32) for a step of n images. */
  readonly fields: (n: number) => number[]
  /** Invocations for n images (one per number written); or, with `groups`, workgroups (one per channel). */
  readonly threads: (n: number) => number
  readonly groups?: boolean
  readonly bind: GPUBindGroup
  readonly uniform: GPUBuffer
  /** The fields last written, to skip an unchanged write. */
  last: number[] | null
}

export class GpuContext {
  readonly device: GPUDevice
  private readonly pipelines = new Map<KernelName, GPUComputePipeline>()

  constructor(device: GPUDevice) {
    this.device = device
  }

  pipeline(kernel: KernelName): GPUComputePipeline {
    let p = this.pipelines.get(kernel)
    if (!p) {
      const module = this.device.createShaderModule({ code: WGSL[kernel], label: kernel })
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: kernel })
      this.pipelines.set(kernel, p)
    }
    return p
  }

  /**
   * A zeroed storage buffer of `floats` 4-byte numbers (float32 or int32), at least one. One over the
   * device's binding limit is refused here, by name: WebGPU would only report it asynchronously, and every
   * dispatch that binds it would silently do nothing.
   */
  buffer(floats: number, label: string): GPUBuffer {
    const bytes = Math.max(1, floats) * 4
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize)
    if (bytes > limit) throw new Error(`${label}: ${bytes} bytes is more than this GPU binds in one buffer (${limit}); use a smaller batch size, or --device cpu`)
    return this.device.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC | COPY_DST, label })
  }

  /** A buffer the CPU reads back (the loss and metrics, or a tensor for a test). */
  staging(bytes: number, label: string): GPUBuffer {
    return this.device.createBuffer({ size: Math.max(4, bytes), usage: MAP_READ | COPY_DST, label })
  }

  /** An Op of `kernel` over `buffers` (bindings 1..), its uniform at binding 0. */
  op(kernel: KernelName, buffers: GPUBuffer[], fields: (n: number) => number[], threads: (n: number) => number, groups = false): Op {
    const uniform = this.device.createBuffer({ size: Math.ceil((fields(1).length * 4) / 16) * 16, usage: UNIFORM | COPY_DST, label: `${kernel} uniform` })
    const bind = this.device.createBindGroup({
      layout: this.pipeline(kernel).getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: uniform } }, ...buffers.map((buffer, k) => ({ binding: k + 1, resource: { buffer } }))],
      label: kernel,
    })
    return { kernel, fields, threads, groups, bind, uniform, last: null }
  }

  /** Writes the uniforms of `ops` that changed for n images. */
  prepare(ops: Op[], n: number): void {
    for (const op of ops) {
      const f = op.fields(n)
      if (op.last && op.last.length === f.length && op.last.every((v, k) => v === f[k])) continue
      op.last = f
      this.device.queue.writeBuffer(op.uniform, 0, new Uint32Array(f))
    }
  }

  /** Records `ops` for n images into one compute pass (WebGPU orders the dispatches' reads after earlier writes). */
  encode(pass: GPUComputePassEncoder, ops: Op[], n: number): void {
    for (const op of ops) {
      const count = op.groups ? op.threads(n) : Math.ceil(op.threads(n) / WORKGROUP)
      if (count === 0) continue
      pass.setPipeline(this.pipeline(op.kernel))
      pass.setBindGroup(0, op.bind)
      const x = Math.min(count, MAX_GROUPS)
      pass.dispatchWorkgroups(x, Math.ceil(count / x))
    }
  }

  /** Prepares and runs `ops` now (tests, and the parts of a step that are not on its hot path). */
  run(ops: Op[], n: number): void {
    this.prepare(ops, n)
    const enc = this.device.createCommandEncoder()
    const pass = enc.beginComputePass()
    this.encode(pass, ops, n)
    pass.end()
    this.device.queue.submit([enc.finish()])
  }

  /** The first `floats` numbers of a buffer, read back (allocates a staging buffer: not for every step). */
  async read(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    const bytes = Math.max(1, floats) * 4
    const stage = this.staging(bytes, 'read-back')
    const enc = this.device.createCommandEncoder()
    enc.copyBufferToBuffer(buffer, 0, stage, 0, bytes)
    this.device.queue.submit([enc.finish()])
    await stage.mapAsync(1)
    const out = new Float32Array(stage.getMappedRange().slice(0, floats * 4))
    stage.unmap()
    stage.destroy()
    return out
  }

  /** Writes numbers at `offsetFloats` (copied first where they sit in shared memory, which the queue may refuse). */
  write(buffer: GPUBuffer, data: Float32Array | Int32Array, offsetFloats = 0): void {
    const d = data.buffer instanceof ArrayBuffer ? data : data.slice()
    this.device.queue.writeBuffer(buffer, offsetFloats * 4, d.buffer as ArrayBuffer, d.byteOffset, d.byteLength)
  }
}
