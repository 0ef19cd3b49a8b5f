// The graph as an exporter walks it: analysed for training (errors refused), only the nodes that lead to
// the output (the engine computes the same set), in topological order.
import { analyzeForTraining, type TrainableAnalysis, type ModelFile, type NodeInfo } from '../../../src-engine/core/graph/index.ts'
import { neededNodes } from '../../../src-engine/core/nn/plan.ts'

export function exportedGraph(model: ModelFile): { analysis: TrainableAnalysis; nodes: NodeInfo[] } {
  const analysis = analyzeForTraining(model)
  return { analysis, nodes: neededNodes(analysis) }
}
