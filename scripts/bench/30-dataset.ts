// Dataset speed: first import of 10,000 28x28 PNGs (all cores), the cached re-open, and the batch
// iterator's images/s on 32x32x3 with flip+shift augmentation.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBatchSource, loadDataset } from '../../src-engine/node/dataset/index.ts'
import { writeMnistFolder } from '../../tests/fixtures/mnist.ts'

const root = mkdtempSync(join(tmpdir(), 'cnn-bench-digits-'))
const cacheDir = mkdtempSync(join(tmpdir(), 'cnn-bench-cache-'))
let t = performance.now()
for (let part = 0; part < 10; part++) await writeMnistFolder(root, 100, part * 100) // 10 classes x 1,000 digits
console.log(`wrote 10,000 PNGs in ${((performance.now() - t) / 1000).toFixed(1)} s (setup, not timed below)`)
const target = { height: 28, width: 28, channels: 1 as const }
t = performance.now()
const first = await loadDataset(root, target, { cacheDir })
const importS = (performance.now() - t) / 1000
t = performance.now()
const again = await loadDataset(root, target, { cacheDir })
const reopenS = (performance.now() - t) / 1000
console.log(`first import of ${first.set.count.toLocaleString('en-US')} 28x28 PNGs: ${importS.toFixed(2)} s (target < 10 s); cached re-open: ${reopenS.toFixed(2)} s (target < 1 s; decoded ${again.decoded})`)

const n = 5000
const set = { count: n, height: 32, width: 32, channels: 3, classes: ['a', 'b'], labels: new Int32Array(n), pixels: new Uint8Array(n * 32 * 32 * 3).map((_, i) => i % 251) }
const src = createBatchSource(set, { shuffle: true, augment: 'flip+shift', seed: 1 })
const x = new Float32Array(64 * 32 * 32 * 3), y = new Int32Array(64)
const rates: number[] = []
for (let e = 0; e < 6; e++) {
  src.startEpoch(e)
  t = performance.now()
  while (src.nextBatch(x, y, 64) > 0);
  rates.push(n / ((performance.now() - t) / 1000))
}
rates.sort((a, b) => a - b)
console.log(`batch iterator, 32x32x3, flip+shift, batch 64: median ${Math.round(rates[3]).toLocaleString('en-US')} img/s (target >= 20,000)`)
rmSync(root, { recursive: true, force: true })
rmSync(cacheDir, { recursive: true, force: true })
