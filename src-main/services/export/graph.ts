// The graph as an exporter walks it: analysed for training (errors refused), only the nodes that lead to
// the output (the engine computes the same set), in topological order.
import { analyzeGraph, type GraphAnalysis, type ModelFile, type NodeInfo } from '../../../src-engine/core/graph/index.ts'
import { neededNodes } from '../../../src-engine/core/nn/plan.ts'

export function exportedGraph(model: ModelFile): { analysis: GraphAnalysis; nodes: NodeInfo[] } {
  const analysis = analyzeGraph(model, { forTraining: true })
  if (analysis.hasErrors) throw new Error(`the model has errors: ${analysis.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('; ')}`)
  return { analysis, nodes: neededNodes(analysis) }
}
