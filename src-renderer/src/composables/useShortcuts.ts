// The one key listener: a key combo runs its action from the registry. Keys typed into a field stay the field's
// (its own undo, copy and paste), except Escape, which leaves it.
import type { Registry } from '../actions/registry.ts'
import { comboOf } from '../actions/registry.ts'

function inField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable)
}

export function installShortcuts(registry: Registry, target: Window = window): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.isComposing || e.repeat && e.key !== 'z') return
    if (inField(e.target)) {
      if (e.key === 'Escape') (e.target as HTMLElement).blur()
      return
    }
    const action = registry.byCombo.get(comboOf(e))
    if (!action || (action.enabled && !action.enabled())) return
    e.preventDefault()
    void action.run()
  }
  target.addEventListener('keydown', onKey)
  return () => target.removeEventListener('keydown', onKey)
}
