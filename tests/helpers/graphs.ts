// Small model files for tests, written as chains or with explicit edges.
import { analyzeGraph, parseModelFile, type GraphAnalysis, type ModelFile, type NodeSpec } from '../../src-engine/core/graph/index.ts'

export type L = [id: string, type: string, attrs?: Record<string, unknown>]

export function chainModel(input: [number, number, number], layers: L[], extraEdges: [string, string][] = [], replaceEdges?: [string, string][]): ModelFile {
  const nodes: NodeSpec[] = [{ id: 'in', type: 'input', attrs: { height: input[0], width: input[1], channels: input[2] } }]
  for (const [id, type, attrs] of layers) nodes.push(attrs ? { id, type, attrs } : { id, type })
  const edges = replaceEdges ?? nodes.slice(1).map((n, i) => [nodes[i].id, n.id] as [string, string])
  return parseModelFile({ format: 'cnn-studio.graph', version: 1, nodes, edges: [...edges, ...extraEdges] })
}

export function analyzed(model: ModelFile): GraphAnalysis {
  const a = analyzeGraph(model, { forTraining: true })
  if (a.hasErrors) throw new Error(a.issues.map((i) => i.message).join('\n'))
  return a
}
