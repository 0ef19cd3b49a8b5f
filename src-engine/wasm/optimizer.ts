// The optimizers' update over a flat block of parameters, 4 numbers at a time (each training worker runs it on its
// slice of the weights once a step; in plain JavaScript Adam's square root and division cost about 10 ns a
// parameter). And the sum of the workers' gradients and the check for NaN or infinity that go with it.
// The same formulas as src-engine/core/train/optimizer.ts (PyTorch's), in float32 throughout.
// `decay` is a float mask: 1 where weight decay applies, 0 elsewhere.

/** SGD with momentum: g' = g + wd * decay * p; b = mu * b + g'; p -= lr * (nesterov ? g' + mu * b : b). */
export function sgdStep(p: usize, g: usize, buf: usize, decay: usize, n: i32, lr: f32, mu: f32, wd: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(mu), vwd = f32x4.splat(wd)
  const bytes = <usize>n * 4
  const end = bytes & ~(<usize>15)
  for (let i: usize = 0; i < end; i += 16) {
    const pi = v128.load(p + i)
    const gi = f32x4.add(v128.load(g + i), f32x4.mul(f32x4.mul(vwd, v128.load(decay + i)), pi))
    const b = f32x4.add(f32x4.mul(vmu, v128.load(buf + i)), gi)
    v128.store(buf + i, b)
    v128.store(p + i, f32x4.sub(pi, f32x4.mul(vlr, nesterov ? f32x4.add(gi, f32x4.mul(vmu, b)) : b)))
  }
  for (let i = end; i < bytes; i += 4) {
    const pi = load<f32>(p + i)
    const gi = load<f32>(g + i) + wd * load<f32>(decay + i) * pi
    const b = mu * load<f32>(buf + i) + gi
    store<f32>(buf + i, b)
    store<f32>(p + i, pi - lr * (nesterov ? gi + mu * b : b))
  }
}

/**
 * Adam (AdamW when `decoupled`): m = b1 m + (1 - b1) g', v = b2 v + (1 - b2) g'^2,
 * p -= (lr / c1) m / (sqrt(v / c2) + eps), with c1 = 1 - b1^t, c2 = 1 - b2^t. Weight decay: AdamW first
 * shrinks p by lr * wd; Adam adds wd * p to the gradient.
 */
export function adamStep(p: usize, g: usize, m: usize, v: usize, decay: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, decoupled: bool, c1: f32, c2: f32): void {
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), va1 = f32x4.splat(1 - b1), va2 = f32x4.splat(1 - b2)
  const rate = f32x4.splat(lr / c1), inv2 = f32x4.splat(1 / c2), veps = f32x4.splat(eps)
  const shrink = f32x4.splat(lr * wd), vwd = f32x4.splat(wd)
  const bytes = <usize>n * 4
  const end = bytes & ~(<usize>15)
  for (let i: usize = 0; i < end; i += 16) {
    let pi = v128.load(p + i)
    let gi = v128.load(g + i)
    const d = v128.load(decay + i)
    if (decoupled) pi = f32x4.sub(pi, f32x4.mul(f32x4.mul(shrink, d), pi))
    else gi = f32x4.add(gi, f32x4.mul(f32x4.mul(vwd, d), pi))
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(m + i)), f32x4.mul(va1, gi))
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(v + i)), f32x4.mul(va2, f32x4.mul(gi, gi)))
    v128.store(m + i, mi)
    v128.store(v + i, vi)
    v128.store(p + i, f32x4.sub(pi, f32x4.div(f32x4.mul(rate, mi), f32x4.add(f32x4.sqrt(f32x4.mul(vi, inv2)), veps))))
  }
  for (let i = end; i < bytes; i += 4) {
    let pi = load<f32>(p + i)
    let gi = load<f32>(g + i)
    const d = load<f32>(decay + i)
    if (decoupled) pi -= lr * wd * d * pi
    else gi += wd * d * pi
    const mi = b1 * load<f32>(m + i) + (1 - b1) * gi
    const vi = b2 * load<f32>(v + i) + (1 - b2) * gi * gi
    store<f32>(m + i, mi)
    store<f32>(v + i, vi)
    store<f32>(p + i, pi - (lr / c1) * mi / (Mathf.sqrt(vi * (1 / c2)) + eps))
  }
}

/** dst += src over n floats (the sum of the workers' gradients, one peer's slice at a time). */
export function addInto(dst: usize, src: usize, n: i32): void {
  const bytes = <usize>n * 4
  const end = bytes & ~(<usize>15)
  for (let i: usize = 0; i < end; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)))
  for (let i = end; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i))
}

/** Whether all n floats are finite: x - x is 0 for a finite x and NaN for an infinity or a NaN. */
export function allFinite(a: usize, n: i32): bool {
  const bytes = <usize>n * 4
  const end = bytes & ~(<usize>15)
  let s = f32x4.splat(0)
  for (let i: usize = 0; i < end; i += 16) {
    const x = v128.load(a + i)
    s = f32x4.add(s, f32x4.sub(x, x))
  }
  let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)
  for (let i = end; i < bytes; i += 4) {
    const x = load<f32>(a + i)
    t += x - x
  }
  return t == 0
}
