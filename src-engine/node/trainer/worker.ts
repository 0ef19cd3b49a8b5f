// A training worker: one copy of the network in shared memory, forward/backward on its share of each batch.
import { parentPort } from 'node:worker_threads'
import { analyzeForTraining } from '../../core/graph/index.ts'
import { referenceKernels } from '../../core/kernels/reference.ts'
import type { FloatArray, Kernels } from '../../core/kernels/types.ts'
import { Network } from '../../core/nn/network.ts'
import { deriveSeed } from '../../core/nn/rng.ts'
import type { Command, InitMessage, ReadyMessage, Reply } from './protocol.ts'
import { createFastKernels } from '../wasm-kernels.ts'
import { SLOTS, timeLayers, weightTimedKernels } from './profile.ts'

const port = parentPort!
let net: Network
let labels: Int32Array
let predictions: Int32Array
/** Profiling only: per-layer milliseconds, then this worker's whole-step total (see profile.ts). */
let timings: Float64Array | null = null

function reply(r: Reply): void {
  port.postMessage(r)
}

port.on('message', (msg: InitMessage | Command) => {
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
      const ready: ReadyMessage = {
        type: 'ready', kernelName: kernels.name, input: net.input, labels, predictions,
        paramBlock: net.paramBlock, gradBlock: net.gradBlock, stateBlock: net.stateBlock,
        layout: net.layout(), stateNames: net.stateNames, inputSize: net.inputSize, classes: net.classes,
        timings, layers: net.layers.map((l) => ({ id: l.info.id, type: l.info.type, macs: l.info.macs })),
      }
      port.postMessage(ready)
      return
    }
    if (msg.type === 'train') {
      const t = timings ? performance.now() : 0
      net.forward(msg.n, true)
      const r = net.backward(labels, msg.n, msg.scale)
      if (timings) timings[timings.length - 1] += performance.now() - t
      reply({ type: 'done', lossSum: r.lossSum, correct: r.correct })
      return
    }
    if (msg.type === 'eval') {
      net.forward(msg.n, false, true)
      const r = net.evaluate(labels, msg.n, predictions)
      reply({ type: 'done', lossSum: r.lossSum, correct: r.correct })
    }
  } catch (e) {
    reply({ type: 'error', message: e instanceof Error ? e.message : String(e) })
  }
})
