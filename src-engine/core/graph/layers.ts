// Every layer type of the spec's table (shared/spec/model-and-cli.md), registered explicitly.
// Shape, parameter and MAC arithmetic as the frameworks do it; the sliding-window maths is window.ts.
import { registerLayer, type AttrDef, type LayerDef, type ShapeContext, type ShapeResult } from './registry.ts'
import type { GraphIssue, NodeSpec, Padding, Shape } from './types.ts'
import { windowGeometry } from './window.ts'
import { fmtInt, fmtShape, plural, sizeFormula } from './messages.ts'

type Pair2 = [number, number]
const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1)
const who = (ctx: ShapeContext): string => `${ctx.node.type} ${ctx.node.id}`

function needsSpatial(ctx: ShapeContext, what: string): ShapeResult | null {
  const x = ctx.inputs[0]
  if (x.length === 3) return null
  return {
    shape: null,
    issues: [{
      code: 'SHAPE_MISMATCH', severity: 'error', nodeId: ctx.node.id,
      message: `${who(ctx)}: ${what} needs a feature map [H, W, C], but gets the vector [${x.join(', ')}]; move it before the flatten or global pool`,
    }],
  }
}

/** Output of a sliding window (conv2d, pools), with the teaching checks: output too small, rows never seen. */
function slide(ctx: ShapeContext, word: 'filter' | 'window', kernel: Pair2, stride: Pair2, padding: Padding, outC: number): ShapeResult {
  const bad = needsSpatial(ctx, word === 'filter' ? 'a convolution' : 'pooling')
  if (bad) return bad
  const [H, W] = ctx.inputs[0]
  const g = windowGeometry(H, W, kernel, stride, padding)
  const sameHW = H === W && g.kh === g.kw && g.sh === g.sw && g.padTop === g.padLeft && g.padBottom === g.padRight
  const formulas = sameHW
    ? sizeFormula(H, g.padTop, g.padBottom, g.kh, g.sh)
    : `rows ${sizeFormula(H, g.padTop, g.padBottom, g.kh, g.sh)}, columns ${sizeFormula(W, g.padLeft, g.padRight, g.kw, g.sw)}`
  const head = `${who(ctx)}: ${H}x${W} input, ${g.kh}x${g.kw} ${word}, stride ${g.sh === g.sw ? g.sh : `${g.sh}x${g.sw}`}`
  if (g.outH < 1 || g.outW < 1) {
    return {
      shape: null, window: g,
      issues: [{
        code: 'OUTPUT_TOO_SMALL', severity: 'error', nodeId: ctx.node.id,
        message: `${head}: ${formulas}, so the output would be empty: the ${g.kh}x${g.kw} ${word} is larger than its padded ${H + g.padTop + g.padBottom}x${W + g.padLeft + g.padRight} input; use padding 'same', a smaller ${word}, or remove a downsampling layer before it`,
      }],
    }
  }
  const issues: GraphIssue[] = []
  // Only where windows tile the input (window >= stride) does a remainder mean edge pixels go unseen; a
  // 1x1 stride-2 projection skips every other row by design, so it is no mistake to warn about.
  const edgeRows = g.kh >= g.sh ? g.droppedRows : 0
  const edgeCols = g.kw >= g.sw ? g.droppedCols : 0
  if (edgeRows || edgeCols) {
    const lost = [edgeRows ? plural(edgeRows, 'row') : '', edgeCols ? plural(edgeCols, 'column') : ''].filter(Boolean).join(' and ')
    const tips: string[] = []
    const spanH = H + g.padTop + g.padBottom - g.kh
    const spanW = W + g.padLeft + g.padRight - g.kw
    for (let s = Math.max(g.sh, g.sw) - 1; s >= 1; s--) {
      if (spanH % s === 0 && spanW % s === 0) { tips.push(`stride ${s}`); break }
    }
    const needH = edgeRows ? g.sh - edgeRows : 0
    const needW = edgeCols ? g.sw - edgeCols : 0
    if (padding !== 'same' && needH % 2 === 0 && needW % 2 === 0 && g.padTop === g.padBottom && g.padLeft === g.padRight) {
      const ph = g.padTop + needH / 2, pw = g.padLeft + needW / 2
      tips.push(`padding ${ph === pw ? ph : `[${ph}, ${pw}]`}`)
    }
    tips.push(`a ${H + needH}x${W + needW} input`)
    issues.push({
      code: 'STRIDE_REMAINDER', severity: 'warning', nodeId: ctx.node.id,
      message: `${head}: ${formulas}, not a whole number, so ${lost} at the bottom/right ${edgeRows + edgeCols === 1 ? 'is' : 'are'} never seen (the output is ${g.outH}x${g.outW}); for an exact fit use ${tips.join(', or ')}`,
    })
  }
  return { shape: [g.outH, g.outW, outC], window: g, issues }
}

const same = (ctx: ShapeContext): ShapeResult => ({ shape: ctx.inputs[0] })
const windowReceptive = (_: ShapeContext, w: ReturnType<typeof windowGeometry> | undefined) =>
  ({ kernel: [w!.kh, w!.kw] as Pair2, stride: [w!.sh, w!.sw] as Pair2 })

const sizeAttr = (help: string, extra: Partial<AttrDef> = {}): AttrDef => ({ kind: 'pair', min: 1, max: 1024, help, ...extra })
const padAttr: AttrDef = {
  kind: 'padding', default: 'valid', min: 0, max: 1024,
  help: "Zeros added around the border: 'valid' adds none, 'same' keeps the size at stride 1 (ceil(N / S) otherwise), a number P adds P on every side.",
  hint: 'P = (F - 1) / 2 keeps the size of an F x F window at stride 1; beyond F - 1 the extra rows only see zeros',
}
const biasAttr: AttrDef = { kind: 'bool', default: true, help: 'Adds a learned constant to each output channel.' }
const one = { min: 1, max: 1 }

const poolAttrs = (what: string): Record<string, AttrDef> => ({
  size: sizeAttr(`Height and width of the window each output ${what}s over.`, { required: true, suggested: 2 }),
  stride: sizeAttr('Step between windows; defaults to the window size, so windows do not overlap.'),
  padding: {
    ...padAttr,
    help: `${padAttr.help} At most half the window, so every window sees at least one pixel.`,
    hint: 'at most half of an F x F window, F / 2 rounded down, so that every window keeps a real pixel',
  },
})

/**
 * PyTorch's rule for pools: padding at most half the window, per axis. With more, a window at the border
 * covers only padding, where a maximum (-infinity) or an average (0/0) of nothing is undefined. With
 * it, every window keeps at least one real pixel, whatever the stride; 'same' padding always keeps it.
 */
function poolPadding(node: NodeSpec, attrs: Record<string, unknown>): string[] {
  const pad = attrs.padding as Padding
  if (pad === 'valid' || pad === 'same') return []
  const [ph, pw] = pad as Pair2
  const [kh, kw] = attrs.size as Pair2
  const most: Pair2 = [Math.floor(kh / 2), Math.floor(kw / 2)]
  if (ph <= most[0] && pw <= most[1]) return []
  const both = (p: Pair2): string => (p[0] === p[1] ? `${p[0]}` : `[${p[0]}, ${p[1]}]`)
  const nothing = node.type === 'maxpool2d' ? 'a maximum over no pixels is -infinity' : 'an average over no pixels is 0/0'
  const fit: Pair2 = [Math.max(kh, 2 * ph), Math.max(kw, 2 * pw)]
  return [
    `${node.type} ${node.id}: padding ${both([ph, pw])} with a ${kh}x${kw} window: some windows would see only padding ` +
    `(PyTorch allows padding up to half the window, ${both(most)} here), and ${nothing}; use padding ${both(most)} or 'same', or a window of at least ${fit[0]}x${fit[1]}`,
  ]
}

const LAYERS: LayerDef[] = [
  {
    type: 'input', label: 'Input', category: 'input', aliases: ['image', 'data'],
    summary: 'The images the network sees: height x width pixels with 1 (grey) or 3 (RGB) channels; for analysis, any channel count stands for a feature map.',
    inputs: { min: 0, max: 0 },
    attrs: {
      height: { kind: 'int', min: 1, max: 4096, default: 32, help: 'Image height in pixels; every image is resized to it.' },
      width: { kind: 'int', min: 1, max: 4096, default: 32, help: 'Image width in pixels; every image is resized to it.' },
      channels: {
        kind: 'int', min: 1, max: 65536, default: 3,
        help: "1 for greyscale, 3 for RGB colour: training needs the dataset's. Any other count describes a feature map to analyse (200 for a 32x32x200 block), not trained.",
      },
      resize: { kind: 'enum', values: ['stretch', 'cover', 'contain'], default: 'stretch', help: "How images are fitted: 'stretch' to the exact size, 'cover' crops the overflow, 'contain' pads the rest." },
      normalize: { kind: 'enum', values: ['none', 'dataset'], default: 'none', help: "'dataset' subtracts the training images' per-channel mean and divides by their std; 'none' keeps pixels in [0, 1]." },
    },
    inferShape: (ctx) => ({ shape: [ctx.attrs.height as number, ctx.attrs.width as number, ctx.attrs.channels as number] }),
  },
  {
    type: 'conv2d', label: 'Conv 2D', category: 'convolution', aliases: ['convolution', 'conv', 'filter', '1x1', 'pointwise', '3x3'],
    summary: 'Slides small learned filters over the image; each filter gives one output channel that lights up where its pattern appears.',
    inputs: one,
    attrs: {
      filters: { kind: 'int', min: 1, max: 65536, required: true, suggested: 32, help: 'Number of filters, which is the number of output channels.' },
      kernel: sizeAttr('Height and width of each filter (3 means 3x3).', { required: true, suggested: 3 }),
      stride: sizeAttr('Step between filter positions; 2 halves the output size.', { default: 1 }),
      padding: padAttr,
      bias: biasAttr,
    },
    inferShape: (ctx) => slide(ctx, 'filter', ctx.attrs.kernel as Pair2, ctx.attrs.stride as Pair2, ctx.attrs.padding as Padding, ctx.attrs.filters as number),
    params: (ctx) => {
      const [kh, kw] = ctx.attrs.kernel as Pair2
      const cin = ctx.inputs[0][2], f = ctx.attrs.filters as number
      return { trainable: kh * kw * cin * f + (ctx.attrs.bias ? f : 0), nonTrainable: 0 }
    },
    macs: (ctx, out) => {
      const [kh, kw] = ctx.attrs.kernel as Pair2
      return out[0] * out[1] * out[2] * kh * kw * ctx.inputs[0][2]
    },
    receptive: windowReceptive,
  },
  {
    type: 'maxpool2d', label: 'Max pool', category: 'pooling', aliases: ['max pooling', 'pooling', 'downsample'],
    summary: 'Keeps the largest value in each window: shrinks the map and keeps the strongest responses.',
    inputs: one, attrs: poolAttrs('take the maximum'),
    derive: (a) => { a.stride ??= a.size },
    check: poolPadding,
    inferShape: (ctx) => slide(ctx, 'window', ctx.attrs.size as Pair2, ctx.attrs.stride as Pair2, ctx.attrs.padding as Padding, ctx.inputs[0][2]),
    receptive: windowReceptive,
  },
  {
    type: 'avgpool2d', label: 'Average pool', category: 'pooling', aliases: ['avg pool', 'average pooling', 'pooling', 'downsample'],
    summary: 'Averages each window: shrinks the map smoothly (padding is not counted in the average).',
    inputs: one, attrs: poolAttrs('average'),
    derive: (a) => { a.stride ??= a.size },
    check: poolPadding,
    inferShape: (ctx) => slide(ctx, 'window', ctx.attrs.size as Pair2, ctx.attrs.stride as Pair2, ctx.attrs.padding as Padding, ctx.inputs[0][2]),
    receptive: windowReceptive,
  },
  {
    type: 'globalavgpool', label: 'Global average pool', category: 'pooling', aliases: ['gap', 'global average pooling', 'global pooling'],
    summary: 'Averages each channel over the whole map: H x W x C becomes C numbers, with no weights (GAP).',
    inputs: one, attrs: {},
    inferShape: (ctx) => needsSpatial(ctx, 'global pooling') ?? { shape: [ctx.inputs[0][2]] },
    receptive: () => 'global',
  },
  {
    type: 'globalmaxpool', label: 'Global max pool', category: 'pooling', aliases: ['gmp', 'global max pooling', 'global pooling'],
    summary: 'Takes each channel\'s largest value over the whole map: H x W x C becomes C numbers.',
    inputs: one, attrs: {},
    inferShape: (ctx) => needsSpatial(ctx, 'global pooling') ?? { shape: [ctx.inputs[0][2]] },
    receptive: () => 'global',
  },
  {
    type: 'flatten', label: 'Flatten', category: 'dense', aliases: ['reshape', 'vectorise'],
    summary: 'Lays the H x W x C map out as one long vector of H*W*C numbers, so dense layers can read it.',
    inputs: one, attrs: {},
    inferShape: (ctx) => ({ shape: [prod(ctx.inputs[0])] }),
  },
  {
    type: 'dense', label: 'Dense', category: 'dense', aliases: ['fc', 'linear', 'fully connected', 'perceptron'],
    summary: 'Fully connected: every output is a learned weighted sum of every input (z = b + sum w_j x_j).',
    inputs: one,
    attrs: {
      units: { kind: 'int', min: 1, max: 1_000_000, required: true, suggested: 10, help: 'Number of outputs (for the last layer: the number of classes).' },
      bias: biasAttr,
    },
    inferShape: (ctx) => {
      const x = ctx.inputs[0]
      if (x.length !== 1) {
        const [h, w, c] = x
        return {
          shape: null,
          issues: [{
            code: 'NEEDS_FLATTEN', severity: 'error', nodeId: ctx.node.id,
            message: `${who(ctx)}: gets a ${fmtShape(x)} feature map, but dense needs a vector; put a flatten before it (${h}*${w}*${c} = ${fmtInt(h * w * c)} inputs) or a globalavgpool (${plural(c, 'input')}, far fewer weights)`,
          }],
        }
      }
      return { shape: [ctx.attrs.units as number] }
    },
    params: (ctx) => {
      const u = ctx.attrs.units as number
      return { trainable: ctx.inputs[0][0] * u + (ctx.attrs.bias ? u : 0), nonTrainable: 0 }
    },
    macs: (ctx) => ctx.inputs[0][0] * (ctx.attrs.units as number),
    receptive: () => 'global',
  },
  { type: 'relu', label: 'ReLU', category: 'activation', aliases: ['activation', 'rectifier'], summary: 'max(0, x): keeps positive values, zeroes the rest.', inputs: one, attrs: {}, inferShape: same },
  {
    type: 'leakyrelu', label: 'Leaky ReLU', category: 'activation', aliases: ['activation', 'lrelu'], summary: 'x for positive x, alpha * x otherwise, so negative inputs still pass a little gradient.',
    inputs: one, attrs: { alpha: { kind: 'float', min: 0, max: 1, default: 0.01, help: 'Slope for negative inputs.' } }, inferShape: same,
  },
  { type: 'sigmoid', label: 'Sigmoid', category: 'activation', aliases: ['activation', 'logistic'], summary: '1 / (1 + e^-x): squashes to (0, 1).', inputs: one, attrs: {}, inferShape: same },
  { type: 'tanh', label: 'Tanh', category: 'activation', aliases: ['activation', 'hyperbolic tangent'], summary: 'Squashes to (-1, 1), centred on zero.', inputs: one, attrs: {}, inferShape: same },
  {
    type: 'dropout', label: 'Dropout', category: 'regularization', aliases: ['regularisation', 'regularization'],
    summary: 'While training, zeroes a random share of values (and scales the rest up) so the network cannot lean on any one; does nothing at test time.',
    inputs: one, attrs: { rate: { kind: 'float', min: 0, max: 0.99, default: 0.5, help: 'Share of values dropped while training.' } }, inferShape: same,
  },
  {
    type: 'batchnorm', label: 'Batch norm', category: 'normalization', aliases: ['bn', 'batch normalisation', 'batch normalization', 'batchnorm', 'normalisation'],
    summary: 'Normalises each channel to mean 0, std 1 over the batch, then applies a learned scale and shift; trains faster and steadier.',
    inputs: one,
    attrs: {
      momentum: { kind: 'float', min: 0, max: 0.9999, default: 0.9, help: 'Weight of the old running mean/variance when a batch updates them (0.9: slow, steady).' },
      epsilon: { kind: 'float', min: 0, max: 1, default: 1e-5, help: 'Added to the variance so it never divides by zero.' },
    },
    inferShape: same,
    params: (ctx) => {
      const c = ctx.inputs[0][ctx.inputs[0].length - 1]
      return { trainable: 2 * c, nonTrainable: 2 * c }
    },
  },
  {
    type: 'add', label: 'Add', category: 'merge', aliases: ['residual', 'skip', 'sum', 'merge'],
    summary: 'Adds its inputs element by element (a residual skip): all inputs must have the same shape.',
    inputs: { min: 2, max: Infinity }, attrs: {},
    inferShape: (ctx) => {
      const [a] = ctx.inputs
      if (ctx.inputs.every((s) => s.length === a.length && s.every((d, i) => d === a[i]))) return { shape: a }
      const from = ctx.inputs.map((s, i) => `${fmtShape(s)} from ${ctx.inputIds[i]}`).join(', ')
      const channelsOnly = ctx.inputs.every((s) => s.length === 3 && s[0] === a[0] && s[1] === a[1])
      const tip = channelsOnly
        ? `give the branches the same number of channels (a 1x1 conv2d with ${Math.max(...ctx.inputs.map((s) => s[2]))} filters on the narrower one)`
        : 'make the branches downsample alike (same strides and pools), or use concat for different channel counts'
      return { shape: null, issues: [{ code: 'SHAPE_MISMATCH', severity: 'error', nodeId: ctx.node.id, message: `${who(ctx)}: inputs have different shapes (${from}); add needs equal shapes: ${tip}` }] }
    },
  },
  {
    type: 'concat', label: 'Concatenate', category: 'merge', aliases: ['concat', 'merge', 'join', 'stack'],
    summary: 'Stacks its inputs\' channels side by side: inputs need the same height and width.',
    inputs: { min: 2, max: Infinity }, attrs: {},
    inferShape: (ctx) => {
      const [a] = ctx.inputs
      const ok = ctx.inputs.every((s) => s.length === 3 && s[0] === a[0] && s[1] === a[1])
      if (ok) return { shape: [a[0], a[1], ctx.inputs.reduce((c, s) => c + s[2], 0)] }
      const from = ctx.inputs.map((s, i) => `${fmtShape(s)} from ${ctx.inputIds[i]}`).join(', ')
      return { shape: null, issues: [{ code: 'SHAPE_MISMATCH', severity: 'error', nodeId: ctx.node.id, message: `${who(ctx)}: inputs ${from}; concat joins feature maps of equal height and width along the channels: make the branches downsample alike` }] }
    },
  },
  {
    type: 'softmax', label: 'Softmax', category: 'output', aliases: ['probabilities', 'output', 'classifier'],
    summary: 'Turns the last layer\'s scores into class probabilities that sum to 1; training pairs it with cross-entropy.',
    inputs: one, attrs: {}, inferShape: same,
  },
]

let registered = false
/** Registers every built-in layer once; safe to call again. */
export function registerBuiltinLayers(): void {
  if (registered) return
  registered = true
  for (const def of LAYERS) registerLayer(def)
}

