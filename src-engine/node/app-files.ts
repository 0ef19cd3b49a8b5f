// Where the studio's own files are at run time: the worker-thread entries, the compiled kernels
// (build/wasm), the templates and the sample dataset (resources/), package.json. There are three layouts:
// - the sources (the CLI, `serve`, the tests): this module is src-engine/node/app-files.ts and the worker
//   entries are the TypeScript files beside their pools;
// - the build (`npm run build`): electron.vite.config.ts bundles this module into a file of out/main/
//   (it keeps every chunk there, flat) and each worker entry into out/main/NAME.mjs;
// - the packaged app: the same files inside resources/app.asar, with those that worker threads, native
//   code or the user must open from disk unpacked beside it in app.asar.unpacked (electron-builder.yml).
// The app's root (package.json, resources/, build/wasm/) is two folders above this module in the first two
// and the asar's root in the third, so one rule serves all three.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const FROM_SOURCES = import.meta.url.endsWith('.ts')
const ROOT = new URL('../../', import.meta.url)

/**
 * The worker-thread and child-process entries: a name in out/main and the TypeScript source it is built
 * from, without its `.ts` so that no built file names a source (electron.vite.config.ts reads this table).
 */
export const WORKER_ENTRIES = {
  'trainer-worker': 'src-engine/node/trainer/worker',
  'scan-worker': 'src-engine/node/dataset/scan-worker',
  'insight-worker': 'src-engine/node/insight/worker',
  'onnx-child': 'src-engine/node/onnx/child',
} as const
export type WorkerName = keyof typeof WORKER_ENTRIES

const ASAR = /([\\/])app\.asar([\\/])/

/**
 * The absolute path of a file or folder that ships with the app, given relative to the app's root
 * (`resources/templates/`). In a packaged app, the copy unpacked from the asar when there is one: the
 * archive's files can be read through Electron's fs, but not by worker threads, native code or the user.
 */
export function appFile(relative: string): string {
  const path = fileURLToPath(new URL(relative, ROOT))
  if (!ASAR.test(path)) return path
  const unpacked = path.replace(ASAR, '$1app.asar.unpacked$2')
  return existsSync(unpacked) ? unpacked : path
}

/**
 * How to start a child process from an entry of the table: its file, and node's arguments for it (the
 * TypeScript sources need type stripping where this Node does not do it by itself, Node 22.12-22.17).
 */
export function childEntry(name: WorkerName): { path: string; execArgv: string[] } {
  const typescript = (process.features as { typescript?: unknown }).typescript
  return { path: fileURLToPath(workerEntry(name)), execArgv: FROM_SOURCES && !typescript ? ['--experimental-strip-types', '--no-warnings'] : [] }
}

/** The file a worker thread of this name starts from: its TypeScript source, or its bundled entry. */
export function workerEntry(name: WorkerName): URL {
  return pathToFileURL(appFile(FROM_SOURCES ? `${WORKER_ENTRIES[name]}.ts` : `out/main/${name}.mjs`))
}
