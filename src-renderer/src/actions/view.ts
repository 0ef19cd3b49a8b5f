// The canvas's view (layout, fit, the layer search), the theme, and help.
import { useDesign } from '../stores/design.ts'
import { useUi } from '../stores/ui.ts'
import type { Action } from './registry.ts'

export function viewActions(): Action[] {
  const design = useDesign()
  const ui = useUi()
  const onDesign = () => ui.screen === 'design'
  return [
    { id: 'auto-layout', label: 'Auto-layout', group: 'View', keys: ['Shift+L'], enabled: onDesign, run: () => { design.layout(ui.canvas?.sizes()); requestAnimationFrame(() => ui.canvas?.fit()) } },
    { id: 'fit-view', label: 'Fit the whole model (again: readable zoom)', group: 'View', keys: ['F'], enabled: onDesign, run: () => ui.canvas?.fit() },
    { id: 'find-layer', label: 'Search the layers', group: 'View', keys: ['/'], enabled: onDesign, run: () => document.querySelector<HTMLInputElement>('[data-testid=palette-search]')?.focus() },
    { id: 'toggle-theme', label: 'Light / dark theme', group: 'View', run: ui.toggleTheme },
    { id: 'help', label: 'Keyboard shortcuts', group: 'Help', keys: ['?'], run: () => (ui.helpOpen = !ui.helpOpen) },
  ]
}
