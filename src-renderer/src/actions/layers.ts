// One "add layer" action per layer type of the graph core's registry (`add-layer.conv2d`), for the command
// palette and the toolbar; the `?` sheet sums them up in one line.
import { allLayers } from '../../../src-engine/core/graph/index.ts'
import { useDesign } from '../stores/design.ts'
import { useUi } from '../stores/ui.ts'
import type { Action } from './registry.ts'

export function layerActions(): Action[] {
  const design = useDesign()
  const ui = useUi()
  return allLayers().map((d): Action => ({
    id: `add-layer.${d.type}`, label: `Add ${d.label}`, group: 'Layers', hidden: true, enabled: () => ui.screen === 'design', run: () => design.appendLayer(d.type),
  }))
}
