// Decoding one image file with sharp (libvips): the format is told from the bytes, not the name. BMP, which
// libvips' prebuilt binaries cannot read, is decoded here for the common uncompressed 24/32-bit kind.
import sharp, { type Sharp } from 'sharp'

/** Larger images are refused as decompression bombs (100 megapixels, a 10,000 x 10,000 photo). */
export const PIXEL_LIMIT = 100_000_000
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff'])

export interface Probe {
  width: number
  height: number
  /** Channels in the file: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: number
  hasAlpha: boolean
  format: string
}

export type Fit = 'stretch' | 'cover' | 'contain'

export interface Target {
  height: number
  width: number
  channels: 1 | 3
  resize?: Fit
  /** Alpha is flattened onto this colour (and 'contain' pads with it). Default white. */
  background?: { r: number; g: number; b: number }
}

export class ImageError extends Error {}

function isBmp(buf: Buffer): boolean {
  return buf.length > 54 && buf[0] === 0x42 && buf[1] === 0x4d
}

/** Uncompressed 24- or 32-bit BMP to raw RGB(A) for sharp; anything else is refused with the reason. */
function decodeBmp(buf: Buffer): { data: Buffer; width: number; height: number; channels: 3 | 4 } {
  const offset = buf.readUInt32LE(10)
  const width = buf.readInt32LE(18)
  const rawH = buf.readInt32LE(22)
  const bpp = buf.readUInt16LE(28)
  const compression = buf.readUInt32LE(30)
  if ((bpp !== 24 && bpp !== 32) || (compression !== 0 && compression !== 3)) throw new ImageError(`a ${bpp}-bit${compression ? ' compressed' : ''} BMP, which is not supported; save it as PNG`)
  const height = Math.abs(rawH)
  if (width <= 0 || height === 0 || width * height > PIXEL_LIMIT) throw new ImageError(`a BMP of ${width}x${height} pixels, beyond what the studio reads`)
  const bytes = bpp / 8
  const stride = Math.ceil((width * bytes) / 4) * 4
  if (offset + stride * height > buf.length) throw new ImageError('a truncated BMP (the file ends before its last row)')
  const channels = bpp === 32 ? 4 : 3
  const data = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++) {
    const srcRow = offset + (rawH > 0 ? height - 1 - y : y) * stride // positive height: rows stored bottom-up
    for (let x = 0; x < width; x++) {
      const s = srcRow + x * bytes, d = (y * width + x) * channels
      data[d] = buf[s + 2]
      data[d + 1] = buf[s + 1]
      data[d + 2] = buf[s]
      if (channels === 4) data[d + 3] = buf[s + 3]
    }
  }
  return { data, width, height, channels }
}

function open(buf: Buffer): Sharp {
  if (isBmp(buf)) {
    const b = decodeBmp(buf)
    return sharp(b.data, { raw: { width: b.width, height: b.height, channels: b.channels } })
  }
  return sharp(buf, { limitInputPixels: PIXEL_LIMIT, failOn: 'truncated', pages: 1 })
}

function explain(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e)
  if (/pixel limit/i.test(m)) return `larger than ${PIXEL_LIMIT / 1e6} megapixels (a decompression bomb?); skipped`
  if (/unsupported image format/i.test(m)) return 'not an image the studio reads (PNG, JPEG, WebP, GIF, TIFF, BMP)'
  if (/premature end|truncat|unexpected end|not enough data|Read error/i.test(m)) return `a truncated or damaged image (${m.split('\n')[0]})`
  return `not a decodable image: ${m.split('\n')[0]}`
}

/** Reads the header and checks the format; throws ImageError with a reason a person can act on. */
export async function probe(buf: Buffer): Promise<Probe> {
  if (buf.length === 0) throw new ImageError('an empty (zero-byte) file')
  try {
    if (isBmp(buf)) {
      const b = decodeBmp(buf)
      return { width: b.width, height: b.height, channels: b.channels, hasAlpha: b.channels === 4, format: 'bmp' }
    }
    // Header only, no limit here: the size check below names the dimensions.
    const m = await sharp(buf, { limitInputPixels: false }).metadata()
    if (!m.format || !FORMATS.has(m.format)) throw new ImageError(`a ${m.format ?? 'unknown'} file, not an image the studio reads (PNG, JPEG, WebP, GIF, TIFF, BMP)`)
    if ((m.width ?? 0) * (m.height ?? 0) > PIXEL_LIMIT) throw new ImageError(`${m.width}x${m.height} pixels, larger than ${PIXEL_LIMIT / 1e6} megapixels (a decompression bomb?); skipped`)
    return { width: m.width!, height: m.height!, channels: m.channels ?? 3, hasAlpha: !!m.hasAlpha, format: m.format }
  } catch (e) {
    if (e instanceof ImageError) throw e
    throw new ImageError(explain(e))
  }
}

/** Decodes the whole image (a truncated file fails here, not at probe) and fits it to the target: uint8 [H, W, C]. */
export async function decodeTo(buf: Buffer, t: Target): Promise<Buffer> {
  const bg = t.background ?? { r: 255, g: 255, b: 255 }
  const fit = t.resize === 'cover' ? 'cover' : t.resize === 'contain' ? 'contain' : 'fill'
  try {
    let img = open(buf).flatten({ background: bg }).resize(t.width, t.height, { fit, background: bg })
    img = t.channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb')
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true })
    if (info.channels === t.channels) return data
    // libvips keeps grey images single-channel when asked for sRGB in some paths: widen or narrow by hand.
    const out = Buffer.alloc(t.width * t.height * t.channels)
    for (let p = 0; p < t.width * t.height; p++) {
      if (t.channels === 3) out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = data[p * info.channels]
      else out[p] = Math.round(0.299 * data[p * info.channels] + 0.587 * data[p * info.channels + 1] + 0.114 * data[p * info.channels + 2])
    }
    return out
  } catch (e) {
    throw new ImageError(explain(e))
  }
}
