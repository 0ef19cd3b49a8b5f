// Grad-CAM (Selvaraju et al. 2017) for one image: the gradient of a class's score (before softmax) with
// respect to the last convolution's feature map A, channel weights alpha_k = the spatial mean of that
// gradient, the map ReLU(sum_k alpha_k A_k), upsampled to the input bilinearly (half-pixel centres, as
// OpenCV's resize and PyTorch's interpolate with align_corners=False).
// One rule, whatever follows the conv: A is its map as the network holds it (rectified where the training
// plan fuses its ReLU, as the feature maps say) and the gradient is taken with respect to that same A, as a
// hook on the ReLU's output gives it in PyTorch. So a max-pool that does the ReLU's backward in training
// leaves the ReLU's mask out here (Network.backwardFromLogits): a window whose map is all 0 still passes
// its gradient to its maximum, as an average pool or a dense layer after the ReLU passes it to every zero.
import type { Layer } from '../nn/layer.ts'
import type { InferenceNet } from './infer.ts'

export interface GradCam {
  classIndex: number
  probabilities: Float32Array
  /** The conv layer whose map is explained. */
  layerId: string
  /** alpha_k per channel. */
  weights: Float64Array
  /** ReLU(sum_k alpha_k A_k) at the feature map's size [h, w]. */
  cam: Float32Array
  camShape: [number, number]
  /** The map upsampled to the input [H, W] and scaled to [0, 1] by its maximum (all zeros stay zeros). */
  heatmap: Float32Array
  heatmapShape: [number, number]
}

/**
 * The layer Grad-CAM explains: the conv with the widest receptive field, the last such in topological order
 * (in a ResNet that is the main branch's last 3x3 conv, not a 1x1 shortcut projection that comes after it).
 */
export function gradCamLayer(m: InferenceNet, layerId?: string): Layer {
  const convs = m.net.layers.filter((l) => l.info.type === 'conv2d')
  if (layerId) {
    const l = convs.find((c) => c.info.id === layerId)
    if (!l) throw new Error(`'${layerId}' is not a conv2d layer of this model; Grad-CAM explains one of: ${convs.map((c) => c.info.id).join(', ') || 'none'}`)
    return l
  }
  if (!convs.length) throw new Error('the model has no conv2d layer, so there is no feature map for Grad-CAM to explain')
  return convs.reduce((best, l) => ((l.info.receptiveField ?? 0) >= (best.info.receptiveField ?? 0) ? l : best))
}

export function gradCam(m: InferenceNet, image: Float32Array, opts: { classIndex?: number; layerId?: string } = {}): GradCam {
  const { net } = m
  const C = net.classes
  net.input.set(image.subarray(0, net.inputSize))
  const probabilities = Float32Array.from(net.forward(1, false).subarray(0, C))
  let c = opts.classIndex ?? 0
  if (opts.classIndex === undefined) for (let k = 1; k < C; k++) if (probabilities[k] > probabilities[c]) c = k
  if (!Number.isInteger(c) || c < 0 || c >= C) throw new Error(`class ${opts.classIndex} is out of range: the model has classes 0..${C - 1}`)

  const target = gradCamLayer(m, opts.layerId)
  const grad = new Float32Array(C)
  grad[c] = 1 // d score_c / d logits
  net.backwardFromLogits(grad, 1, target)

  const [h, w, K] = target.info.outputShape as [number, number, number]
  const A = target.out, dA = target.dOut
  const weights = new Float64Array(K)
  for (let p = 0; p < h * w; p++) for (let k = 0; k < K; k++) weights[k] += dA[p * K + k]
  for (let k = 0; k < K; k++) weights[k] /= h * w
  const cam = new Float32Array(h * w)
  for (let p = 0; p < h * w; p++) {
    let s = 0
    for (let k = 0; k < K; k++) s += weights[k] * A[p * K + k]
    cam[p] = s > 0 ? s : 0
  }
  const [H, W] = m.inputShape
  const heatmap = resizeBilinear(cam, h, w, H, W)
  let max = 0
  for (const v of heatmap) if (v > max) max = v
  if (max > 0) for (let i = 0; i < heatmap.length; i++) heatmap[i] /= max
  return { classIndex: c, probabilities, layerId: target.info.id, weights, cam, camShape: [h, w], heatmap, heatmapShape: [H, W] }
}

/** One-channel bilinear resize with half-pixel centres, edges clamped. */
export function resizeBilinear(src: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const out = new Float32Array(H * W)
  const axis = (i: number, n: number, N: number): [number, number, number] => {
    const x = Math.min(Math.max((i + 0.5) * (n / N) - 0.5, 0), n - 1)
    const x0 = Math.floor(x)
    return [x0, Math.min(x0 + 1, n - 1), x - x0]
  }
  for (let i = 0; i < H; i++) {
    const [y0, y1, fy] = axis(i, h, H)
    for (let j = 0; j < W; j++) {
      const [x0, x1, fx] = axis(j, w, W)
      const top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx
      const bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx
      out[i * W + j] = top * (1 - fy) + bottom * fy
    }
  }
  return out
}
