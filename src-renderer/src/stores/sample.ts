// The sample: the template app.info names, the sample folder, and the settings that train it in seconds.
// Every screen that offers it (the designer's first start, the Train and Data screens, the empty Runs
// screen) uses it through `use`, so the sample is looked up one way and fails with one message.
import { defineStore } from 'pinia'
import { computed } from 'vue'
import { studio, StudioError } from '../api/client.ts'
import { task } from '../api/request.ts'
import { useApp } from './app.ts'
import { useDesign } from './design.ts'
import { useRuns } from './runs.ts'
import { useTemplates } from './templates.ts'
import { useTrain } from './train.ts'

/** Where the sample goes: the design, the train form, or straight into a run of its own. */
export type SamplePart = 'design' | 'form' | 'run'

export const useSample = defineStore('sample', () => {
  const work = task()
  /** A design with nothing but its input: the studio offers the sample model instead. */
  const designIsBlank = computed(() => useDesign().doc.nodes.length <= 1)

  async function read() {
    const [info, templates] = await Promise.all([useApp().load(), useTemplates().load()])
    const t = templates.find((x) => x.id === info.sample.templateId)
    if (!t) throw new StudioError({ code: 'NOT_FOUND', message: `the sample model '${info.sample.templateId}' is missing from resources/templates` })
    return { model: t.model, datasetDir: info.sample.datasetDir, settings: info.sample.settings }
  }

  /**
   * Puts the sample where asked: its model as the design ('design'), its settings in the train form ('form'),
   * or its model, folder and settings trained as a new run, leaving the design and the form alone ('run').
   * False when it could not (`error` says why).
   */
  async function use(parts: readonly SamplePart[]): Promise<boolean> {
    const done = await work.run(async () => {
      const s = await read()
      if (parts.includes('design')) useDesign().load(s.model, { path: null })
      if (parts.includes('form')) {
        const train = useTrain()
        await train.load()
        train.setForm(s.settings)
      }
      if (parts.includes('run')) {
        await studio().invoke('runs.start', { model: s.model, datasetDir: s.datasetDir, settings: { ...s.settings, name: 'Sample: shapes' } })
        await useRuns().refresh()
      }
      return true
    })
    return done === true
  }

  return { designIsBlank, use, busy: computed(() => work.busy), error: computed(() => work.error) }
})
