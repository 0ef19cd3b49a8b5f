// The comparison's charts as one PNG: uPlot draws each chart (its curves and axes) on a canvas, so the image is
// those canvases copied where they stand on the page (the same grid, titles above them) under a legend of
// the runs, on the theme's background, at the canvases' own pixel ratio.

export interface LegendItem { name: string; color: string }

const FONT = '12px system-ui, -apple-system, "Segoe UI", sans-serif'
const TITLE_FONT = '600 12px system-ui, -apple-system, "Segoe UI", sans-serif'

/** `grid` holds one element a chart (`[data-metric]`), each with its title (h4) and its uPlot canvas. */
export function chartsPng(grid: HTMLElement, legend: LegendItem[], title: string): Promise<Blob> {
  const style = getComputedStyle(grid)
  const color = (v: string, fallback: string) => style.getPropertyValue(v).trim() || fallback
  const background = color('--panel', '#ffffff'), text = color('--text', '#1b2130'), muted = color('--muted', '#5a6373')
  const boxes = [...grid.querySelectorAll<HTMLElement>('[data-metric]')].map((box) => ({ box, canvas: box.querySelector('canvas') })).filter((b) => b.canvas)
  const area = grid.getBoundingClientRect()
  const scale = boxes.length ? boxes[0].canvas!.width / Math.max(1, boxes[0].canvas!.getBoundingClientRect().width) : window.devicePixelRatio || 1
  const pad = 16, width = Math.ceil(area.width) + 2 * pad

  // The legend's rows, wrapped to the width: a swatch and the run's name each.
  const measure = document.createElement('canvas').getContext('2d')!
  measure.font = FONT
  const rows: { item: LegendItem; x: number }[][] = [[]]
  let x = 0
  for (const item of legend) {
    const w = 16 + measure.measureText(item.name).width + 18
    if (x + w > area.width && rows.at(-1)!.length) {
      rows.push([])
      x = 0
    }
    rows.at(-1)!.push({ item, x })
    x += w
  }
  const titleH = 22, legendH = rows.length * 18, top = pad + titleH + legendH + 8
  const height = Math.ceil(top + area.height + pad)

  const out = document.createElement('canvas')
  out.width = Math.round(width * scale)
  out.height = Math.round(height * scale)
  const ctx = out.getContext('2d')!
  ctx.scale(scale, scale)
  ctx.fillStyle = background
  ctx.fillRect(0, 0, width, height)
  ctx.textBaseline = 'middle'
  ctx.fillStyle = text
  ctx.font = '600 14px system-ui, -apple-system, "Segoe UI", sans-serif'
  ctx.fillText(title, pad, pad + 8)
  ctx.font = FONT
  rows.forEach((row, r) => row.forEach(({ item, x }) => {
    const y = pad + titleH + r * 18 + 8
    ctx.fillStyle = style.getPropertyValue(item.color).trim() || item.color
    ctx.fillRect(pad + x, y - 5, 10, 10)
    ctx.fillStyle = text
    ctx.fillText(item.name, pad + x + 16, y)
  }))
  for (const { box, canvas } of boxes) {
    const b = box.getBoundingClientRect(), c = canvas!.getBoundingClientRect()
    const h4 = box.querySelector('h4')
    if (h4) {
      const t = h4.getBoundingClientRect()
      ctx.font = TITLE_FONT
      ctx.fillStyle = muted
      ctx.fillText(h4.textContent?.trim() ?? '', pad + b.left - area.left, top + t.top - area.top + t.height / 2)
    }
    ctx.drawImage(canvas!, pad + c.left - area.left, top + c.top - area.top, c.width, c.height)
  }
  return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the browser could not encode the charts as PNG'))), 'image/png'))
}
