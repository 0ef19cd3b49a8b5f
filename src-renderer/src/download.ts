// Saving bytes the page holds: a link with `download` clicked, which is a download in a browser and, in
// Electron, the same path (its session asks where to save). One place for the link and its URL's lifetime.

export function downloadBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has taken the bytes once the click is handled; a minute is ample for a slow save dialog.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
