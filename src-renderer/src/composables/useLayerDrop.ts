// Dragging a layer from the palette onto the canvas: the palette puts the layer type on the drag under our
// own MIME type, so the canvas accepts layer drops and ignores files or text dragged in from elsewhere.
export const LAYER_MIME = 'application/x-cnn-studio-layer'

export function startLayerDrag(ev: DragEvent, type: string): void {
  if (!ev.dataTransfer) return
  ev.dataTransfer.setData(LAYER_MIME, type)
  ev.dataTransfer.effectAllowed = 'copy'
}
