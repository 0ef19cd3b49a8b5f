// The layer rule of ARCHITECTURE.md, proven on real lint runs: each forbidden import fails, each allowed one passes.
import { describe, expect, it } from 'vitest'
import { ESLint } from 'eslint'

const eslint = new ESLint({ cwd: process.cwd() })

async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file })
  return result.messages.filter((m) => m.ruleId === 'local/layering').map((m) => m.message)
}

describe('layering lint rule', () => {
  it('fails an import from src-engine/core into src-main', async () => {
    const errors = await layeringErrors('src-engine/core/graph/x.ts', "import { main } from '../../../src-main/cli/main.ts'\nexport const m = main\n")
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/Bad layering.*src-main\/cli\/main\.ts.*src-engine\/core/)
  })

  it('fails Node modules and packages in src-engine/core', async () => {
    expect(await layeringErrors('src-engine/core/nn/x.ts', "import { readFileSync } from 'node:fs'\nexport const r = readFileSync\n")).toHaveLength(1)
    expect(await layeringErrors('src-engine/core/nn/x.ts', "import sharp from 'sharp'\nexport const s = sharp\n")).toHaveLength(1)
  })

  it('lets src-main import the engine, and the renderer import engine core', async () => {
    expect(await layeringErrors('src-main/cli/x.ts', "import { pair } from '../../src-engine/core/graph/window.ts'\nexport const p = pair\n")).toEqual([])
    expect(await layeringErrors('src-renderer/src/x.ts', "import { pair } from '../../src-engine/core/graph/window.ts'\nexport const p = pair\n")).toEqual([])
  })

  it('keeps the renderer off Node, off src-main except api types, and lets nothing import the renderer', async () => {
    expect(await layeringErrors('src-renderer/src/x.ts', "import fs from 'node:fs'\nexport const f = fs\n")).toHaveLength(1)
    expect(await layeringErrors('src-renderer/src/x.ts', "import { main } from '../../src-main/cli/main.ts'\nexport const m = main\n")).toHaveLength(1)
    expect(await layeringErrors('src-renderer/src/x.ts', "import type { ModelFile } from '../../src-main/api/contract.ts'\nexport type M = ModelFile\n")).toEqual([])
    expect(await layeringErrors('src-main/web/x.ts', "import App from '../../src-renderer/src/App.vue'\nexport const a = App\n")).toHaveLength(1)
  })

  it('keeps Electron inside src-main/shell', async () => {
    expect(await layeringErrors('src-main/services/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(1)
    expect(await layeringErrors('src-main/shell/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toEqual([])
  })
})
