/**
 * The neuron kernel of the contract (src/kernels/kernels.ts, NeuronForwardAttrs) over time-major [T, n].
 * neuronFwd is the fused DSR case — reset by subtraction, fire at u ≥ thr, no synaptic stage, nothing recorded —
 * four neurons per vector; neuronFwdAny runs every parameter set one neuron at a time. Threads split the neurons.
 * Comparisons and resets are exact float32 operations in the order of the contract, so spikes match the
 * reference wherever the membrane is not rounded differently.
 *   u = leak ? decay·u + gain·I : u + I;   s = u ≥ thr;   u −= s·vth;   spikes = s·mag
 *   acc += w[t]·s;   rate = acc·mag       (w: float32 [T], 0 for no rate)
 * `mem` (0 for none) holds the membrane carried between time chunks: read before the first step, written after the last.
 * `spikes` 0: nothing stored but the rate, the input representation and the membrane (neurons no pooling window holds).
 * `norm` (0 for none): the input is batch-normalised as it is read, x = (x − a[c])·b[c] + d[c] in float32 with the
 * three [C] vectors of rowAffine (colsum.ts) one after the other, so the current is the batch-norm apply's bits;
 * neuron i has channel i mod C, C a multiple of 4. `rep` is then the normalised input's representation.
 */
export function neuronFwd(
  inp: usize, spikes: usize, rate: usize, w: usize, rep: usize, wi: usize, T: i32, n: i32, once: i32, leak: i32,
  decay: f32, gain: f32, thr: f32, vth: f32, mag: f32, mem: usize, norm: usize, C: i32, start: i32, end: i32,
): void {
  // once: the input is one step's current [n], read at every step (inStep 0)
  const inStep = once ? 0 : n;
  // Two copies of the loop (the branch on `leak` is decided once, not per vector).
  if (leak) neuronLoop(inp, spikes, rate, w, rep, wi, T, n, inStep, true, decay, gain, thr, vth, mag, mem, norm, C, start, end);
  else neuronLoop(inp, spikes, rate, w, rep, wi, T, n, inStep, false, decay, gain, thr, vth, mag, mem, norm, C, start, end);
}

/** The batch-norm apply of a vector of inputs, rowAffine's (x − a)·b + d (colsum.ts), in the same float32 order. */
// @ts-ignore: decorator
@inline
function normalized(x: v128, a: v128, b: v128, d: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.sub(x, a), b), d);
}

/** The membrane charged by a vector of inputs: decay·u + gain·x (leaky), else u + x. */
// @ts-ignore: decorator
@inline
function charge(leak: bool, u: v128, x: v128, vDecay: v128, vGain: v128): v128 {
  return leak ? f32x4.add(f32x4.mul(vDecay, u), f32x4.mul(vGain, x)) : f32x4.add(u, x);
}

// @ts-ignore: decorator
@inline
function neuronLoop(
  inp: usize, spikes: usize, rate: usize, w: usize, rep: usize, wi: usize, T: i32, n: i32, inStep: i32, leak: bool,
  decay: f32, gain: f32, thr: f32, vth: f32, mag: f32, mem: usize, norm: usize, C: i32, start: i32, end: i32,
): void {
  // rep: Σ_t wi[t]·x[t] in float32, step by step, as timeReduce sums it
  const step = <usize>n * 4;
  const inputStep = <usize>inStep * 4;
  const vDecay = f32x4.splat(decay), vGain = f32x4.splat(gain), vThr = f32x4.splat(thr);
  const vVth = f32x4.splat(vth), vMag = f32x4.splat(mag);
  let i = start;
  // Two independent vectors per iteration: the charge → fire → reset chain is serial within a neuron.
  for (; i + 8 <= end; i += 8) {
    let u0 = f32x4.splat(0), u1 = f32x4.splat(0)
    if (mem) {
      u0 = v128.load(mem + <usize>i * 4);
      u1 = v128.load(mem + <usize>i * 4, 16);
    }
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), r0 = f32x4.splat(0), r1 = f32x4.splat(0);
    let pi = inp + <usize>i * 4, ps = spikes + <usize>i * 4;
    // the batch-norm's three vectors for the channels of both vectors (C is a multiple of 4)
    let na0 = f32x4.splat(0), nb0 = f32x4.splat(0), nd0 = f32x4.splat(0);
    let na1 = f32x4.splat(0), nb1 = f32x4.splat(0), nd1 = f32x4.splat(0);
    if (norm) {
      const c0 = norm + <usize>(i % C) * 4, c1 = norm + <usize>((i + 4) % C) * 4, cs = <usize>C * 4;
      na0 = v128.load(c0);
      nb0 = v128.load(c0 + cs);
      nd0 = v128.load(c0 + 2 * cs);
      na1 = v128.load(c1);
      nb1 = v128.load(c1 + cs);
      nd1 = v128.load(c1 + 2 * cs);
    }
    for (let t = 0; t < T; t++) {
      let x0 = v128.load(pi);
      let x1 = v128.load(pi, 16);
      if (norm) {
        x0 = normalized(x0, na0, nb0, nd0);
        x1 = normalized(x1, na1, nb1, nd1);
      }
      if (rep) {
        const wt = v128.load32_splat(wi + <usize>t * 4);
        r0 = f32x4.add(r0, f32x4.mul(x0, wt));
        r1 = f32x4.add(r1, f32x4.mul(x1, wt));
      }
      u0 = charge(leak, u0, x0, vDecay, vGain);
      u1 = charge(leak, u1, x1, vDecay, vGain);
      const m0 = f32x4.ge(u0, vThr);
      const m1 = f32x4.ge(u1, vThr);
      u0 = f32x4.sub(u0, v128.and(m0, vVth));
      u1 = f32x4.sub(u1, v128.and(m1, vVth));
      if (spikes) {
        v128.store(ps, v128.and(m0, vMag));
        v128.store(ps, v128.and(m1, vMag), 16);
      }
      if (rate) {
        const wt = v128.load32_splat(w + <usize>t * 4);
        a0 = f32x4.add(a0, v128.and(m0, wt));
        a1 = f32x4.add(a1, v128.and(m1, wt));
      }
      pi += inputStep;
      ps += step;
    }
    if (rate) {
      v128.store(rate + <usize>i * 4, f32x4.mul(a0, vMag));
      v128.store(rate + <usize>i * 4, f32x4.mul(a1, vMag), 16);
    }
    if (mem) {
      v128.store(mem + <usize>i * 4, u0);
      v128.store(mem + <usize>i * 4, u1, 16);
    }
    if (rep) {
      v128.store(rep + <usize>i * 4, r0);
      v128.store(rep + <usize>i * 4, r1, 16);
    }
  }
  for (; i < end; i++) {
    let u: f32 = mem ? load<f32>(mem + <usize>i * 4) : 0, acc: f32 = 0, r: f32 = 0;
    const nc = norm ? norm + <usize>(i % C) * 4 : 0, cs = <usize>C * 4;
    for (let t = 0; t < T; t++) {
      const o = <usize>(t * n + i) * 4;
      let x = load<f32>(inp + <usize>(t * inStep + i) * 4);
      if (norm) x = (x - load<f32>(nc)) * load<f32>(nc + cs) + load<f32>(nc + 2 * cs);
      if (rep) r += x * load<f32>(wi + <usize>t * 4);
      u = leak ? decay * u + gain * x : u + x;
      const s: f32 = u >= thr ? 1 : 0;
      u -= s * vth;
      if (spikes) store<f32>(spikes + o, s * mag);
      if (rate) acc += s * load<f32>(w + <usize>t * 4);
    }
    if (rate) store<f32>(rate + <usize>i * 4, acc * mag);
    if (mem) store<f32>(mem + <usize>i * 4, u);
    if (rep) store<f32>(rep + <usize>i * 4, r);
  }
}

/**
 * neuronFwd followed by the 2×2 stride-2 average pooling without padding (pool.ts's halveFwd), the spikes never
 * stored: `out` [T, B, H/2, W/2, C] receives each window's ((s00 + s01) + s10 + s11)·0.25 in float32, the pooling
 * kernel's order, so the pooled values are its bits. Units [start, end) are row pairs (b, p) of B·⌈H/2⌉; an odd
 * last row or column, which no window holds, still gets its rate, representation and membrane. C is a multiple of 4.
 */
export function neuronPoolFwd(
  inp: usize, out: usize, rate: usize, w: usize, rep: usize, wi: usize, T: i32, n: i32, once: i32, leak: i32,
  decay: f32, gain: f32, thr: f32, vth: f32, mag: f32, mem: usize, norm: usize, H: i32, W: i32, C: i32, start: i32,
  end: i32,
): void {
  const inStep = once ? 0 : n;
  const pairs = (H + 1) >> 1, outH = H >> 1, outW = W >> 1;
  const outStep = (n / (H * W)) * outH * outW; // pooled values per step: B·C per pixel of the pooled image
  for (let u = start; u < end; u++) {
    const b = u / pairs, p = u % pairs;
    const row0 = ((b * H + 2 * p) * W) * C; // first neuron of input row 2p
    const rows = 2 * p + 1 < H ? 2 : 1;
    if (rows == 1) {
      neuronFwdRange(inp, rate, w, rep, wi, T, n, inStep, leak, decay, gain, thr, vth, mag, mem, norm, C, row0, row0 + W * C);
      continue;
    }
    const dst = ((b * outH + p) * outW) * C;
    if (leak) windowRow(inp, out, rate, w, rep, wi, T, inStep, outStep, true, decay, gain, thr, vth, mag, mem, norm, row0, W * C, C, outW, dst);
    else windowRow(inp, out, rate, w, rep, wi, T, inStep, outStep, false, decay, gain, thr, vth, mag, mem, norm, row0, W * C, C, outW, dst);
    if (W & 1) {
      // the last column of both rows: in no window
      const last = row0 + (W - 1) * C;
      neuronFwdRange(inp, rate, w, rep, wi, T, n, inStep, leak, decay, gain, thr, vth, mag, mem, norm, C, last, last + C);
      neuronFwdRange(inp, rate, w, rep, wi, T, n, inStep, leak, decay, gain, thr, vth, mag, mem, norm, C, last + W * C, last + W * C + C);
    }
  }
}

/** neuronLoop over neurons [lo, hi) with no spikes stored. */
function neuronFwdRange(
  inp: usize, rate: usize, w: usize, rep: usize, wi: usize, T: i32, n: i32, inStep: i32, leak: i32,
  decay: f32, gain: f32, thr: f32, vth: f32, mag: f32, mem: usize, norm: usize, C: i32, lo: i32, hi: i32,
): void {
  if (leak) neuronLoop(inp, 0, rate, w, rep, wi, T, n, inStep, true, decay, gain, thr, vth, mag, mem, norm, C, lo, hi);
  else neuronLoop(inp, 0, rate, w, rep, wi, T, n, inStep, false, decay, gain, thr, vth, mag, mem, norm, C, lo, hi);
}

/**
 * The windows of one row pair: the four neurons of a window (one channel vector of each of its pixels) run all T
 * steps in registers, and each step stores their pooled spikes. rate, rep, mem and norm as in neuronLoop.
 */
// @ts-ignore: decorator
@inline
function windowRow(
  inp: usize, out: usize, rate: usize, w: usize, rep: usize, wi: usize, T: i32, inStep: i32, outStep: i32, leak: bool,
  decay: f32, gain: f32, thr: f32, vth: f32, mag: f32, mem: usize, norm: usize, row0: i32, rowLen: i32, C: i32, outW: i32,
  dst: i32,
): void {
  const vDecay = f32x4.splat(decay), vGain = f32x4.splat(gain), vThr = f32x4.splat(thr);
  const vVth = f32x4.splat(vth), vMag = f32x4.splat(mag), quarter = f32x4.splat(0.25);
  const pix = <usize>C * 4, row = <usize>rowLen * 4; // bytes to the right and to the lower neighbour
  const inputStep = <usize>inStep * 4, poolStep = <usize>outStep * 4;
  for (let ow = 0; ow < outW; ow++) {
    for (let c = 0; c < C; c += 4) {
      const i = row0 + 2 * ow * C + c; // the window's top-left neuron
      const o = <usize>i * 4;
      let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
      if (mem) {
        u0 = v128.load(mem + o);
        u1 = v128.load(mem + o + pix);
        u2 = v128.load(mem + o + row);
        u3 = v128.load(mem + o + row + pix);
      }
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let r0 = f32x4.splat(0), r1 = f32x4.splat(0), r2 = f32x4.splat(0), r3 = f32x4.splat(0);
      let pi = inp + o;
      let po = out + <usize>(dst + ow * C + c) * 4;
      // the window's four pixels share channels c..c+3: one set of batch-norm vectors (each C floats: pix bytes)
      let na = f32x4.splat(0), nb = f32x4.splat(0), nd = f32x4.splat(0);
      if (norm) {
        const nc = norm + <usize>c * 4;
        na = v128.load(nc);
        nb = v128.load(nc + pix);
        nd = v128.load(nc + 2 * pix);
      }
      for (let t = 0; t < T; t++) {
        let x0 = v128.load(pi), x1 = v128.load(pi + pix), x2 = v128.load(pi + row), x3 = v128.load(pi + row + pix);
        if (norm) {
          x0 = normalized(x0, na, nb, nd);
          x1 = normalized(x1, na, nb, nd);
          x2 = normalized(x2, na, nb, nd);
          x3 = normalized(x3, na, nb, nd);
        }
        if (rep) {
          const wt = v128.load32_splat(wi + <usize>t * 4);
          r0 = f32x4.add(r0, f32x4.mul(x0, wt));
          r1 = f32x4.add(r1, f32x4.mul(x1, wt));
          r2 = f32x4.add(r2, f32x4.mul(x2, wt));
          r3 = f32x4.add(r3, f32x4.mul(x3, wt));
        }
        u0 = charge(leak, u0, x0, vDecay, vGain);
        u1 = charge(leak, u1, x1, vDecay, vGain);
        u2 = charge(leak, u2, x2, vDecay, vGain);
        u3 = charge(leak, u3, x3, vDecay, vGain);
        const m0 = f32x4.ge(u0, vThr), m1 = f32x4.ge(u1, vThr), m2 = f32x4.ge(u2, vThr), m3 = f32x4.ge(u3, vThr);
        u0 = f32x4.sub(u0, v128.and(m0, vVth));
        u1 = f32x4.sub(u1, v128.and(m1, vVth));
        u2 = f32x4.sub(u2, v128.and(m2, vVth));
        u3 = f32x4.sub(u3, v128.and(m3, vVth));
        let s = f32x4.add(v128.and(m0, vMag), v128.and(m1, vMag));
        s = f32x4.add(s, v128.and(m2, vMag));
        s = f32x4.add(s, v128.and(m3, vMag));
        v128.store(po, f32x4.mul(s, quarter));
        if (rate) {
          const wt = v128.load32_splat(w + <usize>t * 4);
          a0 = f32x4.add(a0, v128.and(m0, wt));
          a1 = f32x4.add(a1, v128.and(m1, wt));
          a2 = f32x4.add(a2, v128.and(m2, wt));
          a3 = f32x4.add(a3, v128.and(m3, wt));
        }
        pi += inputStep;
        po += poolStep;
      }
      if (rate) {
        v128.store(rate + o, f32x4.mul(a0, vMag));
        v128.store(rate + o + pix, f32x4.mul(a1, vMag));
        v128.store(rate + o + row, f32x4.mul(a2, vMag));
        v128.store(rate + o + row + pix, f32x4.mul(a3, vMag));
      }
      if (mem) {
        v128.store(mem + o, u0);
        v128.store(mem + o + pix, u1);
        v128.store(mem + o + row, u2);
        v128.store(mem + o + row + pix, u3);
      }
      if (rep) {
        v128.store(rep + o, r0);
        v128.store(rep + o + pix, r1);
        v128.store(rep + o + row, r2);
        v128.store(rep + o + row + pix, r3);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function sigmoid(x: f64): f64 {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Every parameter set, one neuron at a time:
 *   c = synDecay·c + synGain·x (when syn);   u = decay·v + bias + gain·c;   s = strict ? u > thr : u ≥ thr
 *   v = resetToValue ? (s ? resetValue : u) : u − vth·s;   spikes = mag·s;   record[t] = u (when record ≠ 0)
 * soft: s = σ(slope·(u − thr)/vth) in float64, v = f32(u − vth·s), spikes = f32(mag·s) (reset by subtraction).
 * cur and mem (0 for none) carry the synaptic current and the membrane between time chunks.
 */
export function neuronFwdAny(
  inp: usize, spikes: usize, rate: usize, w: usize, T: i32, n: i32, decay: f32, gain: f32, bias: f32, thr: f32,
  strict: i32, resetToValue: i32, vth: f32, resetValue: f32, mag: f32, syn: i32, synDecay: f32, synGain: f32,
  cur: usize, mem: usize, record: usize, soft: i32, slope: f64, start: i32, end: i32,
): void {
  for (let i = start; i < end; i++) {
    let v: f32 = mem ? load<f32>(mem + <usize>i * 4) : 0;
    let c: f32 = cur ? load<f32>(cur + <usize>i * 4) : 0;
    let acc: f64 = 0;
    for (let t = 0; t < T; t++) {
      const o = <usize>(t * n + i) * 4;
      let x = load<f32>(inp + o);
      if (syn) {
        c = synDecay * c + synGain * x;
        x = c;
      }
      let kept: f32 = decay * v;
      if (bias != 0) kept += bias; // no bias is no addition: +0 would turn a −0 membrane into +0
      const u: f32 = kept + gain * x;
      if (record) store<f32>(record + o, u);
      let out: f32;
      if (soft) {
        const s = sigmoid((slope * (<f64>u - <f64>thr)) / <f64>vth);
        v = <f32>(<f64>u - <f64>vth * s);
        out = <f32>(<f64>mag * s);
      } else {
        const fired = strict ? u > thr : u >= thr;
        v = fired ? (resetToValue ? resetValue : u - vth) : u;
        out = fired ? mag : 0;
      }
      store<f32>(spikes + o, out);
      if (rate) acc += <f64>load<f32>(w + <usize>t * 4) * <f64>out;
    }
    if (rate) store<f32>(rate + <usize>i * 4, <f32>acc);
    if (mem) store<f32>(mem + <usize>i * 4, v);
    if (cur) store<f32>(cur + <usize>i * 4, c);
  }
}

/** out[i] = Σ_t w[t]·x[t·n + i], w float32 [T]. */
export function timeReduce(x: usize, out: usize, w: usize, T: i32, n: i32, start: i32, end: i32): void {
  const step = <usize>n * 4;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let acc = f32x4.splat(0);
    let p = x + <usize>i * 4;
    for (let t = 0; t < T; t++) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(p), v128.load32_splat(w + <usize>t * 4)));
      p += step;
    }
    v128.store(out + <usize>i * 4, acc);
  }
  for (; i < end; i++) {
    let acc: f32 = 0;
    for (let t = 0; t < T; t++) acc += load<f32>(x + <usize>(t * n + i) * 4) * load<f32>(w + <usize>t * 4);
    store<f32>(out + <usize>i * 4, acc);
  }
}

/** out[t·n + i] = scale·x[i]. */
export function timeBroadcast(x: usize, out: usize, scale: f32, T: i32, n: i32, start: i32, end: i32): void {
  const vs = f32x4.splat(scale);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const v = f32x4.mul(v128.load(x + <usize>i * 4), vs);
    for (let t = 0; t < T; t++) v128.store(out + <usize>(t * n + i) * 4, v);
  }
  for (; i < end; i++) {
    const v = load<f32>(x + <usize>i * 4) * scale;
    for (let t = 0; t < T; t++) store<f32>(out + <usize>(t * n + i) * 4, v);
  }
}

/**
 * gradIn = gradRep·slope where 0 ≤ mean ≤ hi (closed) or 0 < mean < hi (open), else 0; the float64 sum of gradRep
 * over mean > hi goes to out64 (this thread's partial).
 */
export function clampBwd(
  mean: usize, gradRep: usize, gradIn: usize, hi: f32, slope: f32, closed: i32, start: i32, end: i32, out64: usize,
): void {
  const zero = f32x4.splat(0), vh = f32x4.splat(hi), vs = f32x4.splat(slope);
  let lo2 = f64x2.splat(0), hi2 = f64x2.splat(0);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = <usize>i * 4;
    const m = v128.load(mean + o);
    const g = v128.load(gradRep + o);
    const pass = closed ? v128.and(f32x4.ge(m, zero), f32x4.le(m, vh)) : v128.and(f32x4.gt(m, zero), f32x4.lt(m, vh));
    v128.store(gradIn + o, v128.and(pass, f32x4.mul(g, vs)));
    const over = v128.and(f32x4.gt(m, vh), g);
    lo2 = f64x2.add(lo2, f64x2.promote_low_f32x4(over));
    hi2 = f64x2.add(hi2, f64x2.promote_low_f32x4(i32x4.shuffle(over, over, 2, 3, 0, 1)));
  }
  let total = f64x2.extract_lane(lo2, 0) + f64x2.extract_lane(lo2, 1) + f64x2.extract_lane(hi2, 0) + f64x2.extract_lane(hi2, 1);
  for (; i < end; i++) {
    const o = <usize>i * 4;
    const m = load<f32>(mean + o);
    const g = load<f32>(gradRep + o);
    const pass = closed ? m >= 0 && m <= hi : m > 0 && m < hi;
    store<f32>(gradIn + o, pass ? g * slope : 0);
    if (m > hi) total += <f64>g;
  }
  store<f64>(out64, total);
}

export function clamp(x: usize, y: usize, lo: f32, hi: f32, start: i32, end: i32): void {
  const vl = f32x4.splat(lo), vh = f32x4.splat(hi);
  let i = start;
  for (; i + 4 <= end; i += 4) v128.store(y + <usize>i * 4, f32x4.min(f32x4.max(v128.load(x + <usize>i * 4), vl), vh));
  for (; i < end; i++) store<f32>(y + <usize>i * 4, min(max(load<f32>(x + <usize>i * 4), lo), hi));
}
