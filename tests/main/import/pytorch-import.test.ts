// A small CNN exported by Debian's PyTorch (torch.onnx.export, opsets 13 and 17) imports through the real
// command: PyTorch's parameter count (its running statistics as the non-trainable ones), and with the
// imported weights the engine gives PyTorch's probabilities, so the same classes, on a batch of images.
// The network has what PyTorch writes for common layers: Conv with pads, BatchNormalization (kept with
// TrainingMode.PRESERVE, not folded into the conv; its momentum read as the studio's), MaxPool, the zero Pad before AveragePool, a residual
// Add, Flatten of an NCHW map into Linear (Gemm, transB 1) and no softmax at the end.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeGraph, parseModelFile } from '../../../src-engine/core/graph/index.ts'
import { createInferenceNet, inferProbabilities } from '../../../src-engine/core/insight/infer.ts'
import { referenceKernels } from '../../../src-engine/core/kernels/reference.ts'
import { cli } from '../../helpers/cli.ts'

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0)
const why = 'no python3 with torch here (apt-get install python3-torch; .ci/run installs it)'

const SCRIPT = `
import sys, json, torch, torch.nn as nn
torch.manual_seed(0)
class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(3, 8, 5, padding=2); s.bn = nn.BatchNorm2d(8, momentum=0.25); s.p1 = nn.MaxPool2d(2)
        s.c2 = nn.Conv2d(8, 12, 3, padding=1); s.p2 = nn.AvgPool2d(2)
        s.c3 = nn.Conv2d(12, 12, 1)
        s.fc1 = nn.Linear(12 * 4 * 4, 20); s.fc2 = nn.Linear(20, 4)
    def forward(s, x):
        x = s.p1(torch.relu(s.bn(s.c1(x))))
        x = s.p2(torch.relu(s.c2(x)))
        x = x + torch.sigmoid(s.c3(x))
        return s.fc2(torch.tanh(s.fc1(torch.flatten(x, 1))))
m = Net()
with torch.no_grad():
    m.bn.weight.uniform_(0.5, 1.5); m.bn.bias.uniform_(-0.2, 0.2)
    m.bn.running_mean.uniform_(-0.2, 0.2); m.bn.running_var.uniform_(0.5, 1.5)
m.eval()
x = torch.randn(8, 3, 16, 16)
with torch.no_grad():
    m.fc2.weight.mul_(20); m.fc2.bias.sub_(m(x).mean(0))  # classes that differ from image to image
torch.onnx.export(m, torch.randn(1, 3, 16, 16), 'net.onnx', opset_version=int(sys.argv[1]), input_names=['x'], output_names=['logits'],
                  dynamic_axes={'x': {0: 'N'}, 'logits': {0: 'N'}}, training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
with torch.no_grad():
    p = torch.softmax(m(x), 1)
x.permute(0, 2, 3, 1).contiguous().numpy().tofile('x.bin')  # the studio's images are NHWC
p.numpy().tofile('probs.bin')
print(json.dumps({'params': sum(t.numel() for t in m.parameters()), 'buffers': sum(b.numel() for n, b in m.named_buffers() if 'num_batches' not in n)}))
`

const floats = (f: string) => {
  const b = readFileSync(f)
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)
}
const argmax = (p: Float32Array, k: number) => Array.from({ length: p.length / k }, (_, i) => p.subarray(i * k, (i + 1) * k).indexOf(Math.max(...p.subarray(i * k, (i + 1) * k))))

describe.skipIf(!python)(`a PyTorch CNN through cnn-studio import (${python ?? why})`, () => {
  it.each([13, 17])('opset %i: PyTorch\'s parameter count and classes', (opset) => {
    const dir = mkdtempSync(join(tmpdir(), 'cnn-import-pt-'))
    writeFileSync(join(dir, 'mk.py'), SCRIPT)
    const py = spawnSync(python!, ['mk.py', String(opset)], { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } })
    expect(py.status, py.stderr).toBe(0)
    const torchCounts = JSON.parse(py.stdout.trim().split('\n').at(-1)!)

    const r = cli(['import', join(dir, 'net.onnx'), '--out', join(dir, 'net.cnn.json'), '--weights', join(dir, 'net.weights'), '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.warnings).toEqual([expect.stringMatching(/ends in dense fc2, without a softmax: one was added/)])
    expect(j.ops).toMatchObject({ Conv: 3, BatchNormalization: 1, Gemm: 2, Flatten: 1 })

    const model = parseModelFile(readFileSync(join(dir, 'net.cnn.json'), 'utf8'))
    // PyTorch's momentum 0.25 (the batch's weight) is ONNX's 0.75, the old statistic's weight: the studio's too.
    expect(model.nodes.find((n) => n.type === 'batchnorm')!.attrs).toMatchObject({ momentum: 0.75 })
    const t = analyzeGraph(model, { forTraining: true }).totals
    expect(t.trainableParams).toBe(torchCounts.params)
    expect(t.nonTrainableParams).toBe(torchCounts.buffers)

    const net = createInferenceNet(model, referenceKernels('float32'), readFileSync(join(dir, 'net.weights')), 8)
    const x = floats(join(dir, 'x.bin'))
    const ours = inferProbabilities(net, x, 8)
    const theirs = floats(join(dir, 'probs.bin'))
    expect(ours.length).toBe(theirs.length)
    let max = 0
    for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i] - theirs[i]))
    console.log(`pytorch opset ${opset}: ${t.trainableParams} params, classes ${argmax(theirs, 4).join('')}, max |dp| ${max.toExponential(2)}`)
    expect(argmax(ours, 4)).toEqual(argmax(theirs, 4))
    expect(new Set(argmax(theirs, 4)).size).toBeGreaterThan(1)
    expect(max).toBeLessThan(1e-5)
  }, 300_000)
})
