// Looking inside a trained network: inference from a checkpoint, feature maps, filters, Grad-CAM, and
// the classification report. Pure TypeScript on the engine's kernels, like the rest of core.
export { applyWeights } from './weights.ts'
export { createInferenceNet, infer, inferProbabilities, topK, type InferenceNet } from './infer.ts'
export { featureMaps, firstConvFilters, filterImage, type FeatureMap, type Filters } from './maps.ts'
export { gradCam, gradCamLayer, resizeBilinear, type GradCam } from './gradcam.ts'
export { classificationReport, defaultKs, type ClassificationReport, type ClassMetrics } from './metrics.ts'
export { toInput, type Preprocessing } from './preprocess.ts'
