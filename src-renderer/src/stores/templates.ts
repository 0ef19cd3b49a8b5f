// The model templates that ship in resources/templates, read once, with their totals for the gallery's cards.
import { defineStore } from 'pinia'
import { shallowRef } from 'vue'
import { analyzeGraph, type ModelFile } from '../../../src-engine/core/graph/index.ts'
import { studio } from '../api/client.ts'
import { once } from '../api/request.ts'

export interface Template { id: string; name: string; model: ModelFile; params: number; macs: number; input: string; blocks: number }

export const useTemplates = defineStore('templates', () => {
  const list = shallowRef<Template[]>([])
  const load = once(() => studio().invoke('templates.list').then((ts) => (list.value = ts.map((t) => {
    const a = analyzeGraph(t.model)
    const input = a.inputId ? a.byId.get(a.inputId)!.outputShape : null
    return { ...t, params: a.totals.params, macs: a.totals.macs, input: input ? input.join('x') : '?', blocks: t.model.nodes.length }
  }))))
  return { list, load }
})
