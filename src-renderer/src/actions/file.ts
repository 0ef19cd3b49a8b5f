// Files: new, open (a model file, or an ONNX model imported as a design), save, save as, templates, the dataset folder, and the autosave that reopens the design
// where it was left.
// In Electron the contract's native dialogs choose paths and the host reads and writes; in a browser a file
// input opens and a download saves. A file that does not parse leaves the current design untouched.
import { watch } from 'vue'
import { parseModelFile, serializeModelFile, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { ONNX_UPLOAD_LIMIT } from '../../../src-engine/core/limits.ts'
import { studio, StudioError } from '../api/client.ts'
import { useApp } from '../stores/app.ts'
import { useDesign } from '../stores/design.ts'
import { useSample } from '../stores/sample.ts'
import type { Template } from '../stores/templates.ts'
import { blankModel } from '../stores/model-edits.ts'
import { focusSoon } from '../composables/focusSoon.ts'
import { useUi } from '../stores/ui.ts'
import { readImage } from '../stores/insight.ts'
import { useImportedWeights } from '../stores/imported-weights.ts'
import type { Action } from './registry.ts'

const message = (e: unknown) => (e instanceof StudioError || e instanceof Error ? e.message : String(e))
const inElectron = () => useApp().info?.host === 'electron'

function discardOk(): boolean {
  const d = useDesign()
  return !d.dirty || globalThis.confirm(`Discard the unsaved changes to “${d.name}”?`)
}

export function newModel(): void {
  if (discardOk()) useDesign().load(blankModel())
}

/** Opens a model file's text; on a parse error says what the parser said, and changes nothing. */
export function openText(text: string, fileName: string): boolean {
  const d = useDesign()
  let model: ModelFile
  try {
    model = parseModelFile(text)
  } catch (e) {
    d.say(`${fileName} could not be opened: ${message(e)}`)
    return false
  }
  // A file without a name is called after itself, not "Untitled".
  d.load(model, { path: null, ...(model.name ? {} : { name: fileName.replace(/(\.cnn)?\.json$/i, '') }) })
  const issues = d.analysis.issues
  const errors = issues.filter((i) => i.severity === 'error')
  if (!issues.length) d.say(`Opened ${fileName}`, 'info')
  else {
    const first = errors[0] ?? issues[0]
    const count = [errors.length && `${errors.length} error${errors.length === 1 ? '' : 's'}`, issues.length - errors.length && `${issues.length - errors.length} warning${issues.length - errors.length === 1 ? '' : 's'}`].filter(Boolean).join(' and ')
    // Errors stay on screen: the design opened, but it will not train until they are fixed.
    const codes = [...new Set(issues.map((i) => i.code))].join(', ')
    d.say(`Opened ${fileName} with ${count} (${codes}). ${first.message}`, errors.length ? 'error' : 'info')
  }
  return true
}

/**
 * Opens an imported ONNX model (models.importBytes, or Electron's dialog) as a new, unsaved design named after
 * its file, as opening a file does (the history starts there), and says what the import warned about.
 */
export function openImported(model: ModelFile, fileName: string, warnings: readonly string[], weights?: string): void {
  const d = useDesign()
  d.load(model, { path: null, name: fileName.replace(/\.onnx$/i, ''), dirty: true })
  // Its weights are offered on the Train screen ("train from these weights") while the network is unchanged.
  const withWeights = useImportedWeights().keep(d.doc, fileName, weights) ? ' Train can start from its weights.' : ''
  const layers = model.nodes.length - 1
  d.say(warnings.length
    ? `Imported ${fileName} (${layers} layers) with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings.join(' ')}${withWeights}`
    : `Imported ${fileName}: ${layers} layers. Save it to keep it as a model file.${withWeights}`, 'info')
}

/** An ONNX file from the page: its bytes to the host's importer (the page has no paths in a browser). */
export async function openOnnx(file: File): Promise<boolean> {
  const d = useDesign()
  if (file.size > ONNX_UPLOAD_LIMIT) {
    d.say(`${file.name} could not be opened: it is ${(file.size / 2 ** 20).toFixed(1)} MiB, the page takes ONNX files up to ${ONNX_UPLOAD_LIMIT / 2 ** 20} MiB; import it with \`cnn-studio import ${file.name} --out model.cnn.json\` and open that`)
    return false
  }
  try {
    const { data } = await readImage(file)
    const r = await studio().invoke('models.importBytes', { name: file.name, data })
    openImported(r.model, file.name, r.warnings, r.weights)
    return true
  } catch (e) {
    d.say(`${file.name} could not be opened: ${message(e)}`)
    return false
  }
}

function pickFile(): Promise<File | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input')
    input.type = 'file'
    input.accept = '.json,application/json,.onnx'
    input.addEventListener('change', () => resolve(input.files?.[0] ?? null), { once: true })
    input.addEventListener('cancel', () => resolve(null), { once: true })
    input.click()
  })
}

export async function openModel(): Promise<void> {
  if (!discardOk()) return
  const d = useDesign()
  if (inElectron()) {
    try {
      const r = await studio().invoke('dialogs.openModel')
      if (r?.path === null) openImported(r.model, `${r.name ?? 'model'}.onnx`, r.warnings ?? [], r.weights)
      else if (r) d.load(r.model, { path: r.path })
    } catch (e) {
      d.say(`The file could not be opened: ${message(e)}`)
    }
    return
  }
  const file = await pickFile()
  if (file && /\.onnx$/i.test(file.name)) await openOnnx(file)
  else if (file) openText(await file.text(), file.name)
}

const fileName = (name: string) => `${name.trim().replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model'}.cnn.json`

export async function saveModel(as = false): Promise<void> {
  const d = useDesign()
  const doc = d.doc
  if (inElectron()) {
    try {
      const r = await studio().invoke('dialogs.saveModel', { model: doc, ...(as || !d.path ? {} : { path: d.path }), suggestedName: fileName(d.name) })
      if (r) {
        if (d.doc === doc) d.markSaved(r.path)
        d.say(`Saved ${r.path}`, 'info')
      }
    } catch (e) {
      d.say(`The model was not saved: ${message(e)}`)
    }
    return
  }
  const a = document.createElement('a')
  a.href = URL.createObjectURL(new Blob([serializeModelFile(doc)], { type: 'application/json' }))
  a.download = fileName(d.name)
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  d.markSaved(null)
  d.say(`Downloaded ${a.download}`, 'info')
}

export function fileActions(): Action[] {
  const ui = useUi()
  return [
    { id: 'new-model', label: 'New model', group: 'File', menu: true, keys: ['CmdOrCtrl+N'], run: newModel },
    { id: 'open-model', label: 'Open model…', group: 'File', menu: true, keys: ['CmdOrCtrl+O'], run: openModel },
    { id: 'save-model', label: 'Save model', group: 'File', menu: true, keys: ['CmdOrCtrl+S'], run: () => saveModel(false) },
    { id: 'save-model-as', label: 'Save model as…', group: 'File', keys: ['Shift+CmdOrCtrl+S'], run: () => saveModel(true) },
    { id: 'templates', label: 'Templates…', group: 'File', keys: ['T'], run: () => { ui.navigate('design'); ui.galleryOpen = true } },
    { id: 'import-dataset', label: 'Import dataset folder…', group: 'File', menu: true, keys: ['CmdOrCtrl+I'], run: () => { ui.navigate('data'); focusSoon('[data-testid=data-path]') } },
  ]
}

export function openTemplate(t: Template): void {
  if (discardOk()) useDesign().load(t.model, { path: null })
}

/**
 * Reopens the design the studio was left with, or on a first start the sample model, so the canvas is never
 * empty; then autosaves every change (half a second after the last one).
 */
export async function restoreDesign(): Promise<void> {
  const d = useDesign()
  try {
    const saved = await studio().invoke('designs.autosaved')
    if (saved) d.load(saved.model, { path: saved.path, dirty: saved.dirty })
    else {
      const sample = useSample()
      if (!(await sample.use(['design']))) d.say(`The sample model could not be opened: ${sample.error?.message}`)
      else {
        // The welcome is about the sample: another file opened (new, open, a template) ends it. Not an edit: the
        // canvas would resize under a block being brought into view.
        const ui = useUi()
        ui.firstStart = true
        const stop = watch(() => d.savedDoc, () => { ui.firstStart = false; stop() })
      }
    }
  } catch (e) {
    d.say(`The last design could not be reopened: ${message(e)}`)
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  watch([() => d.doc, () => d.path, () => d.dirty], () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      studio().invoke('designs.autosave', { model: d.doc, path: d.path, dirty: d.dirty }).catch((e) => d.say(`Autosave failed: ${message(e)}`))
    }, 500)
  })
}
