// Compiles the AssemblyScript kernels (src-engine/wasm) to build/wasm/*.wasm, offline, at `npm install`
// and `npm run build`. The binaries are build output and never committed.
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import asc from 'assemblyscript/asc'

const src = 'src-engine/wasm'
const out = 'build/wasm'
mkdirSync(out, { recursive: true })
const entries = existsSync(src) ? readdirSync(src).filter((f) => f.endsWith('.entry.ts')) : []
for (const entry of entries) {
  const name = entry.replace(/\.entry\.ts$/, '')
  const { error, stderr } = await asc.main([
    `${src}/${entry}`, '--outFile', `${out}/${name}.wasm`, '--textFile', `${out}/${name}.wat`,
    '-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--enable', 'relaxed-simd', '--enable', 'threads',
    '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
  ])
  if (error) {
    console.error(stderr.toString())
    console.error(`build-wasm: ${entry} did not compile: ${error.message}`)
    process.exit(1)
  }
  console.log(`build-wasm: ${out}/${name}.wasm`)
}
