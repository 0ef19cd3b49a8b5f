// The Learn screen (issue 19): a convolution at work with every number. Two sources feed one view: the
// playground (grids typed in, presets from the course), computed here with the engine core's float64
// reference kernels; and a block of the open design (seeded weights) or of a run (its checkpoint) on one
// image, whose tensors, gradients and receptive fields come from `learn.explain`. Stepping is the core's
// convStep on those tensors: the same function the main process and `cnn-studio explain` use.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ApiError, LearnReport } from '../../../src-main/api/contract.ts'
import type { ModelFile } from '../../../src-engine/core/graph/types.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { convOutput, explainPlayground, LearnInputError, toChannels, type ConvProblem, type PlaygroundResult } from '../../../src-engine/core/insight/learn/index.ts'
import { windowGeometry } from '../../../src-engine/core/graph/window.ts'
import { studio } from '../api/client.ts'
import { asFailure } from '../api/request.ts'
import { useDesign } from './design.ts'
import type { PickedImage } from './insight.ts'

export interface PlaygroundFields { image: string; kernels: string; bias: string; stride: string; padding: string; dout: string }

const A = Array.from({ length: 5 }, (_, r) => Array.from({ length: 5 }, (_, c) => r * 5 + c + 1).join(' ')).join('; ')
export const PRESETS: { id: string; label: string; fields: PlaygroundFields }[] = [
  { id: 'course-5x5', label: '5x5 image, kernel 1 0 1 / 0 1 0 / 1 0 1', fields: { image: '1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0', kernels: '1 0 1; 0 1 0; 1 0 1', bias: '0', stride: '1', padding: '0', dout: '' } },
  {
    id: 'two-filters', label: 'Two 3x3x3 filters on a 7x7x3 padded input',
    fields: {
      image: '0 1 2 0 1; 2 2 0 0 1; 1 0 0 2 0; 0 1 1 1 2; 2 0 1 0 0 | 1 0 2 2 0; 0 0 1 0 2; 2 1 1 0 0; 0 2 0 1 1; 1 1 0 2 2 | 2 1 0 0 1; 1 2 2 1 0; 0 0 1 2 1; 1 0 2 0 0; 0 1 1 1 2',
      kernels: '1 -1 0; 0 1 -1; -1 0 1 | 0 1 1; -1 0 0; 1 -1 0 | 1 0 -1; 0 0 1; -1 1 0 || 0 0 1; 1 -1 0; -1 1 -1 | -1 1 0; 0 1 1; 1 0 -1 | 0 -1 1; 1 0 0; 0 1 -1',
      bias: '1,0', stride: '2', padding: '1', dout: '',
    },
  },
  { id: 'stride-2-grad', label: 'Stride 2 on a 5x5 input: the gradient of w1', fields: { image: A, kernels: '1 2 3; 4 5 6; 7 8 9', bias: '0', stride: '2', padding: '0', dout: '0.5 -1; 2 0.25' } },
]

export type Source = 'playground' | 'block'
/** A picked weight of the current filter: input channel, kernel row and column. */
export interface PickedWeight { c: number; kr: number; kc: number }

const kernels = referenceKernels('float64')

export const useLearn = defineStore('learn', () => {
  const source = ref<Source>('playground')
  const fields = ref<PlaygroundFields>({ ...PRESETS[0].fields })
  const preset = ref(PRESETS[0].id)
  // block source
  const node = ref('')
  const runId = ref<string | null>(null)
  const seed = ref(1)
  const images = shallowRef<{ path: string; class: string }[]>([])
  const image = shallowRef<{ path: string } | PickedImage | null>(null)
  const label = ref<number | null>(null)
  const report = shallowRef<LearnReport | null>(null)
  /** The run's own model (its blocks), when a run is the source; else the open design's. */
  const runModel = shallowRef<ModelFile | null>(null)
  const busy = ref(false)
  const error = ref<ApiError | null>(null)
  // the view
  const filter = ref(0)
  const pos = ref<[number, number]>([0, 0])
  /** How many windows of the current filter have been computed, row by row: the output fills in as it goes. */
  const done = ref(1)
  const channel = ref(0)
  const weight = ref<PickedWeight | null>(null)
  const playing = ref(false)
  /**
   * "What if": a conv block's own input and filters with another stride or padding, computed here by the
   * engine core (the model is untouched). Null: the block as it is. Its gradient and receptive fields belong
   * to the block's own geometry, so they are not shown meanwhile.
   */
  const whatIf = ref<{ stride: number; padding: number } | null>(null)
  /** Why a what-if geometry gives no output (the kernel larger than the padded input), or null. */
  const whatIfError = ref<string | null>(null)

  const played = computed<{ result: PlaygroundResult | null; error: { field: string; message: string } | null }>(() => {
    try {
      return { result: explainPlayground(fields.value, kernels), error: null }
    } catch (e) {
      if (e instanceof LearnInputError) return { result: null, error: { field: e.field, message: e.message } }
      return { result: null, error: { field: 'image', message: e instanceof Error ? e.message : String(e) } }
    }
  })

  /** What is stepped: the problem, the engine's output [f][r][c], and with a gradient dL/dz and the engine's dL/dw. */
  const view = computed(() => {
    if (source.value === 'playground') {
      const r = played.value.result
      if (!r) return null
      const dout = r.dout ?? null
      return { kind: 'conv' as const, problem: r.problem, output: r.output, relu: false, dout, engineGrad: r.weightGrad ? (f: number, c: number, kr: number, kc: number) => r.weightGrad![f][c][kr][kc] : null, unseen: r.unseen }
    }
    const b = report.value?.block
    if (!b || !b.geometry) return null
    const [h, w, cin] = b.inShape
    const cout = b.outShape[2]
    const g = b.geometry
    if (report.value!.kind !== 'conv' || !b.weights) return { kind: 'pool' as const, problem: { h, w, cin, cout, x: b.x, weights: [], bias: null, geometry: g } as ConvProblem, output: toChannels(b.out, g.outH, g.outW, cout), relu: false, dout: null, engineGrad: null, unseen: { rows: g.droppedRows, cols: g.droppedCols } }
    const grad = report.value!.gradient
    const problem: ConvProblem = { h, w, cin, cout, x: b.x, weights: b.weights, bias: b.bias, geometry: g }
    const alt = whatIf.value ? windowGeometry(h, w, [g.kh, g.kw], whatIf.value.stride, whatIf.value.padding) : null
    if (alt && alt.outH >= 1 && alt.outW >= 1) {
      const tried: ConvProblem = { ...problem, geometry: alt }
      return { kind: 'conv' as const, problem: tried, output: convOutput(tried, kernels, b.relu), relu: b.relu, dout: null, engineGrad: null, unseen: { rows: alt.droppedRows, cols: alt.droppedCols } }
    }
    return {
      kind: 'conv' as const, problem, output: toChannels(b.out, g.outH, g.outW, cout), relu: b.relu,
      dout: grad ? toChannels(grad.dout, g.outH, g.outW, cout) : null,
      engineGrad: grad ? (f: number, c: number, kr: number, kc: number) => grad.weightGrad[((kr * g.kw + kc) * cin + c) * cout + f] : null,
      unseen: { rows: g.droppedRows, cols: g.droppedCols },
    }
  })
  const outH = computed(() => view.value?.problem.geometry.outH ?? 0)
  const outW = computed(() => view.value?.problem.geometry.outW ?? 0)
  const total = computed(() => outH.value * outW.value)

  function reset(): void {
    playing.value = false
    pos.value = [0, 0]
    done.value = 1
    weight.value = null
    if (filter.value >= (view.value?.problem.cout ?? 1)) filter.value = 0
    if (channel.value >= (view.value?.problem.cin ?? 1)) channel.value = 0
  }
  watch(() => view.value?.problem, (p, old) => {
    if (!p) return
    const g = p.geometry, o = old?.geometry
    // Same shape (a number edited): keep the place; another shape starts over.
    if (!o || o.outH !== g.outH || o.outW !== g.outW || old!.cout !== p.cout || old!.cin !== p.cin || o.kh !== g.kh || o.kw !== g.kw) reset()
  })

  function step(): void {
    const n = pos.value[0] * outW.value + pos.value[1] + 1
    if (n >= total.value) { playing.value = false; return }
    pos.value = [Math.floor(n / outW.value), n % outW.value]
    done.value = Math.max(done.value, n + 1)
    // A pool's window is explained by the main process (its winner is the kernel's argmax).
    if (source.value === 'block' && view.value?.kind === 'pool') void explainAt()
  }
  function jump(r: number, c: number): void {
    pos.value = [r, c]
    done.value = Math.max(done.value, r * outW.value + c + 1)
    if (source.value === 'block' && !whatIf.value) void explainAt()
  }
  /** Tries the block with another stride and padding (null: back to its own), keeping the model as it is. */
  function tryGeometry(next: { stride: number; padding: number } | null): void {
    whatIfError.value = null
    const b = report.value?.block
    if (next && b?.geometry) {
      const [h, w] = b.inShape
      const alt = windowGeometry(h, w, [b.geometry.kh, b.geometry.kw], next.stride, next.padding)
      if (alt.outH < 1 || alt.outW < 1) {
        whatIfError.value = `a ${b.geometry.kh}x${b.geometry.kw} kernel does not fit in the ${h + 2 * next.padding}x${w + 2 * next.padding} padded input: (${h} + 2*${next.padding} - ${b.geometry.kh}) / ${next.stride} + 1 < 1`
        return
      }
    }
    whatIf.value = next
  }
  let timer: ReturnType<typeof setInterval> | null = null
  watch(playing, (on) => {
    if (timer) clearInterval(timer)
    timer = on ? setInterval(step, 450) : null
  })

  function usePreset(id: string): void {
    const p = PRESETS.find((x) => x.id === id)
    if (!p) return
    preset.value = id
    fields.value = { ...p.fields }
  }
  function setField(k: keyof PlaygroundFields, v: string): void {
    fields.value = { ...fields.value, [k]: v }
  }

  /** The block's step, tensors and receptive fields at the current unit, from the main process. */
  async function explainAt(): Promise<void> {
    if (!node.value || !image.value) return
    busy.value = true
    error.value = null
    try {
      const design = useDesign()
      const img = 'path' in image.value ? { path: image.value.path } : { name: image.value.name, data: image.value.data }
      report.value = await studio().invoke('learn.explain', {
        ...(runId.value ? { runId: runId.value } : { model: design.doc, seed: seed.value }),
        node: node.value, image: img, at: pos.value, filter: filter.value, ...(label.value === null ? {} : { label: label.value }),
      })
    } catch (e) {
      error.value = asFailure(e)
    } finally {
      busy.value = false
    }
  }
  async function open(opts: { node?: string; runId?: string | null; image?: { path: string } | PickedImage | null }): Promise<void> {
    source.value = 'block'
    if (opts.runId !== undefined && opts.runId !== runId.value) runModel.value = null
    const run = opts.runId !== undefined ? opts.runId : runId.value
    if (run && !runModel.value) {
      try {
        runModel.value = (await studio().invoke('runs.get', { runId: run })).modelFile
      } catch (e) {
        error.value = asFailure(e)
      }
    }
    if (opts.node !== undefined) node.value = opts.node
    if (opts.runId !== undefined) runId.value = opts.runId
    if (opts.image !== undefined) image.value = opts.image
    whatIf.value = null
    whatIfError.value = null
    reset()
    report.value = null
    await explainAt()
  }
  async function loadImages(dir: string | null): Promise<void> {
    try {
      const r = await studio().invoke('learn.images', runId.value ? { runId: runId.value, perClass: 4 } : { dir: dir ?? '', perClass: 4 })
      images.value = r.images
    } catch (e) {
      error.value = asFailure(e)
    }
  }

  return {
    source, fields, preset, node, runId, runModel, seed, images, image, label, report, busy, error, filter, pos, done, channel, weight, playing,
    played, view, outH, outW, total, whatIf, whatIfError, reset, step, jump, tryGeometry, usePreset, setField, explainAt, open, loadImages,
  }
})
