// The reference kernels against numbers worked out by hand from the definitions.
import { describe, expect, it } from 'vitest'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { windowGeometry } from '../../../src-engine/core/graph/index.ts'
import type { WindowDims } from '../../../src-engine/core/kernels/types.ts'

const k = referenceKernels('float64')
const dims = (n: number, h: number, w: number, cin: number, cout: number, kernel: number, stride: number, padding: 'valid' | 'same' | number): WindowDims =>
  ({ ...windowGeometry(h, w, kernel, stride, padding), n, inH: h, inW: w, cin, cout })
const f64 = (xs: number[]) => Float64Array.from(xs)

describe('the lecture\'s worked convolution', () => {
  // The 5x5 binary image and the 3x3 "X" kernel: each output is the sum of the image under the kernel's ones.
  const image = [
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 1, 1, 0],
    [0, 1, 1, 0, 0],
  ]
  const kernel = [[1, 0, 1], [0, 1, 0], [1, 0, 1]]

  it('gives [[4,3,4],[2,4,3],[2,3,4]]', () => {
    const d = dims(1, 5, 5, 1, 1, 3, 1, 'valid')
    const y = new Float64Array(9)
    k.conv2dForward(d, f64(image.flat()), f64(kernel.flat()), null, y, false)
    expect(Array.from(y)).toEqual([4, 3, 4, 2, 4, 3, 2, 3, 4])
  })

  it('weight sharing: each dL/dw[a][b] is the sum over output positions of input times upstream gradient', () => {
    const d = dims(1, 5, 5, 1, 1, 3, 1, 'valid')
    const dy = f64([1, 2, 3, 4, 5, 6, 7, 8, 9]) // an arbitrary upstream gradient, one per output position
    const dw = new Float64Array(9), db = new Float64Array(1)
    k.conv2dBackwardFilter(d, f64(image.flat()), dy, dw, db)
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let sum = 0
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += image[i + a][j + b] * dy[i * 3 + j]
        expect(dw[a * 3 + b]).toBe(sum)
      }
    }
    // w[0][0] by hand: 1*1 + 1*2 + 1*3 + 0*4 + 1*5 + 1*6 + 0*7 + 0*8 + 1*9 = 26
    expect(dw[0]).toBe(26)
    expect(db[0]).toBe(45) // the bias is shared by all 9 positions
  })

  it('input gradient: each pixel collects w * dy from every window that covered it', () => {
    const d = dims(1, 5, 5, 1, 1, 3, 1, 'valid')
    const dx = new Float64Array(25)
    k.conv2dBackwardInput(d, f64(new Array(9).fill(1)), f64(kernel.flat()), dx)
    // The centre pixel (2, 2) is covered by all 9 windows, once by each kernel cell: the kernel's sum, 5.
    expect(dx[12]).toBe(5)
    // The corner (0, 0) only by the first window's top-left cell.
    expect(dx[0]).toBe(1)
  })
})

describe('channels, bias, padding and stride', () => {
  it('sums over input channels and adds the bias; "same" pads with zeros', () => {
    // 2x2 image, 2 channels, one 3x3 filter of ones on channel 0 and twos on channel 1, bias 0.5.
    const x = f64([1, 10, 2, 20, 3, 30, 4, 40]) // NHWC: pixel (0,0) = [1, 10], ...
    const w = new Float64Array(9 * 2)
    for (let p = 0; p < 9; p++) { w[p * 2] = 1; w[p * 2 + 1] = 2 }
    const y = new Float64Array(4)
    k.conv2dForward(dims(1, 2, 2, 2, 1, 3, 1, 'same'), x, w, f64([0.5]), y, false)
    // every window covers all 4 pixels: (1+2+3+4) + 2*(10+20+30+40) + 0.5
    expect(Array.from(y)).toEqual([210.5, 210.5, 210.5, 210.5])
  })

  it('stride 2 skips positions; fused ReLU clamps negatives', () => {
    const x = f64([1, -2, 3, -4, 5, -6, 7, -8, 9]) // 3x3, 1 channel
    const y = new Float64Array(4)
    k.conv2dForward(dims(1, 3, 3, 1, 1, 1, 2, 'valid'), x, f64([-1]), null, y, true)
    // 1x1 filter -1 at (0,0), (0,2), (2,0), (2,2): -1, -3, -7, -9, all clamped to 0
    expect(Array.from(y)).toEqual([0, 0, 0, 0])
    k.conv2dForward(dims(1, 3, 3, 1, 1, 1, 2, 'valid'), x, f64([1]), null, y, false)
    expect(Array.from(y)).toEqual([1, 3, 7, 9])
  })
})

describe('pooling', () => {
  const x = f64([
    1, 5, 2, 0,
    3, 4, 8, 1,
    0, 2, 6, 7,
    9, 1, 3, 2,
  ])
  it('max pool 2x2 keeps each window\'s maximum and where it was', () => {
    const y = new Float64Array(4), at = new Int32Array(4)
    k.maxPoolForward(dims(1, 4, 4, 1, 1, 2, 2, 'valid'), x, y, at)
    expect(Array.from(y)).toEqual([5, 8, 9, 7])
    expect(Array.from(at)).toEqual([1, 6, 12, 11])
    const dx = new Float64Array(16)
    k.maxPoolBackward(dims(1, 4, 4, 1, 1, 2, 2, 'valid'), f64([1, 2, 3, 4]), at, dx)
    expect(Array.from(dx)).toEqual([0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 3, 0, 0, 0])
  })

  it('average pool averages in-bounds pixels only', () => {
    const y = new Float64Array(4)
    k.avgPoolForward(dims(1, 4, 4, 1, 1, 2, 2, 'valid'), x, y)
    expect(Array.from(y)).toEqual([13 / 4, 11 / 4, 12 / 4, 18 / 4])
    // 3x3 window, stride 2, padding 1 on a 4x4: the top-left window sees only pixels (0..1, 0..1)
    const y2 = new Float64Array(4)
    k.avgPoolForward(dims(1, 4, 4, 1, 1, 3, 2, 1), x, y2)
    expect(y2[0]).toBe((1 + 5 + 3 + 4) / 4)
  })
})

describe('gemm', () => {
  it('multiplies with and without transposes, and accumulates', () => {
    const a = f64([1, 2, 3, 4, 5, 6]) // [2, 3]
    const b = f64([7, 8, 9, 10, 11, 12]) // [3, 2]
    const c = new Float64Array(4)
    k.gemm(false, false, 2, 2, 3, a, b, c, false)
    expect(Array.from(c)).toEqual([58, 64, 139, 154])
    k.gemm(false, false, 2, 2, 3, a, b, c, true)
    expect(Array.from(c)).toEqual([116, 128, 278, 308])
    const at = f64([1, 4, 2, 5, 3, 6]) // a stored [3, 2]
    const bt = f64([7, 9, 11, 8, 10, 12]) // b stored [2, 3]
    k.gemm(true, true, 2, 2, 3, at, bt, c, false)
    expect(Array.from(c)).toEqual([58, 64, 139, 154])
  })
})
