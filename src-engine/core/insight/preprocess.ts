// What a trained run expects of an image, recorded with every export (ONNX metadata, sidecar JSON, the
// PyTorch script) so the model gives the same answers elsewhere: size, channels, how images are fitted,
// the scaling to [0, 1] and the per-channel normalisation, and the class names in output order.
import { pixelTable } from '../data/batches.ts'

export interface Preprocessing {
  /** Tensor layout of the model's input: [N, H, W, C]. */
  layout: 'NHWC'
  height: number
  width: number
  channels: 1 | 3
  /** 'stretch' to the exact size, 'cover' crops the overflow (centred), 'contain' pads with the background. */
  resize: 'stretch' | 'cover' | 'contain'
  /** Transparent pixels are flattened onto this colour, and 'contain' pads with it. */
  background: [number, number, number]
  /** value = (byte * scale - mean[c]) / std[c]. */
  scale: number
  mean: number[]
  std: number[]
  classes: string[]
}

/**
 * uint8 pixels [n, H, W, C] -> the network's float input, the way the training batches do it
 * (core/data/batches.ts): (byte / 255 - mean) / std per channel, in float64, stored as float32.
 */
export function toInput(pixels: Uint8Array, p: { channels: number; mean: number[]; std: number[] }, out: Float32Array = new Float32Array(pixels.length)): Float32Array {
  const C = p.channels
  const lut = pixelTable(C, p)
  for (let i = 0; i < pixels.length; i++) out[i] = lut[(i % C) * 256 + pixels[i]]
  return out
}
