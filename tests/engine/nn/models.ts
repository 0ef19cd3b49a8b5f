// Models several engine tests share.
import { chainModel, type L } from '../../helpers/graphs.ts'

/**
 * A conv (c1) that feeds a ReLU and a dead-end branch (side, side2: they reach no output). The network
 * computes only what leads to the output, so c1's one needed consumer is the ReLU, which it fuses.
 */
export const deadEnd = () => chainModel([16, 16, 3], [
  ['c1', 'conv2d', { filters: 8, kernel: 3, padding: 'same' }], ['r1', 'relu'], ['p', 'maxpool2d', { size: 2 }],
  ['c2', 'conv2d', { filters: 8, kernel: 3 }], ['gap', 'globalavgpool'], ['fc', 'dense', { units: 3 }], ['out', 'softmax'],
  ['side', 'conv2d', { filters: 4, kernel: 1 }], ['side2', 'relu'],
], [], [
  ['in', 'c1'], ['c1', 'r1'], ['r1', 'p'], ['p', 'c2'], ['c2', 'gap'], ['gap', 'fc'], ['fc', 'out'],
  ['c1', 'side'], ['side', 'side2'],
])

const head: L[] = [['gap', 'globalavgpool'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']]
const flatHead: L[] = [['flat', 'flatten'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']]
const conv = (id: string, attrs: Record<string, unknown>): L => [id, 'conv2d', { filters: 3, kernel: 3, ...attrs }]

/**
 * One small model per layer and window case (strides 1-3, padding valid/number/same, odd sizes): the
 * finite-difference checks (nn/gradients.test.ts) and the GPU backend's (engine/gpu) run on these.
 */
export const gradientCases: [string, [number, number, number], L[]][] = [
  ['conv2d valid, odd size', [7, 5, 3], [conv('c', {}), ...head]],
  ['conv2d stride 2, asymmetric same padding', [8, 7, 3], [conv('c', { stride: 2, padding: 'same' }), ...flatHead]],
  ['conv2d stride 3, 5x5 kernel, no bias', [11, 11, 1], [conv('c', { kernel: 5, stride: 3, bias: false }), ...head]],
  ['conv2d [h, w] kernel, stride and padding', [6, 9, 3], [conv('c', { kernel: [3, 2], stride: [1, 2], padding: [1, 0] }), ...flatHead]],
  ['two convs (input gradient of a conv)', [6, 6, 3], [conv('c1', { padding: 'same' }), conv('c2', { stride: 2 }), ...head]],
  ['maxpool2d with overlapping windows', [7, 7, 1], [conv('c', { padding: 1 }), ['p', 'maxpool2d', { size: 3, stride: 2 }], ...head]],
  ['conv, relu, 2x2 max-pool (the pool does the relu backward)', [6, 6, 3], [conv('c', { padding: 1, filters: 4 }), ['r', 'relu'], ['p', 'maxpool2d', { size: 2 }], ...head]],
  ['maxpool2d same padding', [5, 5, 3], [conv('c', { padding: 1 }), ['p', 'maxpool2d', { size: 2, padding: 'same' }], ...head]],
  ['avgpool2d with padding (excluded from the mean)', [6, 6, 3], [conv('c', { padding: 1 }), ['p', 'avgpool2d', { size: 3, stride: 2, padding: 1 }], ...flatHead]],
  ['maxpool2d padding half the window: edge windows hold one pixel', [5, 5, 3], [conv('c', { padding: 1 }), ['p', 'maxpool2d', { size: 2, padding: 1 }], ...flatHead]],
  ['avgpool2d [2, 3] window, padding [1, 1], stride 3', [7, 8, 2], [conv('c', { padding: 1 }), ['p', 'avgpool2d', { size: [2, 3], stride: 3, padding: [1, 1] }], ...flatHead]],
  ['an input of 6 channels (a feature map) into a 1x1 bottleneck', [4, 4, 6], [conv('b', { kernel: 1, filters: 2 }), conv('c', { padding: 'same' }), ...head]],
  ['globalmaxpool', [5, 5, 3], [conv('c', {}), ['g', 'globalmaxpool'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']]],
  ['relu, leakyrelu, sigmoid, tanh', [6, 6, 1], [conv('c', { padding: 1 }), ['r', 'relu'], conv('c2', { padding: 1 }), ['lr', 'leakyrelu', { alpha: 0.1 }], conv('c3', {}), ['s', 'sigmoid'], ['f', 'flatten'], ['d', 'dense', { units: 4 }], ['t', 'tanh'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']]],
  ['batchnorm on a feature map and on a vector, relu after batchnorm', [5, 5, 3], [conv('c', { padding: 1 }), ['bn', 'batchnorm'], ['br', 'relu'], ['f', 'flatten'], ['d', 'dense', { units: 5 }], ['bn2', 'batchnorm'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']]],
  ['dense stack on a flattened input', [3, 4, 1], [['f', 'flatten'], ['d1', 'dense', { units: 6 }], ['r', 'relu'], ['fc', 'dense', { units: 3 }], ['out', 'softmax']]],
]

/** A residual add and a concat, with fan-out gradients summed: a feeds r and sum, sum feeds side and cat. */
export const branches = () => chainModel([6, 6, 3], [
  conv('a', { padding: 'same' }), ['r', 'relu'], conv('b', { padding: 'same' }), ['sum', 'add'],
  conv('side', { kernel: 1 }), ['cat', 'concat'], ...head,
], [], [
  ['in', 'a'], ['a', 'r'], ['r', 'b'], ['b', 'sum'], ['a', 'sum'], // skip: a feeds r and sum
  ['sum', 'side'], ['sum', 'cat'], ['side', 'cat'], // sum feeds side and cat
  ['cat', 'gap'], ['gap', 'fc'], ['fc', 'out'],
])
