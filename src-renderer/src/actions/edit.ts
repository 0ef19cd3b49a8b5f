// Editing the design: undo and redo (also in the native menu), the clipboard, delete, and the selection.
import { useDesign } from '../stores/design.ts'
import { useUi } from '../stores/ui.ts'
import type { Action } from './registry.ts'

export function editActions(): Action[] {
  const design = useDesign()
  const ui = useUi()
  const onDesign = () => ui.screen === 'design'
  const hasSelection = () => onDesign() && ui.selection.size > 0
  return [
    { id: 'undo', label: 'Undo', group: 'Edit', menu: true, keys: ['CmdOrCtrl+Z'], enabled: () => onDesign() && design.canUndo, run: design.undo },
    { id: 'redo', label: 'Redo', group: 'Edit', menu: true, keys: ['Shift+CmdOrCtrl+Z', 'CmdOrCtrl+Y'], enabled: () => onDesign() && design.canRedo, run: design.redo },
    { id: 'copy', label: 'Copy', group: 'Edit', keys: ['CmdOrCtrl+C'], enabled: hasSelection, run: () => design.copy() },
    { id: 'paste', label: 'Paste', group: 'Edit', keys: ['CmdOrCtrl+V'], enabled: () => onDesign() && !!design.clipboard, run: () => design.paste() },
    { id: 'duplicate', label: 'Duplicate', group: 'Edit', keys: ['CmdOrCtrl+D'], enabled: hasSelection, run: () => design.duplicate() },
    {
      id: 'delete', label: 'Delete', group: 'Edit', keys: ['Delete', 'Backspace'],
      enabled: () => onDesign() && (ui.selection.size > 0 || !!ui.canvas?.selectedEdges().length),
      run: () => design.remove(ui.selection, ui.canvas?.selectedEdges() ?? []),
    },
    { id: 'select-all', label: 'Select all', group: 'Edit', keys: ['CmdOrCtrl+A'], enabled: onDesign, run: () => ui.select(design.doc.nodes.map((n) => n.id)) },
    { id: 'deselect', label: 'Clear the selection / close', group: 'Edit', keys: ['Escape'], run: () => { if (ui.helpOpen || ui.galleryOpen) { ui.helpOpen = false; ui.galleryOpen = false } else ui.select([]) } },
  ]
}
