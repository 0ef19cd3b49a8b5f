// Feature maps, filters and Grad-CAM on 2-layer nets whose every number is worked out by hand here.
//
// The image x (3x3, one channel)      conv c1: 2x2, two filters, valid, then ReLU
//   1 2 0                               f0 = [1 0; 0 1] (bias 0): x[i][j] + x[i+1][j+1]
//   0 1 3                               f1 = [0 1; 1 0] (bias -1): x[i][j+1] + x[i+1][j] - 1
//   2 0 1
// A0 = [2 5; 0 2], A1 = [1 0; 2 2] (all >= 0, so the ReLU changes nothing).
import { describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { encodeWeights } from '../../../src-engine/core/train/weights.ts'
import { createInferenceNet, featureMaps, filterImage, firstConvFilters, gradCam, classificationReport, infer, inferProbabilities, topK, toInput } from '../../../src-engine/core/insight/index.ts'
import { chainModel } from '../../helpers/graphs.ts'

const x = Float32Array.from([1, 2, 0, 0, 1, 3, 2, 0, 1])
// conv weights [kh, kw, Cin, Cout]: index ((a * 2 + b) * 1 + 0) * 2 + f
const convW = Float32Array.from([1, 0, /* a0 b1 */ 0, 1, /* a1 b0 */ 0, 1, /* a1 b1 */ 1, 0])
const convB = Float32Array.from([0, -1])
// dense [in, units]: W[0] = [1, -1], W[1] = [0.5, 2]
const denseW = Float32Array.from([1, -1, 0.5, 2])
const denseB = Float32Array.from([0, 0])

const gapNet = () => createInferenceNet(
  chainModel([3, 3, 1], [['c1', 'conv2d', { filters: 2, kernel: 2 }], ['r1', 'relu'], ['g', 'globalavgpool'], ['d', 'dense', { units: 2 }], ['s', 'softmax']]),
  referenceKernels('float64'),
  encodeWeights([{ name: 'c1.weight', data: convW }, { name: 'c1.bias', data: convB }, { name: 'd.weight', data: denseW }, { name: 'd.bias', data: denseB }]),
  4,
)

describe('Grad-CAM', () => {
  it('explains the predicted class: alpha_k = W[k][c] / 4 through the global average pool', () => {
    // GAP: 9/4 and 5/4; logits z0 = 2.25 + 0.625 = 2.875, z1 = -2.25 + 2.5 = 0.25: class 0 wins.
    const g = gradCam(gapNet(), x)
    expect(g.classIndex).toBe(0)
    expect(g.layerId).toBe('c1')
    expect(g.probabilities[0]).toBeCloseTo(1 / (1 + Math.exp(0.25 - 2.875)), 6)
    expect(Array.from(g.weights)).toEqual([0.25, 0.125])
    // relu(0.25 A0 + 0.125 A1)
    expect(Array.from(g.cam)).toEqual([0.625, 1.25, 0.25, 0.75])
    expect(g.camShape).toEqual([2, 2])
    // Upsampled 2x2 -> 3x3 with half-pixel centres: the middle row/column is the mean, the edges clamp;
    // then divided by the maximum 1.25.
    const expected = [0.625, 0.9375, 1.25, 0.4375, 0.71875, 1, 0.25, 0.5, 0.75].map((v) => v / 1.25)
    g.heatmap.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6))
  })

  it('explains a chosen class, where negative evidence is cut by the ReLU', () => {
    // class 1: alpha = [-0.25, 0.5]; -0.25 A0 + 0.5 A1 = [0 -1.25; 1 0.5] -> [0 0; 1 0.5]
    const g = gradCam(gapNet(), x, { classIndex: 1 })
    expect(Array.from(g.weights)).toEqual([-0.25, 0.5])
    expect(Array.from(g.cam)).toEqual([0, 0, 1, 0.5])
    expect(Array.from(g.heatmap.subarray(6))).toEqual([1, 0.75, 0.5])
    expect(() => gradCam(gapNet(), x, { classIndex: 2 })).toThrow(/out of range/)
  })

  it('passes through a batchnorm in eval mode as the affine map it is', () => {
    // conv -> bn -> gap -> dense: d z_c / d A_k = W[k][c] * gamma_k / sqrt(var_k + eps) / 4 everywhere.
    const model = chainModel([3, 3, 1], [['c1', 'conv2d', { filters: 2, kernel: 2 }], ['bn', 'batchnorm', { epsilon: 0 }], ['g', 'globalavgpool'], ['d', 'dense', { units: 2 }], ['s', 'softmax']])
    const m = createInferenceNet(model, referenceKernels('float64'), encodeWeights([
      { name: 'c1.weight', data: convW }, { name: 'c1.bias', data: convB },
      { name: 'bn.gamma', data: Float32Array.from([2, 3]) }, { name: 'bn.beta', data: Float32Array.from([0.5, -1]) },
      { name: 'd.weight', data: denseW }, { name: 'd.bias', data: denseB },
      { name: 'bn.running_mean', data: Float32Array.from([1, 1]) }, { name: 'bn.running_var', data: Float32Array.from([4, 0.25]) },
    ]), 2)
    const g = gradCam(m, x, { classIndex: 0 })
    // alpha0 = 1 * 2 / 2 / 4 = 0.25, alpha1 = 0.5 * 3 / 0.5 / 4 = 0.75
    expect(g.weights[0]).toBeCloseTo(0.25, 9)
    expect(g.weights[1]).toBeCloseTo(0.75, 9)
    // cam on the raw conv output: relu(0.25 A0 + 0.75 A1) = [1.25 1.25; 1.5 2]
    expect(Array.from(g.cam)).toEqual([1.25, 1.25, 1.5, 2])
  })
})

describe('feature maps and filters', () => {
  const poolNet = () => createInferenceNet(
    chainModel([3, 3, 1], [['c1', 'conv2d', { filters: 2, kernel: 2 }], ['r1', 'relu'], ['p1', 'maxpool2d', { size: 2, stride: 1 }], ['f', 'flatten'], ['d', 'dense', { units: 2 }], ['s', 'softmax']]),
    referenceKernels('float32'),
    encodeWeights([{ name: 'c1.weight', data: convW }, { name: 'c1.bias', data: convB }, { name: 'd.weight', data: denseW }, { name: 'd.bias', data: denseB }]),
  )

  it('gives every conv and pool output for one image, HWC', () => {
    const maps = featureMaps(poolNet(), x)
    expect(maps.map((m) => [m.nodeId, m.type, m.shape, m.rectified])).toEqual([['c1', 'conv2d', [2, 2, 2], true], ['p1', 'maxpool2d', [1, 1, 2], false]])
    // pixels (0,0) (0,1) (1,0) (1,1), channels A0 A1 interleaved
    expect(Array.from(maps[0].data)).toEqual([2, 1, 5, 0, 0, 2, 2, 2])
    expect(Array.from(maps[1].data)).toEqual([5, 2])
  })

  it('rectifies a negative response in the conv map (the fused ReLU)', () => {
    const neg = Float32Array.from(x, (v) => -v)
    const maps = featureMaps(poolNet(), neg)
    expect(Array.from(maps[0].data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
  })

  it('gives the first conv filters in [kh, kw, Cin, Cout], one image per filter', () => {
    const f = firstConvFilters(poolNet())!
    expect(f.nodeId).toBe('c1')
    expect(f.shape).toEqual([2, 2, 1, 2])
    expect(Array.from(filterImage(f, 0))).toEqual([1, 0, 0, 1])
    expect(Array.from(filterImage(f, 1))).toEqual([0, 1, 1, 0])
  })

  it('infers a batch larger than the compiled batch, image by image the same as alone', () => {
    const m = poolNet()
    const batch = new Float32Array(9 * 5)
    for (let i = 0; i < 5; i++) batch.set(x.map((v) => v * (i - 2)), i * 9)
    const all = inferProbabilities(m, batch, 5)
    for (let i = 0; i < 5; i++) {
      const one = inferProbabilities(m, batch.subarray(i * 9, i * 9 + 9), 1)
      expect(Array.from(all.subarray(i * 2, i * 2 + 2))).toEqual(Array.from(one))
    }
    // image 3 is x itself: after the pool [5, 2], z0 = 5 + 1 = 6, z1 = -5 + 4 = -1
    expect(all[6]).toBeCloseTo(1 / (1 + Math.exp(-7)), 6)
    expect(topK(all.subarray(6, 8), 1)).toEqual([{ index: 0, probability: all[6] }])
  })

  it('gives the loss from the logits, exact where the probability underflows to 0', () => {
    const m = poolNet()
    // image 3 of the batch above scaled by 40: z0 - z1 grows past 104, so p1 is 0 in float32
    const far = x.map((v) => v * 40)
    const { probs, lossSum } = infer(m, far, 1, Int32Array.from([1]))
    expect(probs[1]).toBe(0)
    const { lossSum: near } = infer(m, x, 1, Int32Array.from([1]))
    expect(near).toBeCloseTo(7 + Math.log1p(Math.exp(-7)), 5) // z0 = 6, z1 = -1
    expect(lossSum!).toBeGreaterThan(200) // not the 69 of a probability clamped at 1e-30
    const r = classificationReport(probs, Int32Array.from([1]), ['a', 'b'], { lossSum: lossSum! })
    expect(r.loss).toBe(lossSum)
    expect(classificationReport(probs, Int32Array.from([1]), ['a', 'b']).loss).toBeCloseTo(-Math.log(1e-30), 6)
  })
})

describe('classification report', () => {
  it('counts the confusion matrix, precision, recall, F1 and top-k by hand', () => {
    // 3 classes, 5 images: true labels and probabilities
    const labels = Int32Array.from([0, 0, 1, 2, 2])
    const probs = Float32Array.from([
      0.7, 0.2, 0.1, // 0 -> 0
      0.2, 0.5, 0.3, // 0 -> 1 (true class ranked 3rd)
      0.1, 0.8, 0.1, // 1 -> 1
      0.3, 0.3, 0.4, // 2 -> 2
      0.5, 0.1, 0.4, // 2 -> 0 (true class 2nd)
    ])
    const r = classificationReport(probs, labels, ['a', 'b', 'c'])
    expect(r.confusion).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    expect(r.normalized).toEqual([[0.5, 0.5, 0], [0, 1, 0], [0.5, 0, 0.5]])
    expect(r.accuracy).toBe(3 / 5)
    // a: tp 1, predicted 2, support 2 -> P 0.5 R 0.5 F1 0.5; b: P 1/2, R 1, F1 2/3; c: P 1, R 1/2, F1 2/3
    expect(r.perClass.map((p) => [p.precision, p.recall, p.support])).toEqual([[0.5, 0.5, 2], [0.5, 1, 1], [1, 0.5, 2]])
    expect(r.perClass[1].f1).toBeCloseTo(2 / 3, 12)
    expect(r.topK).toEqual([{ k: 1, accuracy: 0.6 }, { k: 3, accuracy: 1 }])
    const r2 = classificationReport(probs, labels, ['a', 'b', 'c'], { ks: [2] })
    expect(r2.topK).toEqual([{ k: 2, accuracy: 0.8 }])
    expect(r.loss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.2) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 5, 6)
  })

  it('a model that predicts one class for every image: the classes it never predicts have F1 0, macro F1 1/6 (issue 21)', () => {
    // 3 balanced classes, 2 images each, every one predicted 'a': a has P 1/3, R 1, F1 1/2; b and c R 0, F1 0.
    const labels = Int32Array.from([0, 0, 1, 1, 2, 2])
    const probs = Float32Array.from(Array.from({ length: 6 }, () => [0.8, 0.1, 0.1]).flat())
    const r = classificationReport(probs, labels, ['a', 'b', 'c'])
    expect(r.perClass.map((p) => [p.precision, p.recall, p.f1])).toEqual([[1 / 3, 1, 0.5], [null, 0, 0], [null, 0, 0]])
    expect(r.macroF1).toBeCloseTo(1 / 6, 12)
  })

  it('F1 as scikit-learn counts it: a class only ever predicted wrongly is 0, one neither present nor predicted is left out', () => {
    // true a, a, b; predicted a, c, b: c has no images but one prediction (P 0, F1 0); d is nowhere (F1 null).
    const labels = Int32Array.from([0, 0, 1])
    const probs = Float32Array.from([0.7, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7, 0.1, 0.1, 0.7, 0.1, 0.1])
    const r = classificationReport(probs, labels, ['a', 'b', 'c', 'd'])
    expect(r.perClass.map((p) => [p.precision, p.recall, p.f1, p.support])).toEqual([[1, 0.5, 2 / 3, 2], [1, 1, 1, 1], [0, null, 0, 0], [null, null, null, 0]])
    // sklearn: f1_score([0, 0, 1], [0, 2, 1], average='macro') = (2/3 + 1 + 0) / 3
    expect(r.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12)
  })

  it('preprocesses bytes as the training batches do', () => {
    const out = toInput(Uint8Array.from([0, 255, 51, 102]), { channels: 2, mean: [0.5, 0], std: [0.5, 2] })
    expect(Array.from(out)).toEqual([-1, 0.5, Math.fround(-0.6), Math.fround(0.2)])
  })
})
