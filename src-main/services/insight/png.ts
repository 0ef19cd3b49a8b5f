// Small images for the page: raw uint8 pixels to a PNG data URL (sharp; 1 grey or 3 RGB channels).
import sharp from 'sharp'

export async function pngDataUrl(data: Uint8Array, width: number, height: number, channels: 1 | 3): Promise<string> {
  const img = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } })
  const buf = await (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer()
  return `data:image/png;base64,${buf.toString('base64')}`
}
