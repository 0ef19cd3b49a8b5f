import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import { V8_FLAGS } from './bin/node-flags.mjs'

// Tests mirror the layers (CONVENTIONS.md 10). Engine tests are pure and fast; main tests use a real
// SQLite file and real images; e2e drives Debian's Chromium against `cnn-studio serve`. Engine and main run
// our WebAssembly in worker threads, so their test processes start with the V8 flags (bin/node-flags.mjs).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'engine', include: ['tests/engine/**/*.test.ts'], environment: 'node', testTimeout: 120_000, execArgv: V8_FLAGS } },
      { test: { name: 'main', include: ['tests/main/**/*.test.ts'], environment: 'node', testTimeout: 120_000, execArgv: V8_FLAGS } },
      { plugins: [vue()], test: { name: 'renderer', include: ['tests/renderer/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      { test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
    ],
  },
})
