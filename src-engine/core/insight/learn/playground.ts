// The playground: a conv typed in as numbers (image, filters, biases, stride, padding, and optionally the
// upstream gradient), checked whole, then explained with the engine's kernels. `cnn-studio explain` with
// grids and the Learn page's playground both come here.
import { windowGeometry } from '../../graph/window.ts'
import type { FloatArray, Kernels } from '../../kernels/types.ts'
import { allWeightTerms, convGradients, convOutput, convStep, type ConvProblem, type ConvStep, type GradTerm } from './conv.ts'
import { LearnInputError, parseChannels, parseGrids, parseNumbers, parseWhole } from './grid-text.ts'

/** The playground's fields as text (the command line's) or already as numbers (the page's). */
export interface PlaygroundInput {
  /** [channel][row][col] or the text form. */
  image: number[][][] | string
  /** [filter][channel][kr][kc] or the text form. */
  kernels: number[][][][] | string
  /** One per filter; default 0. */
  bias?: number[] | string
  stride?: number | string
  padding?: number | string
  /** dL/d(output) [filter][row][col] or the text form; with it the gradients are computed. */
  dout?: number[][][] | string
}

export interface PlaygroundResult {
  /** The problem as the engine holds it, for the page to step through. */
  problem: ConvProblem
  /** [filter][row][col], from the kernels' conv2dForward. */
  output: number[][][]
  /** Every window, filter by filter, row by row. */
  steps: ConvStep[]
  /** Rows and columns at the bottom/right no window reaches (the stride's remainder). */
  unseen: { rows: number; cols: number }
  /** The upstream gradient as read, [filter][row][col]. */
  dout?: number[][][]
  weightGrad?: number[][][][]
  terms?: GradTerm[][][][][]
  biasGrad?: number[]
  inputGrad?: number[][][]
}

/** The most multiplications a playground explains: its steps are listed whole. */
export const PLAYGROUND_MAX_PRODUCTS = 2_000_000

const numbers = <T>(v: T | string, parse: (s: string) => T): T => (typeof v === 'string' ? parse(v) : v)

function checkNested(v: unknown, depth: number, field: string, what: string): void {
  // The page sends numbers; they get the same checks as text (equal rows, finite numbers).
  const walk = (x: unknown, d: number): string => {
    if (d === 0) {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new LearnInputError(field, `${what} holds '${String(x)}', which is not a number`)
      return ''
    }
    if (!Array.isArray(x) || !x.length) throw new LearnInputError(field, `${what} is empty or not a grid`)
    const shapes = x.map((e) => walk(e, d - 1))
    if (shapes.some((s) => s !== shapes[0])) throw new LearnInputError(field, `${what}: rows of unequal length or channels of unequal size; every one must be the same`)
    return `${x.length}x${shapes[0]}`
  }
  walk(v, depth)
}

/** Checks every field (throws LearnInputError naming it) and builds the problem. */
export function playgroundProblem(input: PlaygroundInput): { problem: ConvProblem; dout: number[][][] | null } {
  const image = numbers(input.image, (s) => parseChannels(s, 'image', 'the image grid'))
  checkNested(image, 3, 'image', 'the image grid')
  const filters = numbers(input.kernels, (s) => parseGrids(s, 'kernels', 'the kernel grid'))
  checkNested(filters, 4, 'kernels', 'the kernel grid')
  const cin = image.length, h = image[0].length, w = image[0][0].length
  const cout = filters.length, kh = filters[0][0].length, kw = filters[0][0][0].length
  const badCh = filters.findIndex((f) => f.length !== cin)
  if (badCh >= 0) throw new LearnInputError('kernels', `filter ${badCh + 1} has ${filters[badCh].length} channel${filters[badCh].length === 1 ? '' : 's'} but the image has ${cin}; a filter spans every input channel, so give it ${cin} separated by '|'`)
  const stride = parseWhole(input.stride ?? 1, 'stride', 'the stride', 1)
  const padding = parseWhole(input.padding ?? 0, 'padding', 'the padding', 0)
  if (kh > h + 2 * padding || kw > w + 2 * padding) throw new LearnInputError('kernels', `the kernel is ${kh}x${kw}, larger than the ${h + 2 * padding}x${w + 2 * padding} padded image; use a smaller kernel or more padding`)
  const bias = input.bias === undefined || input.bias === '' ? filters.map(() => 0) : numbers(input.bias, (s) => parseNumbers(s, 'bias', 'the bias'))
  if (!Array.isArray(bias) || bias.some((b) => typeof b !== 'number' || !Number.isFinite(b))) throw new LearnInputError('bias', 'the bias must be numbers, one per filter')
  if (bias.length !== cout) throw new LearnInputError('bias', `${bias.length} bias${bias.length === 1 ? '' : 'es'} for ${cout} filter${cout === 1 ? '' : 's'}; give one per filter, comma-separated`)
  const geometry = windowGeometry(h, w, [kh, kw], stride, padding)
  if (cout * geometry.outH * geometry.outW * kh * kw * cin > PLAYGROUND_MAX_PRODUCTS) throw new LearnInputError('image', `this playground would list more than ${PLAYGROUND_MAX_PRODUCTS.toLocaleString('en')} products; use a smaller image, kernel or fewer filters`)

  const x = new Float64Array(h * w * cin)
  for (let c = 0; c < cin; c++) for (let r = 0; r < h; r++) for (let col = 0; col < w; col++) x[(r * w + col) * cin + c] = image[c][r][col]
  const weights = new Float64Array(kh * kw * cin * cout)
  for (let f = 0; f < cout; f++) for (let c = 0; c < cin; c++) for (let kr = 0; kr < kh; kr++) for (let kc = 0; kc < kw; kc++) weights[((kr * kw + kc) * cin + c) * cout + f] = filters[f][c][kr][kc]
  const problem: ConvProblem = { h, w, cin, cout, x, weights, bias: Float64Array.from(bias), geometry }

  let dout: number[][][] | null = null
  if (input.dout !== undefined && input.dout !== '') {
    const grids = numbers(input.dout, (s) => parseGrids(s, 'dout', 'the upstream gradient').map((g, f) => {
      if (g.length !== 1) throw new LearnInputError('dout', `the upstream gradient of filter ${f + 1} has ${g.length} channels; give one grid per filter, separated by '||'`)
      return g[0]
    }))
    checkNested(grids, 3, 'dout', 'the upstream gradient')
    if (grids.length !== cout) throw new LearnInputError('dout', `${grids.length} upstream gradient grid${grids.length === 1 ? '' : 's'} for ${cout} filter${cout === 1 ? '' : 's'}; give one per filter, separated by '||'`)
    if (grids[0].length !== geometry.outH || grids[0][0].length !== geometry.outW) throw new LearnInputError('dout', `the upstream gradient is ${grids[0].length}x${grids[0][0].length} but the output is ${geometry.outH}x${geometry.outW}; it has one number per output cell`)
    dout = grids
  }
  return { problem, dout }
}

/** The whole explanation, its numbers from `kernels` (float64 reference kernels give the course's exact numbers). */
export function explainPlayground<T extends FloatArray>(input: PlaygroundInput, kernels: Kernels<T>): PlaygroundResult {
  const { problem, dout } = playgroundProblem(input)
  const g = problem.geometry
  const steps: ConvStep[] = []
  for (let f = 0; f < problem.cout; f++) for (let r = 0; r < g.outH; r++) for (let c = 0; c < g.outW; c++) steps.push(convStep(problem, f, [r, c]))
  const result: PlaygroundResult = { problem, output: convOutput(problem, kernels), steps, unseen: { rows: g.droppedRows, cols: g.droppedCols } }
  if (dout) Object.assign(result, convGradients(problem, dout, kernels), { dout, terms: allWeightTerms(problem, dout) })
  return result
}
