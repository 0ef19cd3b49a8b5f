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
  | (string & {})

export interface GraphIssue {
  code: IssueCode
  severity: Severity
  nodeId?: string
  message: string
}
