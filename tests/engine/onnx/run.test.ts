// runOnnx: onnxruntime-node in a child process of its own. A file the runtime refuses is an ordinary error
// with the runtime's own words (not a crash, so not tried twice).
import { describe, expect, it } from 'vitest'
import { runOnnx } from '../../../src-engine/node/onnx/run.ts'

describe('runOnnx', () => {
  it('a file that is not ONNX is refused with the runtime\'s reason', async () => {
    const req = { file: new TextEncoder().encode('not an onnx file'), inputName: 'input', input: new Float32Array(4), dims: [1, 4], outputName: 'probabilities' }
    await expect(runOnnx(req)).rejects.toThrow(/protobuf|parse|load model|onnx/i)
  })
})
