// The model file (`*.cnn.json`) of shared/spec/model-and-cli.md, and what graph analysis returns.
// Tensors are NHWC; a spatial shape is [H, W, C], a vector [C]; the batch is never written.

export type Shape = number[]
export type Pair = number | [number, number]
export type Padding = 'valid' | 'same' | number | [number, number]

export interface NodeSpec {
  id: string
  type: string
  attrs?: Record<string, unknown>
}

/** `[from, to]`; for merge nodes the order of incoming edges is the order of inputs. */
export type Edge = [string, string]

export interface ModelFile {
  format: 'cnn-studio.graph'
  version: number
  name?: string
  nodes: NodeSpec[]
  edges: Edge[]
  layout?: Record<string, { x: number; y: number }>
  /** Reusable blocks by name (core/graph/blocks.ts); nodes of type `block` use them. */
  blocks?: Record<string, BlockDef>
}

/** One exposed parameter of a block: the inner attributes it sets, and its value where an instance sets none. */
export interface BlockParam {
  /** `[innerNodeId, attribute]` pairs, e.g. `[["c1", "filters"], ["c2", "filters"]]`. */
  binds: [string, string][]
  default?: unknown
}

/** A block's definition: a subgraph whose edges from `$input` take the block's input, and whose `output` node gives its output. */
export interface BlockDef {
  nodes: NodeSpec[]
  edges: Edge[]
  output: string
  params?: Record<string, BlockParam>
  description?: string
  layout?: Record<string, { x: number; y: number }>
}

export type Severity = 'error' | 'warning'

export type IssueCode =
  | 'NO_INPUT'
  | 'MULTIPLE_INPUTS'
  | 'CYCLE'
  | 'DISCONNECTED'
  | 'MISSING_INPUT_EDGE'
  | 'SHAPE_MISMATCH'
  | 'OUTPUT_TOO_SMALL'
  | 'STRIDE_REMAINDER'
  | 'BAD_ATTR'
  | 'NEEDS_FLATTEN'
  | 'NO_CLASSIFIER'
  | 'UNKNOWN_BLOCK'
  | 'BLOCK_INPUTS'
  | (string & {})

export interface GraphIssue {
  code: IssueCode
  severity: Severity
  nodeId?: string
  message: string
}

/** What analysis knows of one node. Shapes are null where they can't be known (an error upstream). */
export interface NodeInfo {
  id: string
  type: string
  /** Attributes with defaults filled in; sizes, strides and kernels as [h, w], padding 'valid' | 'same' | [h, w]. */
  attrs: Record<string, unknown>
  /** Ids of the nodes feeding this one, in edge order. */
  inputs: string[]
  inputShapes: (Shape | null)[]
  outputShape: Shape | null
  params: number
  trainableParams: number
  nonTrainableParams: number
  /** Multiply-accumulates per image, forward. */
  macs: number
  /** Receptive field in input pixels along one axis (the larger axis when they differ). */
  receptiveField: number | null
  receptiveFieldHW: [number, number] | null
  /** For conv2d and the pools: the sliding window's size, stride, padding and output size. */
  window?: import('./window.ts').WindowGeometry
}

export interface GraphTotals {
  params: number
  trainableParams: number
  nonTrainableParams: number
  macs: number
}

export interface GraphAnalysis {
  /** Nodes in topological order (nodes caught in a cycle come last, with null shapes). */
  nodes: NodeInfo[]
  byId: Map<string, NodeInfo>
  order: string[]
  /** The node whose output is the model's output, or null. */
  outputId: string | null
  /** The (first) input node, where the images enter, or null when the model has none. */
  inputId: string | null
  /** The class count: the length of the output vector when the model ends in softmax over one (the last dense layer's units), else null. */
  classes: number | null
  totals: GraphTotals
  issues: GraphIssue[]
  hasErrors: boolean
}
