// Our engine beside the PyTorch reference in one sitting (shared/bench/README.md), interleaved
// (ours, theirs, ours, theirs, ...) so both see the same machine, then the ratios and their spread.
// `node scripts/bench-vs-torch.mjs [rounds] [--base DIR] [--cpu] [--net smallcnn|photo]`: DIR, another checkout's
// root, adds its figures to each round (before/after). `--cpu`: one thread each, in CPU time (scripts/bench-cpu.ts,
// which runs DIR's engine with `--root`, and scripts/pytorch_smallcnn_cpu.py or `pytorch_photo.py 1 nhwc cpu`),
// steadier when other processes share the machine. `--net photo`: the photo-sized net (96x96x3) against its twin
// scripts/pytorch_photo.py (2 threads, wall time; or with --cpu as above). Figures, not pass/fail.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { V8_FLAGS } from '../bin/node-flags.mjs'

const args = process.argv.slice(2)
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 3)
const baseAt = args.indexOf('--base')
const base = baseAt >= 0 ? args[baseAt + 1] : null
const cpu = args.includes('--cpu')
const netAt = args.indexOf('--net')
const net = netAt >= 0 ? args[netAt + 1] : 'smallcnn'
if (!['smallcnn', 'photo'].includes(net)) throw new Error(`--net is smallcnn or photo, not ${net}`)
const root = fileURLToPath(new URL('..', import.meta.url))
const reference = fileURLToPath(new URL('../../shared/bench/pytorch_smallcnn.py', import.meta.url))
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const malloc = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '17179869184', MALLOC_TOP_PAD_: '268435456' }

function ours(dir) {
  if (cpu) {
    const r = spawnSync(process.execPath, [...V8_FLAGS, `${root}/scripts/bench-cpu.ts`, '--net', net, '--root', dir], { encoding: 'utf8', timeout: 600_000 })
    if (r.status !== 0) throw new Error(`bench-cpu failed in ${dir}: ${r.stderr}`)
    const m = /train img\/CPU-s med=(\d+).*infer med=(\d+)/.exec(r.stdout)
    return { train: Number(m[1]), infer: Number(m[2]), rows: null }
  }
  // Only SmallCNN: a checkout from before --net (a --base) measures it without the flag, but then both nets.
  const r = spawnSync(process.execPath, [...V8_FLAGS, `${dir}/bin/cnn-studio.mjs`, 'bench', '--json', ...(net === 'smallcnn' && dir !== root ? [] : ['--net', net])], { encoding: 'utf8', timeout: 900_000 })
  if (r.status !== 0) throw new Error(`cnn-studio bench failed in ${dir}: ${r.stderr}`)
  const j = JSON.parse(r.stdout)
  return { train: j.trainImagesPerSecond, infer: j.inferImagesPerSecond, rows: j.rows }
}
function torch() {
  const photo = fileURLToPath(new URL('./pytorch_photo.py', import.meta.url))
  const [script, ...rest] = cpu
    ? net === 'photo' ? [photo, '1', 'nhwc', 'cpu'] : [fileURLToPath(new URL('./pytorch_smallcnn_cpu.py', import.meta.url))]
    : [net === 'photo' ? photo : reference, '2', 'nhwc']
  const r = spawnSync(python, [script, ...rest], { encoding: 'utf8', env: { ...process.env, ...malloc }, timeout: 600_000 })
  if (r.status !== 0) throw new Error(`the PyTorch reference failed: ${r.stderr}`)
  const m = cpu ? /train img\/CPU-s med=(\d+).*infer med=(\d+)/.exec(r.stdout) : /train img\/s med=(\d+).*infer img\/s med=(\d+)/.exec(r.stdout)
  return { train: Number(m[1]), infer: Number(m[2]) }
}

const load = () => loadavg().map((v) => v.toFixed(1)).join(' ')
const rows = []
for (let i = 0; i < rounds; i++) {
  const row = { loadBefore: load() }
  row.ours = ours(root)
  row.torch = torch()
  if (base) row.base = ours(base)
  row.loadAfter = load()
  rows.push(row)
  const b = row.base ? `, base ${row.base.train} / ${row.base.infer}` : ''
  const what = cpu ? 'img/CPU-s (train / infer, 1 thread)' : `img/s (train / infer, 2 workers; 1 worker ${Math.round(row.ours.rows[0].trainImagesPerSecond)} / ${Math.round(row.ours.rows[0].inferImagesPerSecond)})`
  console.log(`${net === 'photo' ? 'Photo-96 ' : ''}round ${i + 1} (load ${row.loadBefore} -> ${row.loadAfter}): ours ${row.ours.train} / ${row.ours.infer} ${what}, PyTorch ${row.torch.train} / ${row.torch.infer}${b}; ratio ${(row.ours.train / row.torch.train).toFixed(2)} / ${(row.ours.infer / row.torch.infer).toFixed(2)}`)
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const span = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`
for (const k of ['train', 'infer']) {
  const r = rows.map((x) => x.ours[k] / x.torch[k])
  let line = `${k}: ours/PyTorch median ${med(r).toFixed(2)} (rounds ${span(r)})`
  if (base) {
    const g = rows.map((x) => x.ours[k] / x.base[k])
    line += `; ours/base median ${med(g).toFixed(2)} (rounds ${span(g)}); base/PyTorch ${med(rows.map((x) => x.base[k] / x.torch[k])).toFixed(2)}`
  }
  console.log(line)
}
