// Lays out every template in resources/templates, and every block definition (in the templates and in
// resources/blocks), with the designer's own auto-layout, so a template or a block opens exactly as
// "Auto-layout" would arrange it. Run after adding or editing a template or a block file:
//   node scripts/layout-templates.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { BLOCK_INPUT, parseBlockFile, parseModelFile, serializeBlockFile, serializeModelFile, type BlockDef } from '../src-engine/core/graph/index.ts'
import { autoLayout } from '../src-renderer/src/stores/auto-layout.ts'

/** A definition's layout: its layers placed below its input, relative to the top-left one. */
function layoutBlock(def: BlockDef): BlockDef {
  const at = autoLayout({ format: 'cnn-studio.graph', version: 1, nodes: [{ id: BLOCK_INPUT, type: 'input' }, ...def.nodes], edges: def.edges }).layout!
  const ps = def.nodes.map((n) => at[n.id])
  const x0 = Math.min(...ps.map((p) => p.x)), y0 = Math.min(...ps.map((p) => p.y))
  return { ...def, layout: Object.fromEntries(def.nodes.map((n) => [n.id, { x: at[n.id].x - x0, y: at[n.id].y - y0 }])) }
}

const dir = new URL('../resources/templates/', import.meta.url)
for (const f of readdirSync(dir).filter((x) => x.endsWith('.cnn.json'))) {
  const file = new URL(f, dir)
  const model = parseModelFile(readFileSync(file, 'utf8'))
  const laid = autoLayout({ ...model, layout: {} })
  if (model.blocks) laid.blocks = Object.fromEntries(Object.entries(model.blocks).map(([name, def]) => [name, layoutBlock(def)]))
  writeFileSync(file, serializeModelFile(laid))
  console.log(`laid out ${f}`)
}
const blocks = new URL('../resources/blocks/', import.meta.url)
for (const f of readdirSync(blocks).filter((x) => x.endsWith('.block.json'))) {
  const file = new URL(f, blocks)
  const { name, block } = parseBlockFile(readFileSync(file, 'utf8'))
  writeFileSync(file, serializeBlockFile({ name, block: layoutBlock(block) }))
  console.log(`laid out ${f}`)
}
