// The palette's block library through the host, on a real database folder: the built-in block files (each
// analyses cleanly where it is used), the user's saved blocks beside the database, a broken or oversized
// file left out with a warning, and saving refusing an existing name unless asked, a built-in's name, a
// bad name and a bad definition with one line each.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost, type Host } from '../../../src-main/host/host.ts'
import { analyzeGraph, parseBlockFile, parseModelFile, type BlockDef } from '../../../src-engine/core/graph/index.ts'
import { MAX_BLOCK_FILE_BYTES } from '../../../src-main/services/blocks.ts'

let host: Host | null = null
afterEach(() => host?.close())
function open(): { host: Host; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-blocks-host-'))
  host = createHost({ dbPath: join(dir, 'e.db') })
  return { host, dir }
}
const call = async <T = unknown>(h: Host, command: string, payload: unknown) => (await h.invoke(command, payload)) as { ok: true; result: T } | { ok: false; error: { code: string; message: string } }
type Listed = { blocks: { name: string; source: string; description?: string; block: BlockDef }[]; warnings: string[] }

const pair: BlockDef = { output: 'r', nodes: [{ id: 'c', type: 'conv2d', attrs: { filters: 8, kernel: 3, padding: 'same' } }, { id: 'r', type: 'relu' }], edges: [['$input', 'c'], ['c', 'r']], params: { width: { binds: [['c', 'filters']] } } }

describe('blocks.list', () => {
  it('lists the four built-in blocks, each of which analyses cleanly in a model with its defaults', async () => {
    const { host } = open()
    const r = await call<Listed>(host, 'blocks.list', {})
    if (!r.ok) throw new Error(r.error.message)
    expect(r.result.warnings).toEqual([])
    expect(r.result.blocks.map((b) => [b.name, b.source])).toEqual([['bottleneck', 'builtin'], ['conv_bn_relu', 'builtin'], ['resnet_basic', 'builtin'], ['vgg_stage', 'builtin']])
    for (const b of r.result.blocks) {
      expect(b.description).toMatch(/\w/)
      const width = (b.block.params?.width?.default as number | undefined) ?? 3
      const m = parseModelFile({
        format: 'cnn-studio.graph', version: 2,
        nodes: [{ id: 'in', type: 'input', attrs: { height: 16, width: 16, channels: width } }, { id: 'b', type: 'block', attrs: { block: b.name } }, { id: 'g', type: 'globalavgpool' }, { id: 'fc', type: 'dense', attrs: { units: 4 } }, { id: 'sm', type: 'softmax' }],
        edges: [['in', 'b'], ['b', 'g'], ['g', 'fc'], ['fc', 'sm']],
        blocks: { [b.name]: b.block },
      })
      const a = analyzeGraph(m, { forTraining: true })
      expect(a.issues, b.name).toEqual([])
      expect(a.byId.get(`b/${b.block.output}`)!.outputShape![2], b.name).toBe(b.name === 'conv_bn_relu' ? 32 : width)
    }
  })

  it('adds the user\'s saved blocks and leaves out a broken, oversized or clashing file with a warning naming it', async () => {
    const { host, dir } = open()
    const saved = await call<{ file: string }>(host, 'blocks.save', { name: 'pair', block: pair })
    if (!saved.ok) throw new Error(saved.error.message)
    expect(saved.result.file).toBe(join(dir, 'blocks', 'pair.block.json'))
    expect(parseBlockFile(readFileSync(saved.result.file, 'utf8'))).toEqual({ name: 'pair', block: pair })
    writeFileSync(join(dir, 'blocks', 'broken.block.json'), '{"format": "cnn-studio.block", "version": 1, "name": "broken", "output": "x"')
    writeFileSync(join(dir, 'blocks', 'huge.block.json'), ' '.repeat(MAX_BLOCK_FILE_BYTES + 1))
    writeFileSync(join(dir, 'blocks', 'mine.block.json'), readFileSync(new URL('../../../resources/blocks/vgg_stage.block.json', import.meta.url)))
    mkdirSync(join(dir, 'blocks', 'folder.block.json'))
    const r = await call<Listed>(host, 'blocks.list', undefined)
    if (!r.ok) throw new Error(r.error.message)
    expect(r.result.blocks.filter((b) => b.source === 'user').map((b) => b.name)).toEqual(['pair'])
    expect(r.result.warnings).toHaveLength(3)
    expect(r.result.warnings[0]).toMatch(/broken\.block\.json: left out, not a JSON file/)
    expect(r.result.warnings[1]).toMatch(/huge\.block\.json: left out, 1,000,001 bytes/)
    expect(r.result.warnings[2]).toMatch(/mine\.block\.json: left out, a block named 'vgg_stage' is listed already/)
    for (const w of r.result.warnings) expect(w).not.toContain('\n')
  })
})

describe('blocks.save', () => {
  it('refuses an existing name unless replace, a built-in\'s name, a bad name and a bad definition, each in one line', async () => {
    const { host } = open()
    expect((await call(host, 'blocks.save', { name: 'pair', block: pair })).ok).toBe(true)
    const again = await call(host, 'blocks.save', { name: 'pair', block: { ...pair, description: 'v2' } })
    expect(again).toMatchObject({ ok: false, error: { code: 'FILE_EXISTS', message: expect.stringMatching(/has a block named 'pair' already/) } })
    const replaced = await call<{ file: string }>(host, 'blocks.save', { name: 'pair', block: { ...pair, description: 'v2' }, replace: true })
    expect(replaced.ok && parseBlockFile(readFileSync(replaced.result.file, 'utf8')).block.description).toBe('v2')
    expect(await call(host, 'blocks.save', { name: 'vgg_stage', block: pair })).toMatchObject({ ok: false, error: { code: 'FILE_EXISTS', message: expect.stringMatching(/built-in block/) } })
    for (const name of ['../evil', 'a/b', '', '9lives', 'x'.repeat(65)]) {
      expect(await call(host, 'blocks.save', { name, block: pair }), name).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    }
    expect(await call(host, 'blocks.save', { name: 'p', block: { nodes: [], edges: [], output: 'x' } })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
    const bad = await call(host, 'blocks.save', { name: 'p', block: { ...pair, nodes: [{ id: 'c', type: 'lstm' }, { id: 'r', type: 'relu' }] } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_MODEL', message: expect.stringMatching(/block p\.nodes\[0\]\.type: .*unknown layer type 'lstm'/) } })
    expect(!bad.ok && bad.error.message).not.toContain('\n')
    expect(await call(host, 'blocks.save', { name: 'p', block: pair, extra: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } })
  })
})
