// What the ONNX import maps, as data: each ONNX operator (default domain) and the studio layer it becomes
// (null: no layer of its own, it is folded into a neighbour or passes through), with the conditions the
// converter checks. An operator not in this table refuses the whole file, naming every node that uses one.
export interface OpRule {
  layer: string | null
  note: string
}

export const ONNX_OPS: Readonly<Record<string, OpRule>> = {
  Conv: { layer: 'conv2d', note: 'group 1, dilation 1; OIHW weights to [kh, kw, Cin, Cout]; pads symmetric per axis, or the "same" split' },
  MaxPool: { layer: 'maxpool2d', note: 'ceil_mode 0 (or where it changes nothing), dilation 1; pads as for Conv' },
  AveragePool: { layer: 'avgpool2d', note: 'padding not counted (count_include_pad 0, or no padding); pads as for Conv' },
  GlobalAveragePool: { layer: 'globalavgpool', note: '[N, C, 1, 1]: a Flatten or Reshape after it folds away' },
  GlobalMaxPool: { layer: 'globalmaxpool', note: 'as GlobalAveragePool' },
  Gemm: { layer: 'dense', note: 'transA 0; B a constant [K, N] (transB 0) or [N, K] (transB 1); alpha and beta folded into the weights' },
  MatMul: { layer: 'dense', note: 'by a constant [K, N]; an Add of a constant [N] right after it becomes the bias' },
  Relu: { layer: 'relu', note: '' },
  LeakyRelu: { layer: 'leakyrelu', note: 'alpha (default 0.01)' },
  Sigmoid: { layer: 'sigmoid', note: '' },
  Tanh: { layer: 'tanh', note: '' },
  BatchNormalization: { layer: 'batchnorm', note: 'inference form: scale, bias, running mean and variance as constants' },
  Dropout: { layer: 'dropout', note: 'ratio from the attribute (opset < 12) or the constant input (default 0.5)' },
  Add: { layer: 'add', note: 'of two layers of one shape (a residual); of a constant only as a MatMul bias' },
  Sum: { layer: 'add', note: 'of two or more layers (the studio export writes Sum for three or more)' },
  Concat: { layer: 'concat', note: 'over the channels' },
  Flatten: { layer: 'flatten', note: 'axis 1; the NCHW order becomes the dense weights\' row order' },
  Reshape: { layer: 'flatten', note: 'to 2D only: [N, -1], [0, -1] or [N, C*H*W] from a constant shape' },
  Softmax: { layer: 'softmax', note: 'over the classes (axis 1 or -1 of [N, classes])' },
  Transpose: { layer: null, note: 'NHWC<->NCHW only (perm [0, 3, 1, 2] after an NHWC input, [0, 2, 3, 1] before a flatten)' },
  Pad: { layer: null, note: 'of zeros only (PyTorch writes one before an AveragePool): passes through' },
  Identity: { layer: null, note: 'passes through' },
  Constant: { layer: null, note: 'a constant argument (a Reshape shape, a Dropout ratio)' },
}

export const supportedOps = (): string[] => Object.keys(ONNX_OPS)
