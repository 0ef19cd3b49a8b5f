// Writes resources/sample-dataset/shapes: a small, seeded image folder (one sub-folder per class) so that a
// fresh install has something to train on with no setup. Circles, squares and triangles of random size,
// position and colour on random backgrounds, 32x32 RGB PNGs. Run: node scripts/make-sample-dataset.ts
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'

const ROOT = 'resources/sample-dataset/shapes'
const PER_CLASS = 120
const SIZE = 32

// mulberry32: a tiny seeded generator, so the folder is the same on every machine.
let seed = 20261124
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const between = (lo: number, hi: number) => lo + rand() * (hi - lo)
const colour = (lo: number, hi: number) => `rgb(${[0, 1, 2].map(() => Math.round(between(lo, hi))).join(',')})`

const shapes: Record<string, (cx: number, cy: number, r: number, fill: string) => string> = {
  circle: (cx, cy, r, fill) => `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${fill}"/>`,
  square: (cx, cy, r, fill) => {
    const a = between(0, 40)
    return `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="${fill}" transform="rotate(${a} ${cx} ${cy})"/>`
  },
  triangle: (cx, cy, r, fill) => {
    const a0 = between(0, Math.PI * 2)
    const pts = [0, 1, 2].map((i) => {
      const a = a0 + (i * 2 * Math.PI) / 3
      return `${(cx + r * 1.2 * Math.cos(a)).toFixed(1)},${(cy + r * 1.2 * Math.sin(a)).toFixed(1)}`
    })
    return `<polygon points="${pts.join(' ')}" fill="${fill}"/>`
  },
}

rmSync(ROOT, { recursive: true, force: true })
for (const [name, draw] of Object.entries(shapes)) {
  mkdirSync(join(ROOT, name), { recursive: true })
  for (let i = 0; i < PER_CLASS; i++) {
    const r = between(6, 11)
    const cx = between(r + 1, SIZE - r - 1)
    const cy = between(r + 1, SIZE - r - 1)
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}">` +
      `<rect width="${SIZE}" height="${SIZE}" fill="${colour(0, 110)}"/>${draw(cx, cy, r, colour(140, 255))}</svg>`
    await sharp(Buffer.from(svg)).png({ compressionLevel: 9, palette: true }).toFile(join(ROOT, name, `${name}-${String(i).padStart(3, '0')}.png`))
  }
}
console.log(`wrote ${Object.keys(shapes).length * PER_CLASS} images to ${ROOT}`)
