// One constructor per layer type of the spec's table.
import type { NodeInfo } from '../../graph/types.ts'
import type { BuildContext, Layer } from '../layer.ts'
import { batchnorm } from './batchnorm.ts'
import { conv2d, globalPool, pool2d } from './conv.ts'
import { dense, flatten } from './dense.ts'
import { activation, add, concat, dropout, softmax } from './elementwise.ts'

/**
 * `reluNext`: the layer feeds a ReLU, so it is initialised for one (He rather than Glorot).
 * `fuseRelu`: that ReLU is its only consumer and is folded into this layer's epilogue.
 * `reluInPool`: in a conv -> ReLU -> max-pool chain, the ReLU's backward runs in the pool's backward
 * (set on both the conv, which then skips it, and the pool, which then does it).
 */
export function buildLayer(info: NodeInfo, ctx: BuildContext, reluNext: boolean, fuseRelu = false, reluInPool = false): Layer {
  switch (info.type) {
    case 'conv2d': return conv2d(info, ctx, reluNext, fuseRelu, reluInPool)
    case 'maxpool2d':
    case 'avgpool2d': return pool2d(info, ctx, reluInPool)
    case 'globalavgpool':
    case 'globalmaxpool': return globalPool(info, ctx)
    case 'flatten': return flatten(info, ctx)
    case 'dense': return dense(info, ctx, reluNext, fuseRelu)
    case 'relu':
    case 'leakyrelu':
    case 'sigmoid':
    case 'tanh': return activation(info, ctx)
    case 'dropout': return dropout(info, ctx)
    case 'batchnorm': return batchnorm(info, ctx)
    case 'add': return add(info, ctx)
    case 'concat': return concat(info, ctx)
    case 'softmax': return softmax(info, ctx)
    default: throw new Error(`the engine has no layer '${info.type}' (node ${info.id})`)
  }
}
export type { SoftmaxLayer } from './elementwise.ts'
export { fusedRelu } from './elementwise.ts'
