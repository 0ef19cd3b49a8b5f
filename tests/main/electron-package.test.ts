// The packaged app, as far as this machine can take it: electron-builder (electron-builder.yml) packs the
// built app for Linux into a folder, with a stand-in for the Electron distribution so that nothing is
// downloaded. The archive must hold what the app reads and the unpacked folder what worker threads and
// native code open from disk. Then the app is run from the packaged layout under Node, with the archive
// laid out as a folder (Node cannot read an asar; Electron reads it the same way through its fs) minus the
// files that only exist unpacked for Electron's workers and native code, so the app is seen to find them
// in app.asar.unpacked.
import { extractAll, listPackage } from '@electron/asar'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Responses } from '../../src-main/api/contract.ts'
import { launchBuiltMain, OUT, type BuiltMain } from '../helpers/electron-stand-in/launch.ts'

const ROOT = resolve(OUT, '..')
const BUILDER = createRequire(import.meta.url).resolve('electron-builder/cli.js')
let base: string, resources: string, listing: string[]

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'cnn-package-'))
  // electron-builder copies this folder as the Electron runtime and renames its `electron` to the app's name.
  const dist = join(base, 'electron-dist')
  mkdirSync(dist)
  writeFileSync(join(dist, 'electron'), '#!/bin/sh\necho "a stand-in for the Electron binary"\n')
  chmodSync(join(dist, 'electron'), 0o755)
  const r = spawnSync(process.execPath, [BUILDER, '--linux', 'dir', `-c.electronDist=${dist}`, `-c.directories.output=${join(base, 'dist')}`], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0) throw new Error(`electron-builder failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  resources = join(base, 'dist', 'linux-unpacked', 'resources')
  listing = listPackage(join(resources, 'app.asar'), { isPack: false }).map((p) => p.replaceAll('\\', '/'))
}, 300_000)

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true })
})

describe('electron-builder.yml', () => {
  it('packs the built app, the kernels, the templates, the built-in blocks and the sample into app.asar, and no sources', () => {
    const templates = readdirSync(join(ROOT, 'resources', 'templates')).filter((f) => f.endsWith('.cnn.json'))
    const blocks = readdirSync(join(ROOT, 'resources', 'blocks')).filter((f) => f.endsWith('.block.json'))
    for (const f of ['/package.json', '/out/main/main.js', '/out/main/trainer-worker.mjs', '/out/preload/preload.cjs', '/out/renderer/index.html', '/build/wasm/kernels-simd.wasm', ...templates.map((t) => `/resources/templates/${t}`), ...blocks.map((b) => `/resources/blocks/${b}`), '/resources/sample-dataset/shapes']) {
      expect(listing, f).toContain(f)
    }
    const ours = listing.filter((p) => !p.startsWith('/node_modules/'))
    expect(ours.filter((p) => /\.[mc]?ts$|\.vue$|\.map$/.test(p) || /^\/(src-|tests|scripts)/.test(p))).toEqual([])
    expect(listing).toContain('/node_modules/better-sqlite3/package.json')
    expect(listing).toContain('/node_modules/sharp/package.json')
  })

  it('unpacks the worker entries, the sample dataset and the native modules beside the archive', () => {
    const unpacked = join(resources, 'app.asar.unpacked')
    for (const f of ['out/main/trainer-worker.mjs', 'resources/sample-dataset/shapes', `node_modules/better-sqlite3/prebuilds/${process.platform}-${process.arch}.node`]) {
      expect(existsSync(join(unpacked, f)), f).toBe(true)
    }
    expect(readdirSync(join(unpacked, 'node_modules', '@img')).some((d) => d.startsWith('sharp-'))).toBe(true)
    // Dawn's addon for the GPU path: this platform's, and no other's.
    expect(readdirSync(join(unpacked, 'node_modules', 'webgpu', 'dist'))).toEqual(['linux-arm64', 'linux-x64'])
  })
})

describe('the packaged layout', () => {
  let app: BuiltMain
  beforeAll(async () => {
    // The archive as a folder named app.asar, without its unpacked-only files.
    const archive = join(resources, 'app.asar')
    extractAll(archive, `${archive}.folder`)
    rmSync(archive)
    renameSync(`${archive}.folder`, archive)
    rmSync(join(archive, 'out', 'main', 'trainer-worker.mjs'))
    rmSync(join(archive, 'resources', 'sample-dataset'), { recursive: true })
    app = launchBuiltMain({ HOME: base, XDG_CONFIG_HOME: join(base, 'config'), APPDATA: join(base, 'config'), CNN_STUDIO_DB: join(base, 'packaged.db'), CNN_STUDIO_CACHE: join(base, 'cache') }, join(archive, 'out', 'main', 'main.js'))
    while ((await app.records()).windows.length === 0) await new Promise((r) => setTimeout(r, 50))
  }, 120_000)
  afterAll(async () => {
    if (app && app.child.exitCode === null) app.child.kill()
    await app?.exited
  })

  async function call<K extends keyof Responses>(command: K, payload: unknown = {}): Promise<Responses[K]> {
    const r = await app.invoke<Responses[K]>(command, payload)
    if (!r.ok) throw new Error(`${command}: ${r.error.code}: ${r.error.message}`)
    return r.result as Responses[K]
  }

  it('finds the templates in the archive and the sample and the workers unpacked, and trains', async () => {
    const info = await call('app.info')
    expect(info.sample.datasetDir).toBe(join(resources, 'app.asar.unpacked', 'resources', 'sample-dataset', 'shapes'))
    const template = (await call('templates.list')).find((t) => t.id === info.sample.templateId)
    expect(template).toBeDefined()
    const { runId } = await call('runs.start', { model: template!.model, datasetDir: info.sample.datasetDir, settings: { ...info.sample.settings, epochs: 2 } })
    const end = await app.waitForEvent((e) => e.type === 'status' && e.runId === runId && !['queued', 'running'].includes(e.status))
    expect(end, JSON.stringify(end)).toMatchObject({ status: 'completed' })
  }, 300_000)
})
