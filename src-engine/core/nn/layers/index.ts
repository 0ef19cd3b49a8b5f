// One constructor per layer type of the spec's table.
import type { BuildContext, Layer } from '../layer.ts'
import type { NodePlan } from '../plan.ts'
import { batchnorm } from './batchnorm.ts'
import { conv2d, globalPool, pool2d } from './conv.ts'
import { dense, flatten } from './dense.ts'
import { activation, add, concat, dropout, softmax } from './elementwise.ts'

/**
 * The layer of one planned node. From its plan: `reluNext` (the layer feeds ReLUs, so it is initialised
 * for one), `fusesRelu` (its only consumer, a ReLU, is folded into its epilogue) and, in a conv -> ReLU ->
 * max-pool chain, that the ReLU's backward runs in the pool's (the conv then skips it, the pool does it).
 */
export function buildLayer(plan: NodePlan, ctx: BuildContext): Layer {
  const { node: info, reluNext, fusesRelu: fuseRelu } = plan
  const reluInPool = plan.maskingPool !== null || plan.masksReluOf !== null
  switch (info.type) {
    case 'conv2d': return conv2d(info, ctx, reluNext, fuseRelu, reluInPool, plan.onePassPool !== null, plan.onePassGap !== null)
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
