// Dragging a layer from the palette onto the canvas: the palette puts the layer type on the drag under our
// own MIME type, so the canvas accepts layer drops and ignores files or text dragged in from elsewhere.
// The type is also kept here while the drag lasts: a browser reveals a drag's data only on drop, and the
// canvas previews the block's shape while it is still being dragged.
export const LAYER_MIME = 'application/x-cnn-studio-layer'

let dragging: string | null = null

export function startLayerDrag(ev: DragEvent, type: string): void {
  if (!ev.dataTransfer) return
  ev.dataTransfer.setData(LAYER_MIME, type)
  ev.dataTransfer.effectAllowed = 'copy'
  dragging = type
  ev.target?.addEventListener('dragend', () => (dragging = null), { once: true })
}

/** The layer type being dragged from the palette, if any. */
export function draggedLayer(): string | null {
  return dragging
}

/** A block dragged from the palette travels as `block:NAME` (the model's own) or `block:lib:NAME` (the library's). */
const BLOCK_PREFIX = 'block:'

export function startBlockDrag(ev: DragEvent, name: string, fromLibrary: boolean): void {
  startLayerDrag(ev, `${BLOCK_PREFIX}${fromLibrary ? 'lib:' : ''}${name}`)
}

/** The block a dragged type names, or null for a layer type. */
export function blockOfDrag(type: string): { name: string; fromLibrary: boolean } | null {
  if (!type.startsWith(BLOCK_PREFIX)) return null
  const rest = type.slice(BLOCK_PREFIX.length)
  return rest.startsWith('lib:') ? { name: rest.slice(4), fromLibrary: true } : { name: rest, fromLibrary: false }
}
