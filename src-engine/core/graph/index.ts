// The graph core's public face: the model file, the layer table, and analysis. The canvas, the validator,
// the engine, the CLI and the exporters all go through here.
export type * from './types.ts'
export { pair, windowGeometry, type WindowGeometry } from './window.ts'
export { parseModelFile, serializeModelFile, parseBlockDef, ModelFileError, MODEL_FORMAT, MODEL_FORMAT_VERSION, MAX_NODES, type ModelFileErrorCode } from './model-file.ts'
export {
  BLOCK_TYPE, BLOCK_INPUT, MAX_REPEAT, BLOCK_NAME, BlockError, isBlockNode, hasBlocks, definitionOf, repeatOf, copyPrefix, ownerOf,
  expandBlocks, blockIssues, blockSummaries, uniqueBlockName, makeBlock, unpackBlock, matchBlock, replaceMatches, type BlockSummary, type MakeBlockResult, type BlockMatch,
} from './blocks.ts'
export { parseBlockFile, serializeBlockFile, BLOCK_FORMAT, type BlockFile } from './block-file.ts'
export { analyzeGraph, analyzeForTraining, inputOf, UntrainableModelError, type AnalyzeOptions, type TrainableAnalysis } from './analyze.ts'
export { getLayer, layerTypes, allLayers, registerLayer, type AttrDef, type AttrKind, type LayerDef, type LayerCategory } from './registry.ts'
export { registerBuiltinLayers } from './layers.ts'
export { fmtShape, fmtInt, fmtNum, sizeFormula } from './messages.ts'

import { registerBuiltinLayers as register } from './layers.ts'
// Anyone who imports the graph core sees the full layer table.
register()
