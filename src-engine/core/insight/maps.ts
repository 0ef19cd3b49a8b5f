// What the network sees in one image: the output of every convolution and pooling layer, and the first
// convolution's filters (the lecture's question of what filters learn at each depth).
import type { InferenceNet } from './infer.ts'

export interface FeatureMap {
  nodeId: string
  type: string
  /** [H, W, C] */
  shape: [number, number, number]
  /** One image's output, HWC, copied out of the network. */
  data: Float32Array
  /** A conv whose ReLU the network runs in its epilogue (the training plan's fusion): its map is the rectified one. */
  rectified: boolean
}

const SPATIAL = new Set(['conv2d', 'maxpool2d', 'avgpool2d'])

/** Runs one preprocessed image [H, W, C] and returns the map of every conv and pool layer, in order. */
export function featureMaps(m: InferenceNet, image: Float32Array): FeatureMap[] {
  const { net } = m
  net.input.set(image.subarray(0, net.inputSize))
  net.forward(1, false)
  return net.layers.filter((l) => SPATIAL.has(l.info.type) && l.info.outputShape?.length === 3).map((l) => ({
    nodeId: l.info.id, type: l.info.type, shape: l.info.outputShape as [number, number, number],
    data: Float32Array.from(l.out.subarray(0, l.outSize)), rectified: l.info.type === 'conv2d' && net.plan.byId.get(l.info.id)!.fusesRelu,
  }))
}

export interface Filters {
  nodeId: string
  /** [kh, kw, Cin, Cout], the engine's layout: filter f is data[((a * kw + b) * Cin + c) * Cout + f]. */
  shape: [number, number, number, number]
  data: Float32Array
}

/** The weights of the first convolution (the one nearest the input), or null for a net without one. */
export function firstConvFilters(m: InferenceNet): Filters | null {
  const conv = m.net.layers.find((l) => l.info.type === 'conv2d')
  if (!conv) return null
  const [kh, kw] = conv.info.attrs.kernel as [number, number]
  const cin = conv.info.inputShapes[0]![2]
  const cout = conv.info.attrs.filters as number
  const w = conv.params.find((p) => p.name.endsWith('.weight'))!
  return { nodeId: conv.info.id, shape: [kh, kw, cin, cout], data: Float32Array.from(w.value) }
}

/** One filter as an image [kh, kw, Cin]. */
export function filterImage(f: Filters, index: number): Float32Array {
  const [kh, kw, cin, cout] = f.shape
  const out = new Float32Array(kh * kw * cin)
  for (let i = 0; i < kh * kw * cin; i++) out[i] = f.data[i * cout + index]
  return out
}
