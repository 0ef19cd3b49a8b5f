// The GPU backend's compute kernels, in WGSL: one entry point `main` per kernel, written like the reference
// kernels (core/kernels/reference.ts) from the definitions, one invocation per number written. Every kernel
// that computes an input gradient GATHERS it (each dx element sums what flows into it), so there are no
// atomics, and "write or add" (the plan's `accumulate`) is one uniform flag. Tensors are NHWC and the
// parameters live in ONE buffer (as Network.paramBlock): a layer finds its weights at a uniform offset.
// Uniforms are all u32 (floats passed as their bits, bitcast here): one packing rule, in ops.ts.

/** "No bias" in a bias-offset field. */
export const NONE = 0xffffffff

// A flat index over a 2-D dispatch (dispatches over 65535 workgroups are split into rows; ops.ts).
const INDEX = /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = gid.x + gid.y * nw.x * 64u;
  if (i >= u.total) { return; }`

/** The sliding-window problem of conv2d and the pools (WindowDims), with two offsets and two flags. */
const WINDOW = /* wgsl */ `
struct U { total: u32, n: u32, inH: u32, inW: u32, cin: u32, cout: u32, kh: u32, kw: u32, sh: u32, sw: u32,
  padTop: u32, padLeft: u32, outH: u32, outW: u32, off0: u32, off1: u32, flag0: u32, flag1: u32 }
@group(0) @binding(0) var<uniform> u: U;`

/** The windows (output rows, or columns) that read input row t - pad... : oi in [lo, hi], with a = t - oi * s. */
const RANGE = /* wgsl */ `
fn lowWin(t: u32, k: u32, s: u32) -> u32 { if (t + 1u <= k) { return 0u; } return (t - k + s) / s; }
fn highWin(t: u32, s: u32, outN: u32) -> i32 { return min(i32(t / s), i32(outN) - 1); }`

const conv2dForward = /* wgsl */ `${WINDOW}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${INDEX}
  let co = i % u.cout; var r = i / u.cout;
  let oj = r % u.outW; r = r / u.outW;
  let oi = r % u.outH; let b = r / u.outH;
  var s = 0.0;
  if (u.off1 != ${NONE}u) { s = p[u.off1 + co]; }
  for (var a = 0u; a < u.kh; a++) {
    let yy = i32(oi * u.sh + a) - i32(u.padTop);
    if (yy < 0 || yy >= i32(u.inH)) { continue; }
    for (var bb = 0u; bb < u.kw; bb++) {
      let xx = i32(oj * u.sw + bb) - i32(u.padLeft);
      if (xx < 0 || xx >= i32(u.inW)) { continue; }
      let xb = ((b * u.inH + u32(yy)) * u.inW + u32(xx)) * u.cin;
      let wb = u.off0 + (a * u.kw + bb) * u.cin * u.cout + co;
      for (var ci = 0u; ci < u.cin; ci++) { s += x[xb + ci] * p[wb + ci * u.cout]; }
    }
  }
  if (u.flag0 == 1u && s < 0.0) { s = 0.0; }
  y[i] = s;
}`

/** dx[b, yy, xx, ci] = sum over the windows that read it of dy * w; flag1: add to dx. */
const conv2dBackwardInput = /* wgsl */ `${WINDOW}${RANGE}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${INDEX}
  let ci = i % u.cin; var r = i / u.cin;
  let xx = r % u.inW; r = r / u.inW;
  let yy = r % u.inH; let b = r / u.inH;
  let ty = yy + u.padTop; let tx = xx + u.padLeft;
  var s = 0.0;
  for (var oi = i32(lowWin(ty, u.kh, u.sh)); oi <= highWin(ty, u.sh, u.outH); oi++) {
    let a = ty - u32(oi) * u.sh;
    for (var oj = i32(lowWin(tx, u.kw, u.sw)); oj <= highWin(tx, u.sw, u.outW); oj++) {
      let bb = tx - u32(oj) * u.sw;
      let db = ((b * u.outH + u32(oi)) * u.outW + u32(oj)) * u.cout;
      let wb = u.off0 + ((a * u.kw + bb) * u.cin + ci) * u.cout;
      for (var co = 0u; co < u.cout; co++) { s += dy[db + co] * p[wb + co]; }
    }
  }
  if (u.flag1 == 1u) { s += dx[i]; }
  dx[i] = s;
}`

/** dw[a, bb, ci, co] = sum over the batch and the output positions of x * dy, written at off0 of the gradients. */
const conv2dBackwardFilter = /* wgsl */ `${WINDOW}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
${INDEX}
  let co = i % u.cout; var r = i / u.cout;
  let ci = r % u.cin; r = r / u.cin;
  let bb = r % u.kw; let a = r / u.kw;
  var s = 0.0;
  for (var b = 0u; b < u.n; b++) {
    for (var oi = 0u; oi < u.outH; oi++) {
      let yy = i32(oi * u.sh + a) - i32(u.padTop);
      if (yy < 0 || yy >= i32(u.inH)) { continue; }
      for (var oj = 0u; oj < u.outW; oj++) {
        let xx = i32(oj * u.sw + bb) - i32(u.padLeft);
        if (xx < 0 || xx >= i32(u.inW)) { continue; }
        s += x[((b * u.inH + u32(yy)) * u.inW + u32(xx)) * u.cin + ci] * dy[((b * u.outH + oi) * u.outW + oj) * u.cout + co];
      }
    }
  }
  g[u.off0 + i] = s;
}`

/** Max over the window's in-bounds pixels; argmax keeps the flat input index of the first max (as the reference). */
const maxPoolForward = /* wgsl */ `${WINDOW}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> am: array<i32>;
${INDEX}
  let c = i % u.cout; var r = i / u.cout;
  let oj = r % u.outW; r = r / u.outW;
  let oi = r % u.outH; let b = r / u.outH;
  var best = 0.0; var at = -1;
  for (var a = 0u; a < u.kh; a++) {
    let yy = i32(oi * u.sh + a) - i32(u.padTop);
    if (yy < 0 || yy >= i32(u.inH)) { continue; }
    for (var bb = 0u; bb < u.kw; bb++) {
      let xx = i32(oj * u.sw + bb) - i32(u.padLeft);
      if (xx < 0 || xx >= i32(u.inW)) { continue; }
      let k = ((b * u.inH + u32(yy)) * u.inW + u32(xx)) * u.cin + c;
      if (at < 0 || x[k] > best) { best = x[k]; at = i32(k); }
    }
  }
  y[i] = best;
  am[i] = at;
}`

/** dx gathers dy from every window whose max it was; flag1: add to dx. */
const maxPoolBackward = /* wgsl */ `${WINDOW}${RANGE}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> am: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${INDEX}
  let c = i % u.cin; var r = i / u.cin;
  let xx = r % u.inW; r = r / u.inW;
  let yy = r % u.inH; let b = r / u.inH;
  let ty = yy + u.padTop; let tx = xx + u.padLeft;
  var s = 0.0;
  for (var oi = i32(lowWin(ty, u.kh, u.sh)); oi <= highWin(ty, u.sh, u.outH); oi++) {
    for (var oj = i32(lowWin(tx, u.kw, u.sw)); oj <= highWin(tx, u.sw, u.outW); oj++) {
      let o = ((b * u.outH + u32(oi)) * u.outW + u32(oj)) * u.cout + c;
      if (am[o] == i32(i)) { s += dy[o]; }
    }
  }
  if (u.flag1 == 1u) { s += dx[i]; }
  dx[i] = s;
}`

/** In-bounds pixels of window (oi, oj): padding is not counted, as the reference (and TensorFlow) do. */
const COUNT = /* wgsl */ `
fn inCount(oi: u32, oj: u32) -> f32 {
  let y0 = max(i32(oi * u.sh) - i32(u.padTop), 0); let y1 = min(i32(oi * u.sh + u.kh) - i32(u.padTop), i32(u.inH));
  let x0 = max(i32(oj * u.sw) - i32(u.padLeft), 0); let x1 = min(i32(oj * u.sw + u.kw) - i32(u.padLeft), i32(u.inW));
  return f32((y1 - y0) * (x1 - x0));
}`

const avgPoolForward = /* wgsl */ `${WINDOW}${COUNT}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  let c = i % u.cout; var r = i / u.cout;
  let oj = r % u.outW; r = r / u.outW;
  let oi = r % u.outH; let b = r / u.outH;
  var s = 0.0;
  for (var a = 0u; a < u.kh; a++) {
    let yy = i32(oi * u.sh + a) - i32(u.padTop);
    if (yy < 0 || yy >= i32(u.inH)) { continue; }
    for (var bb = 0u; bb < u.kw; bb++) {
      let xx = i32(oj * u.sw + bb) - i32(u.padLeft);
      if (xx < 0 || xx >= i32(u.inW)) { continue; }
      s += x[((b * u.inH + u32(yy)) * u.inW + u32(xx)) * u.cin + c];
    }
  }
  y[i] = s / inCount(oi, oj);
}`

const avgPoolBackward = /* wgsl */ `${WINDOW}${RANGE}${COUNT}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${INDEX}
  let c = i % u.cin; var r = i / u.cin;
  let xx = r % u.inW; r = r / u.inW;
  let yy = r % u.inH; let b = r / u.inH;
  let ty = yy + u.padTop; let tx = xx + u.padLeft;
  var s = 0.0;
  for (var oi = i32(lowWin(ty, u.kh, u.sh)); oi <= highWin(ty, u.sh, u.outH); oi++) {
    for (var oj = i32(lowWin(tx, u.kw, u.sw)); oj <= highWin(tx, u.sw, u.outW); oj++) {
      s += dy[((b * u.outH + u32(oi)) * u.outW + u32(oj)) * u.cout + c] / inCount(u32(oi), u32(oj));
    }
  }
  if (u.flag1 == 1u) { s += dx[i]; }
  dx[i] = s;
}`

/** Dense: y [n, units] = x [n, inN] w [inN, units] + b (off1, NONE: none), then ReLU when relu. */
const DENSE = /* wgsl */ `
struct U { total: u32, n: u32, inN: u32, units: u32, wOff: u32, bOff: u32, relu: u32, acc: u32 }
@group(0) @binding(0) var<uniform> u: U;`

const denseForward = /* wgsl */ `${DENSE}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${INDEX}
  let o = i % u.units; let s = i / u.units;
  var z = 0.0;
  if (u.bOff != ${NONE}u) { z = p[u.bOff + o]; }
  for (var k = 0u; k < u.inN; k++) { z += x[s * u.inN + k] * p[u.wOff + k * u.units + o]; }
  if (u.relu == 1u && z < 0.0) { z = 0.0; }
  y[i] = z;
}`

/** dW = x^T dy, one weight per invocation. */
const denseBackwardWeights = /* wgsl */ `${DENSE}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
${INDEX}
  let o = i % u.units; let k = i / u.units;
  var z = 0.0;
  for (var s = 0u; s < u.n; s++) { z += x[s * u.inN + k] * dy[s * u.units + o]; }
  g[u.wOff + i] = z;
}`

/** dx = dy w^T; acc: add to dx. */
const denseBackwardInput = /* wgsl */ `${DENSE}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${INDEX}
  let k = i % u.inN; let s = i / u.inN;
  var z = 0.0;
  for (var o = 0u; o < u.units; o++) { z += dy[s * u.units + o] * p[u.wOff + k * u.units + o]; }
  if (u.acc == 1u) { z += dx[i]; }
  dx[i] = z;
}`

/** A bias's gradient: g[off + c] = sum over rows of dy[row, c] (conv, dense). */
const columnSum = /* wgsl */ `
struct U { total: u32, rows: u32, off: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
${INDEX}
  var z = 0.0;
  for (var r = 0u; r < u.rows; r++) { z += dy[r * u.total + i]; }
  g[u.off + i] = z;
}`

/** Number-by-number kernels: kind 0 ReLU, 1 leaky ReLU (a), 2 sigmoid, 3 tanh; dropout's rate and keep; acc. */
const POINT = /* wgsl */ `
struct U { total: u32, kind: u32, acc: u32, a: u32, seed: u32, rate: u32, keep: u32, train: u32 }
@group(0) @binding(0) var<uniform> u: U;`

const activationForward = /* wgsl */ `${POINT}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  let v = x[i];
  var z = max(v, 0.0);
  if (u.kind == 1u) { z = select(bitcast<f32>(u.a) * v, v, v > 0.0); }
  if (u.kind == 2u) { z = 1.0 / (1.0 + exp(-v)); }
  if (u.kind == 3u) { z = tanh(v); }
  y[i] = z;
}`

const activationBackward = /* wgsl */ `${POINT}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
${INDEX}
  let d = dy[i]; let o = y[i];
  var g = select(0.0, d, o > 0.0);
  if (u.kind == 1u) { g = select(bitcast<f32>(u.a) * d, d, x[i] > 0.0); }
  if (u.kind == 2u) { g = d * o * (1.0 - o); }
  if (u.kind == 3u) { g = d * (1.0 - o * o); }
  if (u.acc == 1u) { g += dx[i]; }
  dx[i] = g;
}`

/** A ReLU fused into its conv or dense: its backward, in place on that layer's dOut. */
const reluMask = /* wgsl */ `${POINT}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> dy: array<f32>;
${INDEX}
  if (!(y[i] > 0.0)) { dy[i] = 0.0; }
}`

/** dst = src (acc 0) or dst += src (acc 1): flatten, add, and dropout in evaluation. */
const copy = /* wgsl */ `${POINT}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${INDEX}
  var z = src[i];
  if (u.acc == 1u) { z += dst[i]; }
  dst[i] = z;
}`

/**
 * Inverted dropout with a counter-based generator (PCG hash of the step's seed and the index): the same
 * seed gives the same mask on any GPU, without a generator's state to keep. It is not the CPU's sequence.
 */
const dropoutForward = /* wgsl */ `${POINT}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}
${INDEX}
  let r = f32(pcg(pcg(i) ^ u.seed) >> 8u) / 16777216.0;
  let m = select(bitcast<f32>(u.keep), 0.0, r < bitcast<f32>(u.rate));
  mask[i] = m;
  y[i] = x[i] * m;
}`

const dropoutBackward = /* wgsl */ `${POINT}
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${INDEX}
  var g = dy[i] * mask[i];
  if (u.acc == 1u) { g += dx[i]; }
  dx[i] = g;
}`

/** Concat along channels: one input's C channels at `off` of the output's Cout. */
const CONCAT = /* wgsl */ `
struct U { total: u32, c: u32, cout: u32, off: u32, acc: u32 }
@group(0) @binding(0) var<uniform> u: U;`

const concatForward = /* wgsl */ `${CONCAT}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  y[(i / u.c) * u.cout + u.off + i % u.c] = x[i];
}`

const concatBackward = /* wgsl */ `${CONCAT}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${INDEX}
  var g = dy[(i / u.c) * u.cout + u.off + i % u.c];
  if (u.acc == 1u) { g += dx[i]; }
  dx[i] = g;
}`

/**
 * Batchnorm over the last axis. `stats` per layer: mean [C], invStd [C], sum dy [C], sum dy*xhat [C].
 * gOff: gamma in the parameters (beta follows, C later) and in the gradients; sOff: running mean in the
 * state (running variance follows). The reductions run one workgroup per channel.
 */
const NORM = /* wgsl */ `
struct U { total: u32, rows: u32, c: u32, gOff: u32, sOff: u32, momentum: u32, eps: u32, train: u32, acc: u32 }
@group(0) @binding(0) var<uniform> u: U;
var<workgroup> part: array<f32, 64>;
fn wgSum(l: u32, v: f32) -> f32 {
  part[l] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s = s >> 1u) {
    if (l < s) { part[l] += part[l + s]; }
    workgroupBarrier();
  }
  let total = part[0];
  workgroupBarrier();
  return total;
}`

/** Train: the batch's mean and variance (two passes), and the running statistics updated; eval: the running ones. */
const batchnormStatistics = /* wgsl */ `${NORM}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> st: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let c = wid.x;
  let eps = bitcast<f32>(u.eps);
  if (u.train == 0u) {
    if (l == 0u) { stats[c] = st[u.sOff + c]; stats[u.c + c] = 1.0 / sqrt(st[u.sOff + u.c + c] + eps); }
    return;
  }
  var s = 0.0;
  for (var r = l; r < u.rows; r += 64u) { s += x[r * u.c + c]; }
  let mean = wgSum(l, s) / f32(u.rows);
  var q = 0.0;
  for (var r = l; r < u.rows; r += 64u) { let d = x[r * u.c + c] - mean; q += d * d; }
  let variance = wgSum(l, q) / f32(u.rows);
  if (l == 0u) {
    let m = bitcast<f32>(u.momentum);
    // The running variance is the unbiased estimate, as PyTorch (and the CPU layer) keep it.
    var unbiased = variance;
    if (u.rows > 1u) { unbiased = variance * f32(u.rows) / f32(u.rows - 1u); }
    st[u.sOff + c] = m * st[u.sOff + c] + (1.0 - m) * mean;
    st[u.sOff + u.c + c] = m * st[u.sOff + u.c + c] + (1.0 - m) * unbiased;
    stats[c] = mean;
    stats[u.c + c] = 1.0 / sqrt(variance + eps);
  }
}`

const batchnormForward = /* wgsl */ `${NORM}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> p: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> xhat: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
${INDEX}
  let c = i % u.c;
  let h = (x[i] - stats[c]) * stats[u.c + c];
  xhat[i] = h;
  y[i] = p[u.gOff + c] * h + p[u.gOff + u.c + c];
}`

/** gamma's gradient sum(dy * xhat), beta's sum(dy), kept in stats for the input gradient. */
const batchnormBackwardSums = /* wgsl */ `${NORM}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> xhat: array<f32>;
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) l: u32) {
  let c = wid.x;
  var a = 0.0; var b = 0.0;
  for (var r = l; r < u.rows; r += 64u) { let k = r * u.c + c; a += dy[k]; b += dy[k] * xhat[k]; }
  let sumDy = wgSum(l, a);
  let sumDyX = wgSum(l, b);
  if (l == 0u) {
    g[u.gOff + c] = sumDyX;
    g[u.gOff + u.c + c] = sumDy;
    stats[2u * u.c + c] = sumDy;
    stats[3u * u.c + c] = sumDyX;
  }
}`

/** dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)): the batch statistics' gradients included. */
const batchnormBackwardInput = /* wgsl */ `${NORM}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> xhat: array<f32>;
@group(0) @binding(3) var<storage, read> p: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
${INDEX}
  let c = i % u.c;
  let rows = f32(u.rows);
  var g = p[u.gOff + c] * stats[u.c + c] * (dy[i] - stats[2u * u.c + c] / rows - xhat[i] * stats[3u * u.c + c] / rows);
  if (u.acc == 1u) { g += dx[i]; }
  dx[i] = g;
}`

/** Softmax per row of C (x - max, stably); its backward y * (dy - sum(dy * y)) where it is not the output. */
const SOFTMAX = /* wgsl */ `
struct U { total: u32, c: u32, acc: u32, train: u32, scale: u32 }
@group(0) @binding(0) var<uniform> u: U;`

const softmaxForward = /* wgsl */ `${SOFTMAX}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${INDEX}
  let o = i * u.c;
  var m = x[o];
  for (var c = 1u; c < u.c; c++) { m = max(m, x[o + c]); }
  var s = 0.0;
  for (var c = 0u; c < u.c; c++) { let e = exp(x[o + c] - m); y[o + c] = e; s += e; }
  for (var c = 0u; c < u.c; c++) { y[o + c] = y[o + c] / s; }
}`

const softmaxBackward = /* wgsl */ `${SOFTMAX}
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
${INDEX}
  let o = i * u.c;
  var dp = 0.0;
  for (var c = 0u; c < u.c; c++) { dp += dy[o + c] * y[o + c]; }
  for (var c = 0u; c < u.c; c++) {
    var g = y[o + c] * (dy[o + c] - dp);
    if (u.acc == 1u) { g += dx[o + c]; }
    dx[o + c] = g;
  }
}`

/**
 * Cross-entropy of each row from the logits z by log-sum-exp (exact however confident the network is
 * wrong, as Network.evaluate), whether its first largest score is the label, and in training
 * dLoss/dz = (p - onehot) * scale into dz (acc: added). rows gets [loss, correct] per row.
 */
const crossEntropy = /* wgsl */ `${SOFTMAX}
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> dz: array<f32>;
@group(0) @binding(4) var<storage, read_write> rows: array<f32>;
${INDEX}
  let o = i * u.c;
  let label = u32(labels[i]);
  var best = 0u;
  for (var c = 1u; c < u.c; c++) { if (z[o + c] > z[o + best]) { best = c; } }
  let m = z[o + best];
  var s = 0.0;
  for (var c = 0u; c < u.c; c++) { s += exp(z[o + c] - m); }
  rows[2u * i] = m + log(s) - z[o + label];
  rows[2u * i + 1u] = select(0.0, 1.0, best == label);
  if (u.train == 1u) {
    let scale = bitcast<f32>(u.scale);
    for (var c = 0u; c < u.c; c++) {
      var g = exp(z[o + c] - m) / s * scale;
      if (c == label) { g -= scale; }
      if (u.acc == 1u) { g += dz[o + c]; }
      dz[o + c] = g;
    }
  }
}`

/** The batch's [loss sum, correct] from the rows: the one thing a step reads back. */
const batchTotals = /* wgsl */ `
struct U { total: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> rows: array<f32>;
@group(0) @binding(2) var<storage, read_write> result: array<f32>;
@compute @workgroup_size(1)
fn main() {
  var loss = 0.0; var correct = 0.0;
  for (var r = 0u; r < u.total; r++) { loss += rows[2u * r]; correct += rows[2u * r + 1u]; }
  result[0] = loss;
  result[1] = correct;
}`

/** Optimizers over the whole parameter block, as core/train/optimizer.ts defines them (PyTorch's rules). */
const OPT = /* wgsl */ `
struct U { total: u32, lr: u32, mu: u32, wd: u32, nesterov: u32, b1: u32, b2: u32, eps: u32, rate: u32, inv2: u32, decoupled: u32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> decay: array<f32>;`

const sgd = /* wgsl */ `${OPT}
@group(0) @binding(4) var<storage, read_write> buf: array<f32>;
${INDEX}
  let wd = bitcast<f32>(u.wd); let mu = bitcast<f32>(u.mu);
  let gi = g[i] + wd * decay[i] * p[i];
  let b = mu * buf[i] + gi;
  buf[i] = b;
  p[i] -= bitcast<f32>(u.lr) * select(b, gi + mu * b, u.nesterov == 1u);
}`

const adam = /* wgsl */ `${OPT}
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
${INDEX}
  let wd = bitcast<f32>(u.wd) * decay[i];
  var gi = g[i];
  if (u.decoupled == 1u) { p[i] -= bitcast<f32>(u.lr) * wd * p[i]; } else { gi += wd * p[i]; }
  let b1 = bitcast<f32>(u.b1); let b2 = bitcast<f32>(u.b2);
  let mi = b1 * m[i] + (1.0 - b1) * gi;
  let vi = b2 * v[i] + (1.0 - b2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] -= bitcast<f32>(u.rate) * mi / (sqrt(vi * bitcast<f32>(u.inv2)) + bitcast<f32>(u.eps));
}`

export const WGSL = {
  conv2dForward, conv2dBackwardInput, conv2dBackwardFilter,
  maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward,
  denseForward, denseBackwardWeights, denseBackwardInput, columnSum,
  activationForward, activationBackward, reluMask, copy, dropoutForward, dropoutBackward,
  concatForward, concatBackward,
  batchnormStatistics, batchnormForward, batchnormBackwardSums, batchnormBackwardInput,
  softmaxForward, softmaxBackward, crossEntropy, batchTotals, sgd, adam,
} as const

export type KernelName = keyof typeof WGSL
