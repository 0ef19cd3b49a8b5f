// Blocks: make one of the selected layers (a dialog: name, repeat, parameters, other places), open the
// selected instance's definition, go back to the model, and unpack an instance into its layers.
import { BLOCK_TYPE } from '../../../src-engine/core/graph/index.ts'
import { useDesign } from '../stores/design.ts'
import { useUi } from '../stores/ui.ts'
import type { Action } from './registry.ts'

export function blockActions(): Action[] {
  const design = useDesign()
  const ui = useUi()
  const onModel = () => ui.screen === 'design' && !design.opened
  /** The one selected instance, if the selection is one. */
  const instance = () => {
    if (!onModel() || ui.selection.size !== 1) return null
    const id = [...ui.selection][0]
    return design.doc.nodes.find((n) => n.id === id && n.type === BLOCK_TYPE) ? id : null
  }
  const layersSelected = () => onModel() && design.doc.nodes.some((n) => ui.selection.has(n.id) && n.type !== 'input' && n.type !== BLOCK_TYPE)
  return [
    { id: 'make-block', label: 'Make block of the selection…', group: 'Edit', keys: ['CmdOrCtrl+G'], enabled: layersSelected, run: () => (ui.makingBlock = true) },
    { id: 'open-block', label: 'Open the selected block’s definition', group: 'Edit', enabled: () => !!instance(), run: () => design.openBlock(instance()!) },
    { id: 'close-block', label: 'Back to the model from a block', group: 'Edit', enabled: () => ui.screen === 'design' && !!design.opened, run: design.closeBlock },
    { id: 'unpack-block', label: 'Unpack the selected block into its layers', group: 'Edit', enabled: () => !!instance(), run: () => design.unpack(instance()!) },
  ]
}
