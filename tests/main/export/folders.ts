// Tiny synthetic image folders for export tests: each class a noisy image around its own colour and a
// bright square at its own place, so a short run learns something and the classes differ.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { Rng } from '../../../src-engine/core/nn/rng.ts'

export async function syntheticFolder(root: string, o: { classes: number; perClass: number; size: number; channels: 1 | 3; seed?: number }): Promise<string> {
  const rng = new Rng(o.seed ?? 5)
  const { size: S, channels: C } = o
  for (let c = 0; c < o.classes; c++) {
    const dir = join(root, `class-${String(c).padStart(2, '0')}`)
    mkdirSync(dir, { recursive: true })
    for (let i = 0; i < o.perClass; i++) {
      const px = Buffer.alloc(S * S * C)
      const q = Math.floor(S / 4), qx = (c % 3) * q, qy = (Math.floor(c / 3) % 3) * q
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) for (let k = 0; k < C; k++) {
        const inSquare = y >= qy && y < qy + q && x >= qx && x < qx + q
        const base = inSquare ? 230 : 40 + ((c * 37 + k * 71) % 120)
        px[(y * S + x) * C + k] = Math.max(0, Math.min(255, Math.round(base + (rng.next() - 0.5) * 60)))
      }
      const img = sharp(px, { raw: { width: S, height: S, channels: C } })
      await (C === 1 ? img.toColourspace('b-w') : img).png().toFile(join(dir, `${i}.png`))
    }
  }
  return root
}
