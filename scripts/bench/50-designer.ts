// The designer's speed in Debian's Chromium through `cnn-studio serve` (needs `npm run build` first):
// frames per second while dragging a node of a 300-node graph (goal 50+), the time from an attribute change to
// the updated shapes on screen (goal one frame, 16 ms), and the time to open a 1,000-node file (goal 1 s).
// Prints figures; asserts nothing (CONVENTIONS.md 12).
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { serializeModelFile, type ModelFile } from '../../src-engine/core/graph/index.ts'

import { V8_FLAGS } from '../../bin/node-flags.mjs'
const BIN = new URL('../../bin/cnn-studio.mjs', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'cnn-bench-designer-'))

/** A valid chain: input, then conv/batchnorm/relu blocks with a pool every 12 layers, ending in a classifier. */
function chain(n: number, name: string, prefix = 'n'): ModelFile {
  const nodes: ModelFile['nodes'] = [{ id: 'in', type: 'input', attrs: { height: 64, width: 64, channels: 3 } }]
  const kinds = ['conv2d', 'batchnorm', 'relu']
  let pools = 0
  for (let i = 1; nodes.length < n - 3; i++) {
    const type = i % 12 === 0 && pools < 5 ? 'maxpool2d' : kinds[i % 3]
    if (type === 'maxpool2d') pools++
    nodes.push({ id: `${prefix}${i}`, type, ...(type === 'conv2d' ? { attrs: { filters: 16, kernel: 3, padding: 'same' } } : type === 'maxpool2d' ? { attrs: { size: 2 } } : {}) })
  }
  nodes.push({ id: 'gap', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 10 } }, { id: 'out', type: 'softmax' })
  const edges = nodes.slice(1).map((nd, i) => [nodes[i].id, nd.id] as [string, string])
  return { format: 'cnn-studio.graph', version: 1, name, nodes, edges, layout: Object.fromEntries(nodes.map((nd, i) => [nd.id, { x: 0, y: i * 140 }])) }
}

async function serve(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [...V8_FLAGS, BIN, 'serve', '--port', '0', '--db', join(tmp, 'bench.db')], { stdio: ['ignore', 'pipe', 'ignore'] })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      const m = String(d).match(/http:\/\/127\.0\.0\.1:\d+\/\S+/)
      if (m) resolve(m[0])
    })
    child.once('exit', (c) => reject(new Error(`serve exited ${c}`)))
  })
  return { url, stop: () => child.kill('SIGTERM') }
}

async function openFile(page: Page, model: ModelFile): Promise<number> {
  const file = join(tmp, `${model.name}.cnn.json`)
  writeFileSync(file, serializeModelFile(model))
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('tb-open-model').click()])
  const t0 = Date.now()
  await chooser.setFiles(file)
  await page.waitForFunction((name) => document.querySelector('[data-testid=design-name]')?.textContent === name && !!document.querySelector('[data-testid=node-in] [data-testid=node-shape]'), model.name)
  await page.evaluate(() => new Promise(requestAnimationFrame))
  return Date.now() - t0
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const { url, stop } = await serve()
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
})
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('dialog', (d) => void d.accept())
  page.on('pageerror', (e) => console.error('page error:', e.message))
  await page.goto(url)
  await page.getByTestId('node-in').waitFor()

  // 1,000 nodes: from choosing the file to the canvas drawn.
  const opens: number[] = []
  // Fresh ids each time, so nothing of the previous file is reused.
  for (let i = 0; i < 3; i++) opens.push(await openFile(page, chain(1000, `bench-1000-${i}`, `f${i}n`)))

  // 300 nodes: frames per second while a node is dragged.
  await openFile(page, chain(300, 'bench-300'))
  await page.waitForTimeout(300)
  const box = (await page.getByTestId('node-n2').boundingBox())!
  const fps: number[] = []
  for (let round = 0; round < 3; round++) {
    await page.evaluate(() => {
      const w = window as unknown as { frames_: number[]; counting: boolean }
      w.frames_ = []
      w.counting = true
      const tick = (t: number) => { w.frames_.push(t); if (w.counting) requestAnimationFrame(tick) }
      requestAnimationFrame(tick)
    })
    await page.mouse.move(box.x + 60, box.y + 20)
    await page.mouse.down()
    for (let s = 1; s <= 90; s++) {
      await page.mouse.move(box.x + 60 + s * 3, box.y + 20 + Math.sin(s / 8) * 40)
    }
    await page.mouse.up()
    const f = await page.evaluate(() => {
      const w = window as unknown as { frames_: number[]; counting: boolean }
      w.counting = false
      const t = w.frames_
      return (t.length - 1) / ((t[t.length - 1] - t[0]) / 1000)
    })
    fps.push(f)
  }

  // An attribute change to the shapes on screen: the input's height, read on a block further down.
  await page.getByTestId('tb-fit-view').click() // the drag may have panned the input out of view
  await page.getByTestId('node-in').click()
  const lag: { dom: number; frame: number }[] = []
  for (let i = 0; i < 7; i++) {
    lag.push(await page.evaluate((h) => new Promise<{ dom: number; frame: number }>((resolve) => {
      const input = document.querySelector<HTMLInputElement>('[data-testid=attr-height] input')!
      const target = document.querySelector('[data-testid=node-n4] [data-testid=node-shape]')!
      const before = target.textContent
      const t0 = performance.now()
      const mo = new MutationObserver(() => {
        if (target.textContent === before) return
        mo.disconnect()
        const dom = performance.now() - t0
        requestAnimationFrame(() => resolve({ dom, frame: performance.now() - t0 }))
      })
      mo.observe(target, { characterData: true, childList: true, subtree: true })
      input.value = String(h)
      input.dispatchEvent(new Event('input', { bubbles: true }))
    }), 40 + i * 2))
  }

  console.log(`designer, 1,000-node file: opened in ${median(opens)} ms (median of ${opens.length}: ${opens.join(', ')}; goal under 1,000)`)
  console.log(`designer, 300-node graph: ${median(fps).toFixed(0)} frames/s while dragging a node (rounds: ${fps.map((x) => x.toFixed(0)).join(', ')}; goal 50 or more)`)
  console.log(`designer, 300-node graph: attribute change to updated shapes in the DOM ${median(lag.map((l) => l.dom)).toFixed(1)} ms, on screen by the next frame ${median(lag.map((l) => l.frame)).toFixed(1)} ms (median of ${lag.length}; goal one frame, 16 ms)`)
} finally {
  await browser.close()
  stop()
}
