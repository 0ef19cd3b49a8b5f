// Models several engine tests share.
import { chainModel } from '../../helpers/graphs.ts'

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
