// A training worker: one copy of the network in shared memory, forward/backward on its share of each batch,
// then its slice of the step's shared part: the gradient summed over every worker, the optimizer, and the new
// weights written into every copy. No thread does the whole parameter vector, so the serial part of a step
// does not grow with the worker count (each worker touches its 1/n of the weights in n blocks).
import { parentPort } from 'node:worker_threads'
import { analyzeForTraining } from '../../core/graph/index.ts'
import { referenceKernels } from '../../core/kernels/reference.ts'
import type { FloatArray, Kernels } from '../../core/kernels/types.ts'
import { Network } from '../../core/nn/network.ts'
import { deriveSeed } from '../../core/nn/rng.ts'
import { createOptimizer, type Optimizer } from '../../core/train/optimizer.ts'
import { firstNonFiniteIndex } from '../../core/train/weights.ts'
import { sliceOf, type Batch, type BatchesMessage, type Command, type InitMessage, type PeersMessage, type ReadyMessage, type Reply, type Share } from './protocol.ts'
import { createFastKernels } from '../wasm-kernels.ts'
import type { WasmKernels } from '../../core/kernels/wasm.ts'
import { SLOTS, timeLayers, weightTimedKernels } from './profile.ts'

const port = parentPort!
let net: Network
let labels: Int32Array
let predictions: Int32Array
/** Profiling only: per-layer milliseconds, then this worker's whole-step total (see profile.ts). */
let timings: Float64Array | null = null
let index = 0
let lo = 0, hi = 0
/** This worker's slice of the non-trainable state (batchnorm running statistics) to average over the workers. */
let slo = 0, shi = 0
let optimizer: Optimizer
/** This worker's slice of the summed gradient, in its kernels' memory (the optimizer reads it there). */
let gradSlice: FloatArray
/** A peer's gradient slice, copied into this worker's memory to be added in SIMD (fast kernels only). */
let peerSlice: Float32Array
/** The fast kernels' SIMD helpers, or null with the reference kernels. */
let fast: WasmKernels | null = null
const firstNonFinite = (a: FloatArray) => (fast ? fast.firstNonFinite(a as Float32Array) : firstNonFiniteIndex(a))
let peers: PeersMessage
let batches: Batch[]

function reply(r: Reply): void {
  port.postMessage(r)
}

/**
 * Waits until every worker has arrived (sync: arrivals, generation, abort). The last to arrive opens it. A
 * worker thread that dies sets the abort flag (pool.ts), so the others do not wait for it forever.
 */
function barrier(): void {
  const s = peers.sync
  const gen = Atomics.load(s, 1)
  if (Atomics.add(s, 0, 1) === peers.grads.length - 1) {
    Atomics.store(s, 0, 0)
    Atomics.add(s, 1, 1)
    Atomics.notify(s, 1)
    return
  }
  while (Atomics.load(s, 1) === gen) {
    if (Atomics.load(s, 2)) throw new Error('another training worker stopped during the step')
    Atomics.wait(s, 1, gen, 100)
  }
}

/**
 * gradSlice = the sum over the first `used` workers of their gradients in [lo, hi), in worker order element by
 * element (the same sums, bit for bit, as one thread adding block by block); returns 0 when every sum is finite
 * and NaN when one is not (read back after the store: a float32 sum can overflow where a double would not).
 * The fast kernels add in SIMD, each peer's slice first copied into this worker's memory.
 */
function reduceSlice(used: number): number {
  const g = peers.grads
  gradSlice.set(g[0].subarray(lo, hi))
  for (let k = 1; k < used; k++) {
    if (fast) {
      peerSlice.set(g[k].subarray(lo, hi))
      fast.addInto(gradSlice as Float32Array, peerSlice)
    } else {
      const b = g[k]
      for (let i = 0; i < gradSlice.length; i++) gradSlice[i] += b[lo + i]
    }
  }
  return firstNonFinite(gradSlice) < 0 ? 0 : NaN
}

/**
 * The running statistics each worker updated on its own images become their mean over the first `used`
 * workers, in every copy: this worker does [slo, shi), reading every peer's and writing every peer's, in
 * float32 as a Float32Array sum would round (the same figures as when the coordinator did the whole block).
 */
function averageState(used: number): void {
  const st = peers.states
  for (let i = slo; i < shi; i++) {
    let m = 0
    for (let k = 0; k < used; k++) m = Math.fround(m + Math.fround(st[k][i] / used))
    for (const s of st) s[i] = m
  }
}

/** Copies this worker's share of the batch into its network's input and labels; returns the ms it took. */
function copyIn(s: Share): number {
  const t = performance.now()
  const b = batches[s.buf], size = net.inputSize
  net.input.set(b.x.subarray(s.start * size, (s.start + s.n) * size))
  labels.set(b.y.subarray(s.start, s.start + s.n))
  return performance.now() - t
}

function trainStep(msg: Extract<Command, { type: 'train' }>): void {
  const inputMs = copyIn(msg)
  const t = timings ? performance.now() : 0
  let r = { lossSum: 0, correct: 0 }
  let failure: string | null = null
  try {
    if (msg.n > 0) {
      net.forward(msg.n, true, true) // outputs only: a conv and its pool may run as one pass
      r = net.backward(labels, msg.n, msg.scale, true) // gradients only: a first conv may take its own from its pool's
    }
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e)
  }
  if (timings) timings[timings.length - 1] += performance.now() - t
  // The shared part: every gradient is complete once all have arrived.
  barrier()
  const t0 = performance.now()
  peers.checks[index] = failure ? NaN : reduceSlice(msg.used)
  averageState(msg.used)
  barrier()
  const t1 = performance.now()
  let finite = true
  for (let k = 0; k < peers.checks.length; k++) finite &&= Number.isFinite(peers.checks[k])
  let bad = -1
  let t2 = t1
  if (finite && hi > lo) {
    const own = net.paramBlock.subarray(lo, hi)
    optimizer.setStep(msg.t)
    optimizer.step(own, gradSlice, msg.lr)
    bad = firstNonFinite(own)
    t2 = performance.now()
    for (const p of peers.params) if (p !== net.paramBlock) p.set(own, lo)
  }
  // Every copy holds the new weights before any worker answers: the coordinator posts the next step before
  // this one ends, so a worker may start it at once, and it must not read a peer's slice half written.
  barrier()
  const t3 = performance.now()
  if (failure) reply({ type: 'error', message: failure })
  else reply({ type: 'done', lossSum: r.lossSum, correct: r.correct, check: peers.checks[index], bad, reduceMs: t1 - t0, optimizerMs: t2 - t1, copyMs: t3 - t2, inputMs })
}

port.on('message', (msg: InitMessage | PeersMessage | BatchesMessage | Command) => {
  try {
    if (msg.type === 'init') {
      const base: Kernels<FloatArray> = msg.kernels === 'fast' && msg.wasm ? createFastKernels(msg.wasm) : referenceKernels('float32')
      const weightSink = new Float64Array(1)
      const kernels = msg.profile ? weightTimedKernels(base, weightSink) : base
      net = new Network(analyzeForTraining(msg.model), kernels, msg.maxShard, msg.seed)
      if (msg.profile) {
        timings = new Float64Array(new SharedArrayBuffer((net.layers.length * SLOTS + 1) * 8))
        timeLayers(net, timings, weightSink)
      }
      net.rng.reset(deriveSeed(msg.seed, 1000 + msg.workerIndex))
      labels = kernels.allocIndex(msg.maxShard)
      predictions = kernels.allocIndex(msg.maxShard)
      index = msg.workerIndex
      const size = net.paramBlock.length
      ;[lo, hi] = sliceOf(size, msg.workers, msg.workerIndex)
      ;[slo, shi] = sliceOf(net.stateBlock.length, msg.workers, msg.workerIndex)
      const decay = new Uint8Array(size)
      for (const p of net.layout()) if (p.decay) decay.fill(1, p.offset, p.offset + p.size)
      // The optimizer's state over this slice lives in this worker's shared memory: the coordinator reads it
      // into a checkpoint and writes a loaded one back, between steps.
      const mask = decay.slice(lo, hi)
      optimizer = 'createOptimizer' in base
        ? (base as ReturnType<typeof createFastKernels>).createOptimizer(hi - lo, mask, msg.optimizer)
        : createOptimizer(hi - lo, mask, msg.optimizer, (n) => base.alloc(n))
      gradSlice = base.alloc(Math.max(1, hi - lo)).subarray(0, hi - lo)
      if ('addInto' in base) {
        fast = base as WasmKernels
        peerSlice = fast.alloc(Math.max(1, hi - lo)).subarray(0, hi - lo)
      }
      const ready: ReadyMessage = {
        type: 'ready', kernelName: kernels.name, input: net.input, labels, predictions,
        paramBlock: net.paramBlock, gradBlock: net.gradBlock, stateBlock: net.stateBlock,
        layout: net.layout(), stateNames: net.stateNames, inputSize: net.inputSize, classes: net.classes,
        timings, layers: net.layers.map((l) => ({ id: l.info.id, type: l.info.type, macs: l.info.macs })),
        slice: [lo, hi], optimizerBuffers: optimizer.buffers(),
      }
      port.postMessage(ready)
      return
    }
    if (msg.type === 'peers') {
      peers = msg
      return
    }
    if (msg.type === 'batches') {
      batches = msg.batches
      return
    }
    if (msg.type === 'train') {
      trainStep(msg)
      return
    }
    if (msg.type === 'eval') {
      copyIn(msg)
      net.forward(msg.n, false, true)
      const r = net.evaluate(labels, msg.n, predictions)
      // A copy: the next batch's command may already be waiting, and it writes the same predictions.
      reply({ type: 'done', lossSum: r.lossSum, correct: r.correct, predictions: predictions.slice(0, msg.n) })
    }
  } catch (e) {
    reply({ type: 'error', message: e instanceof Error ? e.message : String(e) })
  }
})
