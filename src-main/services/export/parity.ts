// The ONNX parity check: the exported file run in onnxruntime-node (in a child process: runOnnx) on a
// sample of the run's dataset, against the studio's engine on the same preprocessed images.
import { runOnnx } from '../../../src-engine/node/onnx/run.ts'
import { INPUT_NAME, OUTPUT_NAME } from './onnx.ts'

export interface ParityReport {
  /** Images compared, and where they came from. */
  images: number
  sample: 'dataset' | 'random'
  /** Largest |p_onnx - p_engine| over every image and class. */
  maxProbabilityDifference: number
  /** Share of images whose predicted class is the same. */
  agreement: number
  runtime: string
}

export async function onnxParity(file: Uint8Array, x: Float32Array, n: number, shape: [number, number, number], ours: Float32Array, classes: number, sample: ParityReport['sample']): Promise<ParityReport> {
  const { output: theirs, runtime } = await runOnnx({ file, inputName: INPUT_NAME, input: x.slice(0, n * shape[0] * shape[1] * shape[2]), dims: [n, ...shape], outputName: OUTPUT_NAME })
  let max = 0, agree = 0
  for (let s = 0; s < n; s++) {
    let a = 0, b = 0
    for (let c = 0; c < classes; c++) {
      const i = s * classes + c
      max = Math.max(max, Math.abs(theirs[i] - ours[i]))
      if (theirs[i] > theirs[s * classes + a]) a = c
      if (ours[i] > ours[s * classes + b]) b = c
    }
    if (a === b) agree++
  }
  return { images: n, sample, maxProbabilityDifference: max, agreement: n ? agree / n : 1, runtime }
}
