// Compiles the AssemblyScript kernels (src-engine/wasm) to build/wasm/*.wasm, offline, at `npm install`
// and `npm run build`. The binaries are build output and never committed.
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import asc from 'assemblyscript/asc'

const src = 'src-engine/wasm'
const out = 'build/wasm'
mkdirSync(out, { recursive: true })
const entries = existsSync(src) ? readdirSync(src).filter((f) => f.endsWith('.entry.ts')) : []
// Two builds of each entry: with relaxed SIMD (fused multiply-add where the CPU has it) and with plain
// 128-bit SIMD for runtimes without it; the loader picks by WebAssembly.validate.
const variants = [
  { suffix: 'relaxed', flags: ['--enable', 'relaxed-simd'] },
  { suffix: 'simd', flags: [] },
]
for (const entry of entries) {
  const name = entry.replace(/\.entry\.ts$/, '')
  for (const v of variants) {
    const target = `${out}/${name}-${v.suffix}.wasm`
    const { error, stderr } = await asc.main([
      `${src}/${entry}`, '--outFile', target,
      '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--enable', 'threads', ...v.flags,
      '--importMemory', '--sharedMemory', '--initialMemory', '16', '--maximumMemory', '32768',
    ])
    if (error) {
      console.error(stderr.toString())
      console.error(`build-wasm: ${entry} (${v.suffix}) did not compile: ${error.message}`)
      process.exit(1)
    }
    console.log(`build-wasm: ${target}`)
  }
}
