// The layer registry: one entry per layer type, metadata as data (Netron's *-metadata.json is the model).
// The palette, the attribute forms, the validator and the engine all read this one table.
import type { GraphIssue, NodeSpec, Shape } from './types.ts'
import type { WindowGeometry } from './window.ts'

export type AttrKind = 'int' | 'float' | 'pair' | 'padding' | 'bool' | 'enum'

export interface AttrDef {
  kind: AttrKind
  /** One line for the attribute form's tooltip. */
  help: string
  /** Used when the file leaves the attribute out; a required attribute has none. */
  default?: unknown
  required?: boolean
  /** What the canvas fills in for a new node when there is no default. */
  suggested?: unknown
  min?: number
  max?: number
  /** For 'enum': the allowed values. */
  values?: readonly (string | number)[]
  /** Added to the BAD_ATTR message when a value is refused: what a sensible value is, and why. */
  hint?: string
}

export type LayerCategory = 'input' | 'convolution' | 'pooling' | 'dense' | 'activation' | 'regularization' | 'normalization' | 'merge' | 'output'

/** What a layer's shape function sees: the node, its normalised attributes, and its input shapes (all known). */
export interface ShapeContext {
  node: NodeSpec
  attrs: Record<string, unknown>
  inputs: Shape[]
  /** Ids of the nodes the inputs come from, for messages. */
  inputIds: string[]
}

export interface ShapeResult {
  shape: Shape | null
  issues?: GraphIssue[]
  window?: WindowGeometry
}

export interface LayerDef {
  type: string
  label: string
  category: LayerCategory
  /** One line a student can read: what the layer does. */
  summary: string
  /** Other names a user may search for (fc, linear, bn): the palette ranks them with the label, above the summary. */
  aliases?: readonly string[]
  attrs: Record<string, AttrDef>
  /** Number of incoming edges: input takes none, merges take 2 or more. */
  inputs: { min: number; max: number }
  /** Fills attributes whose default depends on others (a pool's stride defaults to its size). */
  derive?(attrs: Record<string, unknown>): void
  /**
   * Rules between attributes (a pool's padding against its window), run on valid, derived attributes:
   * each message returned becomes a BAD_ATTR error of the node, and the node gets no shape.
   */
  check?(node: NodeSpec, attrs: Record<string, unknown>): string[]
  inferShape(ctx: ShapeContext): ShapeResult
  params?(ctx: ShapeContext, output: Shape): { trainable: number; nonTrainable: number }
  macs?(ctx: ShapeContext, output: Shape): number
  /**
   * How the layer moves the receptive field: a window of `kernel` pixels taken with `stride`, or 'global'
   * (every output sees its whole input). Layers without it leave the receptive field as it is.
   */
  receptive?(ctx: ShapeContext, window: WindowGeometry | undefined): { kernel: [number, number]; stride: [number, number] } | 'global'
}

const registry = new Map<string, LayerDef>()

/** Registers a layer type; a second registration of the same name is a programming error and throws. */
export function registerLayer(def: LayerDef): void {
  if (registry.has(def.type)) throw new Error(`layer type '${def.type}' is registered twice`)
  registry.set(def.type, def)
}

export function getLayer(type: string): LayerDef | undefined {
  return registry.get(type)
}

export function layerTypes(): string[] {
  return [...registry.keys()]
}

export function allLayers(): LayerDef[] {
  return [...registry.values()]
}
