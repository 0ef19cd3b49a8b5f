// The model templates that ship in resources/templates, read once, with their totals for the gallery's cards.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { analyzeGraph, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { studio, StudioError } from '../api/client.ts'
import { useApp } from './app.ts'

export interface Template { id: string; name: string; model: ModelFile; params: number; macs: number; input: string; blocks: number }

export const useTemplates = defineStore('templates', () => {
  const list = shallowRef<Template[]>([])
  let pending: Promise<Template[]> | null = null
  function load(): Promise<Template[]> {
    pending ??= studio().invoke('templates.list').then((ts) => (list.value = ts.map((t) => {
      const a = analyzeGraph(t.model)
      const input = a.inputId ? a.byId.get(a.inputId)!.outputShape : null
      return { ...t, params: a.totals.params, macs: a.totals.macs, input: input ? input.join('x') : '?', blocks: t.model.nodes.length }
    })))
    pending.catch(() => (pending = null))
    return pending
  }
  /** The sample's model: the template app.info names, which trains on the sample folder in seconds. */
  async function sample(): Promise<Template> {
    const [info, ts] = await Promise.all([useApp().load(), load()])
    const t = ts.find((x) => x.id === info.sample.templateId)
    if (!t) throw new StudioError({ code: 'NOT_FOUND', message: `the sample model '${info.sample.templateId}' is missing from the templates` })
    return t
  }
  return { list, load, sample }
})
