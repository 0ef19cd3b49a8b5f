// The WAI-ARIA dialog pattern for the studio's modal dialogs: the focus moves into the dialog when it opens,
// Tab and Shift+Tab cycle inside it, Escape closes it, and the focus goes back to what had it before. Keys
// pressed inside stop at the dialog, so the studio's shortcuts do not act on the screen behind it.
import { nextTick, onMounted, onUnmounted, type Ref } from 'vue'

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

/** The elements of `root` that Tab reaches, in order. */
export function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest('[hidden], [inert]') && el.getClientRects().length > 0)
}

/**
 * Makes `root` (the element with role="dialog") modal for the keyboard while the component is mounted; `close` is
 * what Escape does. `initial` picks the element focused first (else the first focusable one, else the dialog).
 */
export function useDialogFocus(root: Ref<HTMLElement | null | undefined>, close: () => void, initial?: () => HTMLElement | null | undefined): { onKeydown: (e: KeyboardEvent) => void } {
  let before: HTMLElement | null = null

  onMounted(() => {
    before = document.activeElement instanceof HTMLElement ? document.activeElement : null
    // Content may arrive a tick later (the template list): focus once it is drawn.
    void nextTick(() => {
      const el = root.value
      if (!el || el.contains(document.activeElement)) return
      const target = initial?.() ?? focusables(el)[0] ?? el
      if (target === el && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1')
      target.focus()
    })
  })
  onUnmounted(() => {
    // Back to the opener, if it is still on the page (choosing a template may replace what was behind).
    if (before?.isConnected) before.focus()
  })

  function onKeydown(e: KeyboardEvent): void {
    const el = root.value
    if (!el) return
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      close()
      return
    }
    if (e.key === 'Tab') {
      const items = focusables(el)
      if (!items.length) {
        e.preventDefault()
        return
      }
      const first = items[0], last = items[items.length - 1]
      const at = document.activeElement
      if (e.shiftKey && (at === first || !el.contains(at))) { e.preventDefault(); last.focus() }
      else if (!e.shiftKey && (at === last || !el.contains(at))) { e.preventDefault(); first.focus() }
    }
    e.stopPropagation()
  }
  return { onKeydown }
}
