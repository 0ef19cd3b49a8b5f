import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import { WORKER_ENTRIES } from './src-engine/node/app-files.ts'

const here = (file: string) => resolve(import.meta.dirname, file)

// electron-vite looks for src/main, src/preload, src/renderer by default: our folders are named for their
// layer (ARCHITECTURE.md), so every entry is explicit.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // The main process with the host and the engine in one bundle, and each worker thread's entry beside
      // it (src-engine/node/app-files.ts finds them). better-sqlite3, sharp and the other dependencies stay
      // external: electron-vite externalizes package.json's dependencies.
      rolldownOptions: {
        input: { main: here('src-main/shell/main.ts'), ...Object.fromEntries(Object.entries(WORKER_ENTRIES).map(([name, src]) => [name, here(`${src}.ts`)])) },
        output: {
          // main.js is what package.json's "main" names. Everything else is .mjs, an ES module wherever it
          // lies: in a packaged app the workers run from app.asar.unpacked, where no package.json says
          // "type": "module". Chunks stay flat in out/main, so every bundled module sits two folders below
          // the app's root, as app-files.ts expects.
          entryFileNames: (chunk) => (chunk.name === 'main' ? '[name].js' : '[name].mjs'),
          chunkFileNames: '[name]-[hash].mjs',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot be an ES module.
      rolldownOptions: {
        input: { preload: here('src-main/shell/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: { index: here('src-renderer/index.html') } },
    },
  },
})
