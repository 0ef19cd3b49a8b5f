// Learn: a convolution at work, every number shown. The explanations are built from the window geometry;
// the numbers they are checked against come from the engine's kernels and layers.
export { windowCells, outsideOutput, toChannels, type Cell, type WindowCells } from './window.ts'
export { convStep, convOutput, convGradients, weightTerms, allWeightTerms, convDims, type ConvProblem, type ConvStep, type ConvGradients, type GradTerm } from './conv.ts'
export { poolStep, gapStep, type PoolProblem, type PoolStep, type GapStep } from './pool.ts'
export { LearnInputError, parseChannels, parseGrids, parseNumbers, parseWhole, parseCell } from './grid-text.ts'
export { explainPlayground, playgroundProblem, PLAYGROUND_MAX_PRODUCTS, type PlaygroundInput, type PlaygroundResult } from './playground.ts'
export { receptiveField, type ReceptiveField } from './receptive.ts'
export { explainNodeStep, effectiveReceptiveField, checkLearnNode, layerOf, outputOf, StepError, LEARN_NODE_TYPES, type NodeStep } from './network-step.ts'
