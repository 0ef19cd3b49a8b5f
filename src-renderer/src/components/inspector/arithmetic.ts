// The arithmetic of one node written out with its own numbers, as the lecture writes it: output size,
// parameters, MACs and receptive field. Pure, so it is tested without a page.
import { fmtInt, fmtNum, sizeFormula, type GraphAnalysis, type NodeInfo } from '../../../../src-engine/core/graph/index.ts'

/** `formula` is the rule as the lecture writes it, `numbers` the same with this node's numbers (may be absent). */
export interface Line { label: string; formula: string; numbers?: string; note?: string }

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1)

function outputSize(n: NodeInfo): Line[] {
  const w = n.window
  const x = n.inputShapes[0]
  if (!w || !x || x.length !== 3) return []
  const [H, W] = x
  const rows = { n: H, a: w.padTop, b: w.padBottom, f: w.kh, s: w.sh, out: w.outH, lost: w.droppedRows }
  const cols = { n: W, a: w.padLeft, b: w.padRight, f: w.kw, s: w.sw, out: w.outW, lost: w.droppedCols }
  const same = rows.n === cols.n && rows.a === cols.a && rows.b === cols.b && rows.f === cols.f && rows.s === cols.s
  const one = (axis: typeof rows, label: string): Line => {
    const exact = (axis.n + axis.a + axis.b - axis.f) / axis.s + 1
    const formula = '(N + 2P - F) / S + 1'
    const numbers = `= ${sizeFormula(axis.n, axis.a, axis.b, axis.f, axis.s)}`
    const notes: string[] = []
    if (axis.a !== axis.b) notes.push(`'same' pads ${axis.a} before and ${axis.b} after (the extra pixel at the bottom/right)`)
    if (!Number.isInteger(exact) && axis.out >= 1) notes.push(`not whole: rounds down to ${axis.out}, so the last ${axis.lost} ${axis.lost === 1 ? 'row/column is' : 'rows/columns are'} never seen`)
    return { label, formula, numbers, note: notes.join('; ') || undefined }
  }
  return same ? [one(rows, 'Output size')] : [one(rows, 'Output height'), one(cols, 'Output width')]
}

function params(n: NodeInfo): Line[] {
  const x = n.inputShapes[0]
  const out = n.outputShape
  if (!x || !out) return []
  const a = n.attrs
  if (n.type === 'conv2d') {
    const [kh, kw] = a.kernel as [number, number]
    const cin = x[2], cout = a.filters as number
    const k = kh === kw ? `F*F` : `Fh*Fw`
    const kn = kh === kw ? `${kh}*${kh}` : `${kh}*${kw}`
    return [
      { label: 'Parameters', formula: a.bias ? `${k}*Cin*Cout + Cout` : `${k}*Cin*Cout`, numbers: a.bias ? `= ${kn}*${cin}*${cout} + ${cout} = ${fmtInt(n.params)}` : `= ${kn}*${cin}*${cout} = ${fmtInt(n.params)}`, note: `each of the ${cout} filters is ${kh}x${kw}x${cin} and is shared across every position` },
      { label: 'MACs', formula: `Ho*Wo*Cout*${k}*Cin`, numbers: `= ${out[0]}*${out[1]}*${cout}*${kn}*${cin} = ${fmtInt(n.macs)}`, note: 'multiply-accumulates per image, forward' },
    ]
  }
  if (n.type === 'dense') {
    const u = a.units as number
    return [
      { label: 'Parameters', formula: a.bias ? 'in*units + units' : 'in*units', numbers: a.bias ? `= ${x[0]}*${u} + ${u} = ${fmtInt(n.params)}` : `= ${x[0]}*${u} = ${fmtInt(n.params)}` },
      { label: 'MACs', formula: 'in*units', numbers: `= ${x[0]}*${u} = ${fmtInt(n.macs)}` },
    ]
  }
  if (n.type === 'batchnorm') {
    const c = x[x.length - 1]
    return [{ label: 'Parameters', formula: '2*C (scale and shift per channel)', numbers: `= 2*${c} = ${fmtInt(n.trainableParams)}`, note: `plus 2*C = ${fmtInt(n.nonTrainableParams)} running statistics, kept but not trained` }]
  }
  if (n.type === 'flatten' && x.length === 3) return [{ label: 'Output size', formula: 'H*W*C', numbers: `= ${x[0]}*${x[1]}*${x[2]} = ${fmtInt(prod(x))}` }]
  if ((n.type === 'globalavgpool' || n.type === 'globalmaxpool') && x.length === 3) {
    return [{ label: 'Output size', formula: `${x[0]}x${x[1]}x${x[2]} -> ${x[2]}`, note: `each channel's ${fmtInt(x[0] * x[1])} values become one (${n.type === 'globalavgpool' ? 'their mean' : 'their maximum'}); no weights` }]
  }
  return []
}

/** r_out = r_in + (k - 1) * j_in, with the jump j_in recovered from the input's field and this node's. */
function receptive(n: NodeInfo, a: GraphAnalysis): Line[] {
  if (n.type === 'input') return [{ label: 'Receptive field', formula: '1x1', note: 'each input value is one pixel' }]
  if (!n.receptiveFieldHW) return []
  const [rh, rw] = n.receptiveFieldHW
  const field = rh === rw ? `${rh}x${rh}` : `${rh}x${rw}`
  const prev = n.inputs.length === 1 ? a.byId.get(n.inputs[0])?.receptiveFieldHW : null
  const w = n.window
  if (w && prev && w.kh > 1) {
    const j = (rh - prev[0]) / (w.kh - 1)
    return [{ label: 'Receptive field', formula: 'r = r_in + (k - 1) * j_in', numbers: `= ${prev[0]} + (${w.kh} - 1) * ${fmtNum(j)} = ${rh}`, note: `each output value sees a ${field} patch of the input image` }]
  }
  return [{ label: 'Receptive field', formula: field, note: n.type === 'dense' || n.type.startsWith('global') ? 'the whole image reaches every output' : 'input pixels behind each output value' }]
}

export function arithmetic(n: NodeInfo, a: GraphAnalysis): Line[] {
  const lines = [...outputSize(n), ...params(n), ...receptive(n, a)]
  if (n.outputShape) lines.unshift({ label: 'Output', formula: n.outputShape.join('x'), note: `${fmtInt(prod(n.outputShape))} values per image` })
  return lines
}
