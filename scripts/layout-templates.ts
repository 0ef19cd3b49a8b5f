// Lays out every template in resources/templates with the designer's own auto-layout, so a template opens
// exactly as "Auto-layout" would arrange it. Run after adding or editing a template:
//   node scripts/layout-templates.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { parseModelFile, serializeModelFile } from '../src-engine/core/graph/index.ts'
import { autoLayout } from '../src-renderer/src/stores/auto-layout.ts'

const dir = new URL('../resources/templates/', import.meta.url)
for (const f of readdirSync(dir).filter((x) => x.endsWith('.cnn.json'))) {
  const file = new URL(f, dir)
  const model = parseModelFile(readFileSync(file, 'utf8'))
  writeFileSync(file, serializeModelFile(autoLayout({ ...model, layout: {} })))
  console.log(`laid out ${f}`)
}
