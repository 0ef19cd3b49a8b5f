// The studio's actions, declared once: files, editing, view, help, and one "add layer" action per layer type.
import { allLayers } from '../../../src-engine/core/graph/index.ts'
import type { StudioEvent } from '../../../src-main/api/contract.ts'
import { useDesign } from '../stores/design.ts'
import { useUi } from '../stores/ui.ts'
import { createRegistry, type Action, type Registry } from './registry.ts'
import { newModel, openModel, saveModel } from './file.ts'
import { focusSoon } from '../composables/focusSoon.ts'

type MenuAction = Extract<StudioEvent, { type: 'menu' }>['action']
/** The native menu's items (src-main/shell/menu.ts) are actions of this list, by id. */
export const MENU_ACTIONS: readonly MenuAction[] = ['new-model', 'open-model', 'save-model', 'import-dataset', 'undo', 'redo']

export function buildActions(): Registry {
  const design = useDesign()
  const ui = useUi()
  const onDesign = () => ui.screen === 'design'
  const hasSelection = () => onDesign() && ui.selection.size > 0
  const list: Action[] = [
    { id: 'new-model', label: 'New model', group: 'File', keys: ['CmdOrCtrl+N'], run: newModel },
    { id: 'open-model', label: 'Open model…', group: 'File', keys: ['CmdOrCtrl+O'], run: openModel },
    { id: 'save-model', label: 'Save model', group: 'File', keys: ['CmdOrCtrl+S'], run: () => saveModel(false) },
    { id: 'save-model-as', label: 'Save model as…', group: 'File', keys: ['Shift+CmdOrCtrl+S'], run: () => saveModel(true) },
    { id: 'templates', label: 'Templates…', group: 'File', keys: ['T'], run: () => { ui.navigate('design'); ui.galleryOpen = true } },
    { id: 'import-dataset', label: 'Import dataset folder…', group: 'File', keys: ['CmdOrCtrl+I'], run: () => { ui.navigate('data'); focusSoon('[data-testid=data-path]') } },
    { id: 'undo', label: 'Undo', group: 'Edit', keys: ['CmdOrCtrl+Z'], enabled: () => onDesign() && design.canUndo, run: design.undo },
    { id: 'redo', label: 'Redo', group: 'Edit', keys: ['Shift+CmdOrCtrl+Z', 'CmdOrCtrl+Y'], enabled: () => onDesign() && design.canRedo, run: design.redo },
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
    { id: 'auto-layout', label: 'Auto-layout', group: 'View', keys: ['Shift+L'], enabled: onDesign, run: () => { design.layout(ui.canvas?.sizes()); requestAnimationFrame(() => ui.canvas?.fit()) } },
    { id: 'fit-view', label: 'Fit the whole model (again: readable zoom)', group: 'View', keys: ['F'], enabled: onDesign, run: () => ui.canvas?.fit() },
    { id: 'find-layer', label: 'Search the layers', group: 'View', keys: ['/'], enabled: onDesign, run: () => document.querySelector<HTMLInputElement>('[data-testid=palette-search]')?.focus() },
    { id: 'toggle-theme', label: 'Light / dark theme', group: 'View', run: ui.toggleTheme },
    { id: 'help', label: 'Keyboard shortcuts', group: 'Help', keys: ['?'], run: () => (ui.helpOpen = !ui.helpOpen) },
    ...allLayers().map((d): Action => ({
      id: `add-layer.${d.type}`, label: `Add ${d.label}`, group: 'Layers', hidden: true, enabled: onDesign, run: () => design.appendLayer(d.type),
    })),
  ]
  return createRegistry(list)
}
