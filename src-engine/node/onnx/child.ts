// The child process that runs an ONNX file in onnxruntime-node (run.ts starts it): one request, one answer,
// then it exits. The input and output cross as typed arrays (advanced serialization).
import type { InferenceSession, Tensor } from 'onnxruntime-node'
import type { OnnxRequest, OnnxAnswer } from './run.ts'

process.once('message', async (m: OnnxRequest) => {
  let answer: OnnxAnswer
  try {
    const ort = (await import('onnxruntime-node')).default as { InferenceSession: typeof InferenceSession; Tensor: typeof Tensor; env: { versions?: Record<string, string> } }
    const session = await ort.InferenceSession.create(m.file, { executionProviders: ['cpu'], graphOptimizationLevel: 'basic' })
    try {
      const r = await session.run({ [m.inputName]: new ort.Tensor('float32', m.input, m.dims) })
      answer = { ok: true, output: Float32Array.from(r[m.outputName].data as Float32Array), runtime: `onnxruntime-node ${ort.env.versions?.node ?? ''}`.trim() }
    } finally {
      await session.release()
    }
  } catch (e) {
    answer = { ok: false, message: e instanceof Error ? e.message : String(e) }
  }
  process.send!(answer, () => process.exit(0))
})
