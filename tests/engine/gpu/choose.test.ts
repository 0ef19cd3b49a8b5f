// `--device auto|cpu|gpu`: auto keeps the faster device per step, measured, with its reason; on a software
// adapter (SwiftShader here) that is the CPU. Without an adapter, auto falls back to the CPU and `gpu`
// fails with the reason (run in a child process whose Vulkan loader is pointed at no driver).
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { pickFaster } from '../../../src-engine/core/gpu/choose.ts'
import { chooseDevice } from '../../../src-engine/node/gpu/choose.ts'
import { loadGpu, releaseGpu } from '../../../src-engine/node/gpu/load.ts'
import { analyzed, chainModel } from '../../helpers/graphs.ts'
import { gpu, noGpu } from './device.ts'

afterAll(releaseGpu)

describe('pickFaster', () => {
  it('keeps the GPU only when it is faster per step, and says by how much', () => {
    expect(pickFaster(34, 10, 'Some GPU')).toMatchObject({ device: 'gpu', reason: 'gpu: 3.4x the CPU on this model (Some GPU)' })
    expect(pickFaster(10, 250, 'SwiftShader driver 5.0.0')).toMatchObject({ device: 'cpu', reason: "cpu: the GPU (SwiftShader driver 5.0.0) took 25x the CPU's time per step on this model" })
    expect(pickFaster(10, 9.8, 'Some GPU').device).toBe('cpu') // within 5%: no device needed
  })
})

const model = () => chainModel([8, 8, 3], [['c', 'conv2d', { filters: 4, kernel: 3 }], ['r', 'relu'], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']])

describe.skipIf(!gpu)(`chooseDevice on this machine's adapter ${noGpu}`, () => {
  it('cpu and gpu as asked; auto measures both and, on a software adapter, keeps the CPU with its reason', async () => {
    const loaded = await loadGpu()
    expect(await chooseDevice(analyzed(model()), 4, 'cpu')).toMatchObject({ device: 'cpu' })
    expect(await chooseDevice(analyzed(model()), 4, 'gpu')).toMatchObject({ device: 'gpu', adapterName: loaded.device && loaded.adapterName })
    const auto = await chooseDevice(analyzed(model()), 4, 'auto')
    expect(auto.cpuMs).toBeGreaterThan(0)
    expect(auto.gpuMs).toBeGreaterThan(0)
    if (loaded.device && loaded.software) expect(auto).toMatchObject({ device: 'cpu', reason: expect.stringMatching(/^cpu: the GPU \(.*\) took .*x the CPU's time per step on this model$/) })
  })
})

describe('without an adapter', () => {
  it('loadGpu gives the reason, auto runs on the CPU, and --device gpu fails saying why', () => {
    const script = `
      import { chooseDevice } from './src-engine/node/gpu/choose.ts'
      import { loadGpu, releaseGpu } from './src-engine/node/gpu/load.ts'
      import { analyzed, chainModel } from './tests/helpers/graphs.ts'
      const a = analyzed(chainModel([4, 4, 1], [['f', 'flatten'], ['fc', 'dense', { units: 2 }], ['out', 'softmax']]))
      const l = await loadGpu()
      const auto = await chooseDevice(a, 2, 'auto')
      const gpu = await chooseDevice(a, 2, 'gpu').then(() => 'chosen', (e) => e.constructor.name + ': ' + e.message)
      await releaseGpu()
      console.log(JSON.stringify({ device: l.device, reason: l.device ? '' : l.reason, auto, gpu }))`
    // A driver list naming no driver: the system's drivers are not tried and SwiftShader is not forced over it.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' } })
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!)
    expect(out.device).toBe(null)
    expect(out.reason).toMatch(/^no GPU adapter was found/)
    expect(out.auto).toEqual({ device: 'cpu', reason: `cpu: ${out.reason}` })
    expect(out.gpu).toBe(`NoGpuError: --device gpu: ${out.reason}. Train on the CPU with --device cpu (or auto).`)
  })
})
