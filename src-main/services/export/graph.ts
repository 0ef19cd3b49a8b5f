// The graph as an exporter walks it: analysed for training (errors refused), only the nodes that lead to
// the output (the engine computes the same set), in topological order.
import { analyzeForTraining, neededNodes, type TrainableAnalysis, type ModelFile, type NodeInfo } from '../../../src-engine/core/graph/index.ts'

export function exportedGraph(model: ModelFile): { analysis: TrainableAnalysis; nodes: NodeInfo[] } {
  const analysis = analyzeForTraining(model)
  return { analysis, nodes: neededNodes(analysis) }
}
