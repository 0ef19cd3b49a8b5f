// One image through a run's network, made visible: the input as the network sees it, the feature maps of
// every conv and pool layer as grids, the first conv's filters, and Grad-CAM over the image, each as a
// small PNG data URL (plus the raw numbers where they are few).
import { featureMaps, filterImage, firstConvFilters } from '../../../src-engine/core/insight/maps.ts'
import { gradCam } from '../../../src-engine/core/insight/gradcam.ts'
import { toInput } from '../../../src-engine/core/insight/preprocess.ts'
import { topK } from '../../../src-engine/core/insight/infer.ts'
import type { Store } from '../store/store.ts'
import { ServiceError } from '../errors.ts'
import { decodeImage } from './images.ts'
import { DatasetError } from '../../../src-engine/node/dataset/index.ts'
import { inferenceNet } from '../../../src-engine/node/insight/index.ts'
import { pngDataUrl } from './png.ts'
import { openRunContext } from './run-context.ts'
import type { CheckpointKind } from '../../api/contract.ts'
import { heatColour } from '../../../src-engine/core/insight/heat.ts'

/** Channels shown per layer: beyond 64 tiles a grid stops being readable. */
const MAX_TILES = 64

export interface InsightResult {
  runId: string
  checkpoint: { kind: CheckpointKind; epoch: number }
  classes: string[]
  /** The image at the network's input size (before normalisation), PNG. */
  input: string
  top: { class: string; index: number; probability: number }[]
  featureMaps: { nodeId: string; type: string; shape: number[]; rectified: boolean; shown: number; columns: number; min: number; max: number; png: string }[]
  filters: { nodeId: string; shape: number[]; shown: number; columns: number; png: string } | null
  gradCam: { classIndex: number; class: string; layerId: string; camShape: number[]; cam: number[]; weights: number[]; heatmap: string; overlay: string } | null
}

/**
 * Tiles (each [h, w, ch], scaled to 0..255 on its own range) in a grid with a 1-pixel gap, so a map
 * whose values are all small is still visible. Returns the grid's bytes and size.
 */
function grid(tiles: Float32Array[], h: number, w: number, ch: 1 | 3): { data: Uint8Array; width: number; height: number; columns: number } {
  const columns = Math.ceil(Math.sqrt(tiles.length))
  const rows = Math.ceil(tiles.length / columns)
  const width = columns * (w + 1) - 1, height = rows * (h + 1) - 1
  const data = new Uint8Array(width * height * ch).fill(40)
  tiles.forEach((t, k) => {
    let lo = Infinity, hi = -Infinity
    for (const v of t) { if (v < lo) lo = v; if (v > hi) hi = v }
    const span = hi - lo || 1
    const ox = (k % columns) * (w + 1), oy = Math.floor(k / columns) * (h + 1)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) {
      data[((oy + y) * width + ox + x) * ch + c] = Math.round((255 * (t[(y * w + x) * ch + c] - lo)) / span)
    }
  })
  return { data, width, height, columns }
}

export async function lookInside(store: Store, ref: string, image: { name: string; bytes: Buffer | null }, opts: { classIndex?: number; checkpoint?: CheckpointKind; cacheDir?: string } = {}): Promise<InsightResult> {
  const ctx = await openRunContext(store, ref, { checkpoint: opts.checkpoint, cacheDir: opts.cacheDir })
  const { height: H, width: W, channels: C } = ctx.preprocessing
  const classes = ctx.preprocessing.classes
  const d = await decodeImage(image.name, image.bytes, ctx.target)
  if ('reason' in d) {
    // A file refused unread (a device, a FIFO, one over the size cap) says so by its code.
    if (d.code) throw new DatasetError(d.code, `${image.name}: ${d.reason}`)
    throw new ServiceError('NOT_FOUND', `${image.name}: ${d.reason}`)
  }
  if (opts.classIndex !== undefined && (opts.classIndex < 0 || opts.classIndex >= classes.length)) {
    throw new ServiceError('INVALID_SETTINGS', `class ${opts.classIndex} is out of range: the run has ${classes.length} classes (0..${classes.length - 1})`)
  }
  const x = toInput(d.pixels, ctx.preprocessing)
  const m = await inferenceNet(ctx.model, ctx.checkpoint.weights)

  const maps = await Promise.all(featureMaps(m, x).map(async (f) => {
    const [h, w, k] = f.shape
    const shown = Math.min(k, MAX_TILES)
    const tiles = Array.from({ length: shown }, (_, c) => Float32Array.from({ length: h * w }, (_, p) => f.data[p * k + c]))
    let min = Infinity, max = -Infinity
    for (const v of f.data) { if (v < min) min = v; if (v > max) max = v }
    const g = grid(tiles, h, w, 1)
    return { nodeId: f.nodeId, type: f.type, shape: f.shape, rectified: f.rectified, shown, columns: g.columns, min, max, png: await pngDataUrl(g.data, g.width, g.height, 1) }
  }))

  const f = firstConvFilters(m)
  let filters: InsightResult['filters'] = null
  if (f) {
    const [kh, kw, cin, cout] = f.shape
    const shown = Math.min(cout, MAX_TILES)
    // RGB input: each filter as a colour patch; otherwise one grey tile per (filter, first input channel).
    const rgb = cin === 3
    const tiles = Array.from({ length: shown }, (_, k) => {
      const img = filterImage(f, k)
      return rgb ? img : Float32Array.from({ length: kh * kw }, (_, p) => img[p * cin])
    })
    const g = grid(tiles, kh, kw, rgb ? 3 : 1)
    filters = { nodeId: f.nodeId, shape: f.shape, shown, columns: g.columns, png: await pngDataUrl(g.data, g.width, g.height, rgb ? 3 : 1) }
  }

  let cam: InsightResult['gradCam'] = null
  let probabilities: Float32Array
  if (m.net.layers.some((l) => l.info.type === 'conv2d')) {
    const g = gradCam(m, x, { classIndex: opts.classIndex })
    probabilities = g.probabilities
    const heat = new Uint8Array(H * W * 3), overlay = new Uint8Array(H * W * 3)
    for (let p = 0; p < H * W; p++) {
      const col = heatColour(g.heatmap[p])
      for (let c = 0; c < 3; c++) {
        heat[p * 3 + c] = col[c]
        const base = d.pixels[p * C + (C === 3 ? c : 0)]
        overlay[p * 3 + c] = Math.round(0.5 * base + 0.5 * col[c])
      }
    }
    cam = {
      classIndex: g.classIndex, class: classes[g.classIndex], layerId: g.layerId, camShape: g.camShape, cam: Array.from(g.cam), weights: Array.from(g.weights),
      heatmap: await pngDataUrl(heat, W, H, 3), overlay: await pngDataUrl(overlay, W, H, 3),
    }
  } else {
    m.net.input.set(x)
    probabilities = Float32Array.from(m.net.forward(1, false).subarray(0, classes.length))
  }
  return {
    runId: ctx.run.runId, checkpoint: { kind: ctx.checkpoint.kind, epoch: ctx.checkpoint.epoch }, classes,
    input: await pngDataUrl(d.pixels, W, H, C), top: topK(probabilities, Math.min(3, classes.length)).map((t) => ({ class: classes[t.index], ...t })),
    featureMaps: maps, filters, gradCam: cam,
  }
}
