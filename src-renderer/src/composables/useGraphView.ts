// What a canvas shows of a graph, handed down to its node cards and edge labels: the specs, the analysis,
// the issues by node and, on a diff, how each node changed. The designer provides the live design; a run's
// page and the compare screen provide a read-only model.
import { computed, inject, provide, type ComputedRef, type InjectionKey } from 'vue'
import { collapsedAnalysis } from '../stores/block-view.ts'
import { analyzeGraph, type GraphAnalysis, type GraphIssue, type ModelFile, type NodeSpec } from '../../../src-engine/core/graph/index.ts'

/** How a node differs on an architecture diff; 'reshaped': the same block on tensors of another size. */
export type Mark = 'added' | 'removed' | 'changed' | 'reshaped'

export interface GraphView {
  specs: ComputedRef<Map<string, NodeSpec>>
  analysis: ComputedRef<GraphAnalysis>
  issues: ComputedRef<Map<string, GraphIssue[]>>
  marks: ComputedRef<Record<string, Mark>>
  /** The model's block definitions, for the block cards (their parameters). */
  blocks?: ComputedRef<ModelFile['blocks']>
  readonly: boolean
}

const KEY: InjectionKey<GraphView> = Symbol('graph-view')

export function provideGraphView(view: GraphView): void {
  provide(KEY, view)
}

export function useGraphView(): GraphView {
  const v = inject(KEY)
  if (!v) throw new Error('a node card is used outside a canvas')
  return v
}

/** Issues by node, errors first. */
export function issuesByNode(a: GraphAnalysis): Map<string, GraphIssue[]> {
  const m = new Map<string, GraphIssue[]>()
  for (const i of a.issues) if (i.nodeId) m.set(i.nodeId, [...(m.get(i.nodeId) ?? []), i])
  for (const list of m.values()) list.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
  return m
}

/** A read-only view of a model given as a prop. */
export function viewOf(model: () => ModelFile, marks: () => Record<string, Mark> | undefined): GraphView {
  // a model with blocks shows each instance as one card, as the designer does
  const analysis = computed(() => collapsedAnalysis(model(), analyzeGraph(model())))
  return {
    specs: computed(() => new Map(model().nodes.map((n) => [n.id, n]))),
    analysis,
    issues: computed(() => issuesByNode(analysis.value)),
    marks: computed(() => marks() ?? {}),
    blocks: computed(() => model().blocks),
    readonly: true,
  }
}
