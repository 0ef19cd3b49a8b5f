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
