// Shortcuts that open a screen focus what they open it for (Ctrl+I: the Data screen's folder field). The screen
// is drawn a frame or two after the navigation, so the element is looked for over the next few frames.

/** Focuses (and selects the text of) the first element matching `selector` once it is on the page, for up to ~10 frames. */
export function focusSoon(selector: string, frames = 10): void {
  const el = document.querySelector<HTMLElement>(selector)
  if (el) {
    el.focus()
    if (el instanceof HTMLInputElement) el.select()
  } else if (frames > 0) requestAnimationFrame(() => focusSoon(selector, frames - 1))
}
