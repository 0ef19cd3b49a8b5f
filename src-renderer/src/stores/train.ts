// The next run: its settings as a form generated from the settings' JSON schema (settings.schema, made from
// the one zod schema the service validates with) and filled from settings.defaults; the checks the service
// will make, shown before starting (with a one-click fix where there is one); and which run the Train screen
// follows (in the URL, `#/train?run=r_...`, so a reload reconnects to it).
import { defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef, watch } from 'vue'
import type { JsonSchema } from '../../../src-main/api/contract.ts'
import { analyzeGraph, type GraphAnalysis } from '../../../src-engine/core/graph/index.ts'
import { trainingChecks, type CheckFix, type TrainingCheck } from '../../../src-engine/core/train/checks.ts'
import { studio } from '../api/client.ts'
import { asFailure, once, task, type Failure } from '../api/request.ts'
import { useConnection } from './connection.ts'
import { useData } from './data.ts'
import { useDesign } from './design.ts'
import { useRuns } from './runs.ts'
import { useUi } from './ui.ts'
import { usePrefs } from './prefs.ts'
import { useImportedWeights } from './imported-weights.ts'

export type FieldValue = string | boolean
export interface Field { key: string; kind: 'integer' | 'number' | 'enum' | 'boolean' | 'string'; schema: JsonSchema; optional: boolean }

export interface Check {
  id: string
  severity: 'error' | 'warning' | 'ok'
  message: string
  /** A one-click repair (the check's fix as an edit: the last dense layer's units, the input's channels, a softmax). */
  fix?: { label: string; run: () => void }
  /** Where to go to mend it (a node in the designer, the Data screen). */
  link?: { label: string; run: () => void }
}


/** Settings whose schema has no default (they derive one) but are always sent. */
const REQUIRED_WITHOUT_DEFAULT = new Set(['lr'])

/** The form's fields, in the schema's order. */
export function fieldsOf(schema: JsonSchema): Field[] {
  return Object.entries(schema.properties ?? {}).map(([key, s]) => ({
    key, schema: s,
    kind: s.enum ? 'enum' : s.type === 'integer' ? 'integer' : s.type === 'number' ? 'number' : s.type === 'boolean' ? 'boolean' : 'string',
    optional: s.default === undefined && !REQUIRED_WITHOUT_DEFAULT.has(key),
  }))
}

/** A form value as the schema's type, or the reason it is not one (said next to the field). */
export function parseField(f: Field, raw: FieldValue | undefined): { value?: unknown; error?: string } {
  if (f.kind === 'boolean') return { value: !!raw }
  const text = typeof raw === 'string' ? raw.trim() : ''
  if (text === '') return f.optional ? {} : { error: 'required' }
  if (f.kind === 'enum') return f.schema.enum!.includes(text) ? { value: text } : { error: `one of ${f.schema.enum!.join(', ')}` }
  if (f.kind === 'string') return f.schema.maxLength !== undefined && text.length > f.schema.maxLength ? { error: `at most ${f.schema.maxLength} characters` } : { value: text }
  const n = Number(text)
  if (!Number.isFinite(n)) return { error: 'a number, e.g. 0.001' }
  if (f.kind === 'integer' && !Number.isInteger(n)) return { error: 'a whole number' }
  if (f.schema.exclusiveMinimum !== undefined && !(n > f.schema.exclusiveMinimum)) return { error: `greater than ${f.schema.exclusiveMinimum}` }
  if (f.schema.minimum !== undefined && n < f.schema.minimum) return { error: `at least ${f.schema.minimum}` }
  if (f.schema.maximum !== undefined && n > f.schema.maximum) return { error: `at most ${f.schema.maximum}` }
  return { value: n }
}

/** The split a folder's report assumes: the form's validation split and seed, where they are numbers. */
export function formSplit(form: Record<string, FieldValue>): { valSplit?: number; seed?: number } {
  const v = Number(form.valSplit), seed = Number(form.seed)
  return { ...(String(form.valSplit ?? '').trim() !== '' && Number.isFinite(v) ? { valSplit: v } : {}), ...(String(form.seed ?? '').trim() !== '' && Number.isInteger(seed) ? { seed } : {}) }
}
export const useTrain = defineStore('train', () => {
  const schema = shallowRef<JsonSchema | null>(null)
  const form = reactive<Record<string, FieldValue>>({})
  /** Errors the service gave for fields (INVALID_SETTINGS names them). */
  const serverErrors = ref<Record<string, string>>({})
  const startError = ref<Failure | null>(null)
  const starting = ref(false)
  const fields = computed(() => (schema.value ? fieldsOf(schema.value) : []))
  /** The folder the run is tested on at the end: filled from the dataset's test/ (a train/test root), editable, optional. */
  const testDir = ref('')
  watch(() => useData().report, (r) => void (testDir.value = r?.layout?.test ?? ''), { immediate: true })

  const parsed = computed(() => {
    const values: Record<string, unknown> = {}
    const errors: Record<string, string> = {}
    for (const f of fields.value) {
      const r = parseField(f, form[f.key])
      if (r.error) errors[f.key] = r.error
      else if (r.value !== undefined) values[f.key] = r.value
    }
    for (const [k, m] of Object.entries(serverErrors.value)) errors[k] ??= m
    return { values, errors }
  })
  const errors = computed(() => parsed.value.errors)
  const settings = computed(() => parsed.value.values)

  function setForm(values: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined || v === null) continue
      form[k] = typeof v === 'boolean' ? v : String(v)
    }
  }

  // The screens that need the form (Train, Data, the sample button) may ask at once: one load serves them,
  // is kept once done (a failure is asked again), and installs the one watch that remembers the form.
  const loading = task()
  const loadError = computed(() => loading.error)
  const fetchForm = once(async () => {
    const [s, d] = await Promise.all([studio().invoke('settings.schema'), studio().invoke('settings.defaults')])
    for (const f of fieldsOf(s)) if (f.kind === 'boolean') form[f.key] = false
    setForm(d as Record<string, unknown>)
    // The form as it was left (remembered by the host), over the defaults: a restart keeps what was typed.
    const prefs = usePrefs()
    const kept = prefs.values.trainForm ?? {}
    for (const f of fieldsOf(s)) if (f.key in kept && typeof kept[f.key] === (f.kind === 'boolean' ? 'boolean' : 'string')) form[f.key] = kept[f.key]
    schema.value = s
    watch(form, () => prefs.set({ trainForm: { ...form } }), { deep: true })
  })
  async function load(): Promise<void> {
    if (!schema.value) await loading.run(fetchForm)
  }

  function set(key: string, value: FieldValue): void {
    form[key] = value
    if (serverErrors.value[key]) {
      const { [key]: _gone, ...rest } = serverErrors.value
      serverErrors.value = rest
    }
  }

  // ---- the run this screen follows ----
  const runId = ref<string | null>(null)
  /** Follows a run on the Train screen, and writes it in the URL so a reload comes back to it. */
  function follow(id: string | null): void {
    runId.value = id
    const ui = useUi()
    if (ui.screen === 'train' && (ui.route.params.run ?? null) !== id) ui.setParams(id ? { run: id } : {})
  }

  // ---- the checks the service makes, before it makes them (core/train/checks.ts, the service's own) ----
  const analysis = computed(() => analyzeGraph(useDesign().doc, { forTraining: true }))
  const outputUnits = computed(() => analysis.value.classes)
  /** The figures the memory verdict needs of the settings: the form's, or the defaults while it is being filled. */
  const memorySettings = computed(() => {
    const v = settings.value
    const num = (k: string, d: number) => (typeof v[k] === 'number' ? (v[k] as number) : d)
    return { batchSize: num('batchSize', 32), optimizer: typeof v.optimizer === 'string' ? v.optimizer : 'adam', momentum: num('momentum', 0.9), workers: typeof v.workers === 'number' ? v.workers : undefined }
  })
  /**
   * What the service will check, as it will check it: the graph, the channels, the classes, what the store can
   * hold, the memory; for the design (`verdict`) or another model on the same folder and settings (Try both's rewrite).
   */
  function verdictFor(a: GraphAnalysis): TrainingCheck[] {
    const r = useData().report, info = useData().info
    const dataset = r ? { root: r.root, classes: r.classes.map((c) => c.name), images: r.images, usable: r.usable, problem: r.problem, skipped: r.skipped.length, ...(r.splits ? { splits: r.splits } : {}) } : null
    const machine = info ? { availableBytes: info.memory.availableBytes, totalBytes: info.memory.totalBytes, cores: info.cores } : null
    return trainingChecks(a, dataset, memorySettings.value, machine)
  }
  const verdict = computed<TrainingCheck[]>(() => verdictFor(analysis.value))

  /** A check's fix, as an edit of the design. */
  function applyFix(f: CheckFix): { label: string; run: () => void } {
    const design = useDesign()
    if (f.kind === 'set-units') return { label: `Set ${f.nodeId}'s units to ${f.value}`, run: () => design.setAttr(f.nodeId, 'units', f.value) }
    if (f.kind === 'set-input-channels') return { label: `Set ${f.nodeId} to ${f.value} channels (${f.value === 3 ? 'RGB' : 'greyscale'})`, run: () => design.setAttr(f.nodeId, 'channels', f.value) }
    return { label: `Add softmax after ${f.after}`, run: () => void design.appendLayer('softmax', f.after) }
  }

  const checks = computed<Check[]>(() => {
    const data = useData(), design = useDesign(), ui = useUi()
    const toData = { label: 'Open the Data screen', run: () => ui.navigate('data') }
    const toNode = (id?: string) => ({ label: id ? `Show ${id} in the designer` : 'Open the designer', run: () => (id && ui.select([id]), ui.navigate('design')) })
    const out: Check[] = []
    if (!data.report && data.loading) out.push({ id: 'dataset', severity: 'warning', message: `Reading ${data.recent[0] ?? 'the folder'}…` })
    else if (!data.report) out.push({ id: 'dataset', severity: 'error', message: 'No dataset yet: choose a folder of images (one sub-folder per class) on the Data screen, or use the sample.', link: toData })
    for (const c of verdict.value) {
      const message = c.id === 'model' ? `Model "${design.name}": ${c.message}` : c.message
      out.push({
        id: c.id, severity: c.severity, message,
        ...(c.fix ? { fix: applyFix(c.fix) } : {}),
        ...(c.id === 'dataset' && c.severity === 'error' ? { link: toData } : c.id.startsWith('graph-') || (c.nodeId && !c.fix) ? { link: toNode(c.nodeId) } : {}),
      })
    }
    if (Object.keys(errors.value).length) out.push({ id: 'settings', severity: 'error', message: `Fix the settings marked below: ${Object.keys(errors.value).join(', ')}.` })
    return out
  })
  // Not while the page has lost the studio server (ConnectionBanner says so): the request could not go.
  const canStart = computed(() => !starting.value && useConnection().up && !!schema.value && !!useData().report && checks.value.every((c) => c.severity !== 'error'))

  /**
   * Starts the run, or with `repeat` (Repeat with 3 seeds) queues it `repeat` times with the seeds that follow
   * the form's (1, 2, 3 for seed 1) as one group, which Compare draws as a mean with its band; the first is followed.
   */
  async function start(repeat = 1): Promise<string | null> {
    const data = useData(), design = useDesign(), runs = useRuns()
    if (!canStart.value || !data.report) return null
    starting.value = true
    startError.value = null
    try {
      const test = testDir.value.trim()
      const weights = useImportedWeights().forStart
      const base = { model: design.doc, datasetDir: data.report.root, ...(test ? { testDir: test } : {}), ...(weights ? { initialWeights: weights } : {}) }
      const seed = Number(settings.value.seed ?? 1)
      const group = repeat > 1 ? `g_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}` : undefined
      const ids: string[] = []
      for (let i = 0; i < repeat; i++) {
        const s = group ? { ...settings.value, seed: seed + i } : settings.value
        ids.push((await studio().invoke('runs.start', { ...base, settings: s, ...(group ? { group } : {}) })).runId)
      }
      const id = ids[0]
      follow(id)
      await runs.refresh()
      return id
    } catch (e) {
      // The host names each bad field by its path (`batchSize` from the service, `settings.batchSize` from the
      // contract's check): each goes next to its field.
      const byField: Record<string, string> = {}
      for (const [path, message] of Object.entries(asFailure(e).fields ?? {})) {
        const key = path.split('.').at(-1)!
        if (fields.value.some((x) => x.key === key)) byField[key] = message
      }
      serverErrors.value = byField
      startError.value = asFailure(e)
      return null
    } finally {
      starting.value = false
    }
  }

  return { schema, form, fields, errors, settings, serverErrors, loadError, startError, starting, runId, analysis, outputUnits, verdict, verdictFor, checks, canStart, testDir, fixFor: applyFix, load, set, setForm, follow, start }
})
