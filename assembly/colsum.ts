/**
 * Per-column sums over rows [r0, r1) of a [rows, cols] matrix, as float64 so that statistics over ~10⁵ rows keep
 * float32 accuracy: 32-row partials in float32 vectors, added into float64. Threads split the rows; each writes its
 * partial sums to out64 and the caller adds them up.
 *   mode 0: out64[c] = Σ_r x[r, c];
 *   mode 3: Σ_r y[r, c] in out64[c] and Σ_r y[r, c]·(x[r, c] − shift[c]) in out64[cols + c], one pass (colSumPairs).
 */
export function colSums(
  x: usize, y: usize, shift: usize, rows: i32, cols: i32, mode: i32, r0: i32, r1: i32, out64: usize,
): void {
  const ld = <usize>cols * 4;
  memory.fill(out64, 0, <usize>(mode >= 3 ? 2 * cols : cols) * 8);
  // Blocks of rows that stay in L1 while every column group sweeps them: memory is read once, in order.
  for (let rb = r0; rb < r1; rb += ROW_BLOCK) {
    const re = min(rb + ROW_BLOCK, r1);
    if (mode >= 3) {
      colSumPairs(x, y, shift, ld, 0, 1, cols, rb, re, out64);
      continue;
    }
    // 16 columns (one cache line) at a time, then 4, then single columns.
    let c = 0;
    for (; c + 16 <= cols; c += 16) sum16(x, ld, c, rb, re, out64);
    for (; c + 4 <= cols; c += 4) {
      let a = f32x4.splat(0);
      for (let r = rb; r < re; r++) a = f32x4.add(a, v128.load(x + <usize>r * ld + <usize>c * 4));
      addTo64(out64, c, a);
    }
    for (; c < cols; c++) {
      let a: f64 = 0;
      for (let r = rb; r < re; r++) a += <f64>load<f32>(x + <usize>r * ld + <usize>c * 4);
      const p = out64 + <usize>c * 8;
      store<f64>(p, load<f64>(p) + a);
    }
  }
}

/** Rows summed in float32 before their sums are added into float64; also the block that stays in L1. */
const ROW_BLOCK = 32;

/**
 * Two sums in one pass over memory over rows [r0, r1) (one block), added into out64[c] = Σ_r y and
 * out64[cols + c] = Σ_r y·d with d = Σ_t (x[r + t·step] − shift[c]) over T time-major steps `stepBytes` apart: the
 * batch-norm backward's Σdy and Σdy·(x − mean). T = 1 is colSums mode 3; T > 1 is a y shared by T steps
 * (colSumsShared). Inlined, so each caller compiles its own loop.
 */
// @ts-ignore: decorator
@inline
function colSumPairs(
  x: usize, y: usize, shift: usize, ld: usize, stepBytes: usize, T: i32, cols: i32, r0: i32, r1: i32, out64: usize,
): void {
  const second = out64 + <usize>cols * 8;
  let c = 0;
  for (; c + 8 <= cols; c += 8) {
    const s0 = v128.load(shift + <usize>c * 4);
    const s1 = v128.load(shift + <usize>c * 4, 16);
    let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0;
    for (let r = r0; r < r1; r++) {
      const o = <usize>r * ld + <usize>c * 4;
      let p = x + o;
      let d0 = f32x4.sub(v128.load(p), s0);
      let d1 = f32x4.sub(v128.load(p, 16), s1);
      for (let t = 1; t < T; t++) {
        p += stepBytes;
        d0 = f32x4.add(d0, f32x4.sub(v128.load(p), s0));
        d1 = f32x4.add(d1, f32x4.sub(v128.load(p, 16), s1));
      }
      const y0 = v128.load(y + o), y1 = v128.load(y + o, 16);
      a0 = f32x4.add(a0, y0);
      a1 = f32x4.add(a1, y1);
      b0 = f32x4.add(b0, f32x4.mul(d0, y0));
      b1 = f32x4.add(b1, f32x4.mul(d1, y1));
    }
    addTo64(out64, c, a0);
    addTo64(out64, c + 4, a1);
    addTo64(second, c, b0);
    addTo64(second, c + 4, b1);
  }
  for (; c < cols; c++) {
    let a: f64 = 0, b: f64 = 0;
    const sh = load<f32>(shift + <usize>c * 4);
    for (let r = r0; r < r1; r++) {
      const o = <usize>r * ld + <usize>c * 4;
      let d: f32 = load<f32>(x + o) - sh;
      for (let t = 1; t < T; t++) d += load<f32>(x + o + <usize>t * stepBytes) - sh;
      const v = load<f32>(y + o);
      a += <f64>v;
      b += <f64>(d * v);
    }
    store<f64>(out64 + <usize>c * 8, load<f64>(out64 + <usize>c * 8) + a);
    store<f64>(second + <usize>c * 8, load<f64>(second + <usize>c * 8) + b);
  }
}

// @ts-ignore: decorator
@inline
function addTo64(out64: usize, c: i32, v: v128): void {
  const p = out64 + <usize>c * 8;
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(v)));
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
}

/**
 * Columns [c, c + 16) of rows [rb, re): two rows at a time into separate vectors, so no add waits on the one
 * before (2.5× faster hot than one row at a time behind a per-element mode test).
 */
function sum16(x: usize, ld: usize, c: i32, rb: i32, re: i32, out64: usize): void {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  const base = x + <usize>c * 4;
  let r = rb;
  for (; r + 2 <= re; r += 2) {
    const p = base + <usize>r * ld;
    const q = p + ld;
    a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32)); a3 = f32x4.add(a3, v128.load(p, 48));
    b0 = f32x4.add(b0, v128.load(q)); b1 = f32x4.add(b1, v128.load(q, 16));
    b2 = f32x4.add(b2, v128.load(q, 32)); b3 = f32x4.add(b3, v128.load(q, 48));
  }
  if (r < re) {
    const p = base + <usize>r * ld;
    a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32)); a3 = f32x4.add(a3, v128.load(p, 48));
  }
  addTo64(out64, c, f32x4.add(a0, b0));
  addTo64(out64, c + 4, f32x4.add(a1, b1));
  addTo64(out64, c + 8, f32x4.add(a2, b2));
  addTo64(out64, c + 12, f32x4.add(a3, b3));
}

/** y[r, c] = (x[r, c] − a[c])·b[c] + d[c] for rows [r0, r1); e carries an optional second term e[c]·z[r, c]. */
export function rowAffine(
  x: usize, z: usize, y: usize, coef: usize, rows: i32, cols: i32, r0: i32, r1: i32,
): void {
  // coef holds four float32 vectors of length cols: a (shift), b (scale of x−a), d (offset), e (scale of z).
  const A = coef, B = coef + <usize>cols * 4, D = coef + <usize>cols * 8, E = coef + <usize>cols * 12;
  const C4 = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const o = <usize>(r * cols) * 4;
    let c = 0;
    for (; c < C4; c += 4) {
      const k = <usize>c * 4;
      let v = f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + o + k), v128.load(A + k)), v128.load(B + k)), v128.load(D + k));
      if (z) v = f32x4.add(v, f32x4.mul(v128.load(z + o + k), v128.load(E + k)));
      v128.store(y + o + k, v);
    }
    for (; c < cols; c++) {
      const k = <usize>c * 4;
      let v = (load<f32>(x + o + k) - load<f32>(A + k)) * load<f32>(B + k) + load<f32>(D + k);
      if (z) v += load<f32>(z + o + k) * load<f32>(E + k);
      store<f32>(y + o + k, v);
    }
  }
}

/** y[r, c] += bias[c] for rows [r0, r1). */
export function addRowVec(y: usize, bias: usize, rows: i32, cols: i32, r0: i32, r1: i32): void {
  const C4 = cols & ~3;
  for (let r = r0; r < r1; r++) {
    const o = y + <usize>(r * cols) * 4;
    let c = 0;
    for (; c < C4; c += 4) v128.store(o + <usize>c * 4, f32x4.add(v128.load(o + <usize>c * 4), v128.load(bias + <usize>c * 4)));
    for (; c < cols; c++) store<f32>(o + <usize>c * 4, load<f32>(o + <usize>c * 4) + load<f32>(bias + <usize>c * 4));
  }
}

/**
 * Per-column mean and sum of squared deviations (M2) of rows [r0, r1), in one pass over memory: each block of
 * ROW_BLOCK rows is summed, then centred on its own mean while it is still in L1, and merged into the float64
 * totals by Chan's pairwise update. out64: [count, mean × cols, M2 × cols]. The batch-norm statistics.
 */
export function colMoments(x: usize, cols: i32, r0: i32, r1: i32, out64: usize): void {
  const ld = <usize>cols * 4;
  const mean = out64 + 8, m2 = out64 + 8 + <usize>cols * 8;
  memory.fill(out64, 0, <usize>(2 * cols + 1) * 8);
  let n: f64 = 0;
  for (let rb = r0; rb < r1; rb += ROW_BLOCK) {
    const re = min(rb + ROW_BLOCK, r1);
    const nb = <f64>(re - rb);
    const total = n + nb;
    // Chan: mean += δ·nb/total; M2 += M2_b + δ²·n·nb/total, δ = block mean − mean
    const wNew = f64x2.splat(nb / total), wCross = f64x2.splat((n * nb) / total);
    const invNb = f64x2.splat(1 / nb);
    const inv32 = f32x4.splat(<f32>(1 / nb));
    let c = 0;
    for (; c + 16 <= cols; c += 16) moments16(x, ld, c, rb, re, inv32, mean, m2, invNb, wNew, wCross);
    for (; c + 4 <= cols; c += 4) {
      let s = f32x4.splat(0);
      for (let r = rb; r < re; r++) s = f32x4.add(s, v128.load(x + <usize>r * ld + <usize>c * 4));
      const centre = f32x4.mul(s, inv32);
      let d = f32x4.splat(0), q = f32x4.splat(0);
      for (let r = rb; r < re; r++) {
        const v = f32x4.sub(v128.load(x + <usize>r * ld + <usize>c * 4), centre);
        d = f32x4.add(d, v);
        q = f32x4.add(q, f32x4.mul(v, v));
      }
      mergeQuad(mean, m2, c, centre, d, q, invNb, wNew, wCross);
    }
    for (; c < cols; c++) {
      let s: f32 = 0;
      for (let r = rb; r < re; r++) s += load<f32>(x + <usize>r * ld + <usize>c * 4);
      const centre: f32 = s * <f32>(1 / nb);
      let d: f32 = 0, q: f32 = 0;
      for (let r = rb; r < re; r++) {
        const v = load<f32>(x + <usize>r * ld + <usize>c * 4) - centre;
        d += v;
        q += v * v;
      }
      const bm = <f64>centre + <f64>d / nb;
      const bq = <f64>q - (<f64>d * <f64>d) / nb;
      const pm = mean + <usize>c * 8, pq = m2 + <usize>c * 8;
      const delta = bm - load<f64>(pm);
      store<f64>(pm, load<f64>(pm) + (delta * nb) / total);
      store<f64>(pq, load<f64>(pq) + bq + (delta * delta * n * nb) / total);
    }
    n = total;
  }
  store<f64>(out64, n);
}

/** colMoments' block for columns [c, c + 16): four vectors side by side, so no sum waits on the one before. */
function moments16(
  x: usize, ld: usize, c: i32, rb: i32, re: i32, inv32: v128, mean: usize, m2: usize, invNb: v128, wNew: v128,
  wCross: v128,
): void {
  const base = x + <usize>c * 4;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (let r = rb; r < re; r++) {
    const p = base + <usize>r * ld;
    s0 = f32x4.add(s0, v128.load(p));
    s1 = f32x4.add(s1, v128.load(p, 16));
    s2 = f32x4.add(s2, v128.load(p, 32));
    s3 = f32x4.add(s3, v128.load(p, 48));
  }
  const k0 = f32x4.mul(s0, inv32), k1 = f32x4.mul(s1, inv32), k2 = f32x4.mul(s2, inv32), k3 = f32x4.mul(s3, inv32);
  let d0 = f32x4.splat(0), d1 = d0, d2 = d0, d3 = d0;
  let q0 = d0, q1 = d0, q2 = d0, q3 = d0;
  for (let r = rb; r < re; r++) {
    const p = base + <usize>r * ld;
    const v0 = f32x4.sub(v128.load(p), k0);
    const v1 = f32x4.sub(v128.load(p, 16), k1);
    const v2 = f32x4.sub(v128.load(p, 32), k2);
    const v3 = f32x4.sub(v128.load(p, 48), k3);
    d0 = f32x4.add(d0, v0); q0 = f32x4.add(q0, f32x4.mul(v0, v0));
    d1 = f32x4.add(d1, v1); q1 = f32x4.add(q1, f32x4.mul(v1, v1));
    d2 = f32x4.add(d2, v2); q2 = f32x4.add(q2, f32x4.mul(v2, v2));
    d3 = f32x4.add(d3, v3); q3 = f32x4.add(q3, f32x4.mul(v3, v3));
  }
  mergeQuad(mean, m2, c, k0, d0, q0, invNb, wNew, wCross);
  mergeQuad(mean, m2, c + 4, k1, d1, q1, invNb, wNew, wCross);
  mergeQuad(mean, m2, c + 8, k2, d2, q2, invNb, wNew, wCross);
  mergeQuad(mean, m2, c + 12, k3, d3, q3, invNb, wNew, wCross);
}

/** Four columns' Chan update (float32 block sums, widened). */
// @ts-ignore: decorator
@inline
function mergeQuad(
  mean: usize, m2: usize, c: i32, centre: v128, d: v128, q: v128, invNb: v128, wNew: v128, wCross: v128,
): void {
  mergeMoments(mean, m2, c, f64x2.promote_low_f32x4(centre), f64x2.promote_low_f32x4(d),
    f64x2.promote_low_f32x4(q), invNb, wNew, wCross);
  mergeMoments(mean, m2, c + 2, highHalf(centre), highHalf(d), highHalf(q), invNb, wNew, wCross);
}

/** Lanes 2 and 3 of a float32 vector, as float64. */
// @ts-ignore: decorator
@inline
function highHalf(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two columns' Chan update from a block centred on `centre`: deviations summing to d, their squares to q. */
// @ts-ignore: decorator
@inline
function mergeMoments(
  mean: usize, m2: usize, c: i32, centre: v128, d: v128, q: v128, invNb: v128, wNew: v128, wCross: v128,
): void {
  const pm = mean + <usize>c * 8, pq = m2 + <usize>c * 8;
  const blockMean = f64x2.add(centre, f64x2.mul(d, invNb));
  const blockM2 = f64x2.sub(q, f64x2.mul(f64x2.mul(d, d), invNb));
  const old = v128.load(pm);
  const delta = f64x2.sub(blockMean, old);
  v128.store(pm, f64x2.add(old, f64x2.mul(delta, wNew)));
  v128.store(pq, f64x2.add(v128.load(pq), f64x2.add(blockM2, f64x2.mul(f64x2.mul(delta, delta), wCross))));
}

/**
 * The batch-norm backward's two sums (colSums mode 3) when dy is one step's gradient g [R, cols] shared by the T
 * time-major steps of x (x row t·R + r): out64[c] = Σ_r g[r, c] (the caller multiplies by T) and
 * out64[cols + c] = Σ_r g[r, c]·Σ_t (x[t·R + r, c] − shift[c]), over rows r of [r0, r1). The T copies of g that
 * the plain backward would read are never written.
 */
export function colSumsShared(
  x: usize, g: usize, shift: usize, R: i32, T: i32, cols: i32, r0: i32, r1: i32, out64: usize,
): void {
  const ld = <usize>cols * 4;
  const stepBytes = <usize>R * ld;
  memory.fill(out64, 0, <usize>(2 * cols) * 8);
  for (let rb = r0; rb < r1; rb += ROW_BLOCK) {
    colSumPairs(x, g, shift, ld, stepBytes, T, cols, rb, min(rb + ROW_BLOCK, r1), out64);
  }
}

/**
 * rowAffine for a z shared by T time-major steps: y[t·R + r, c] = (x[t·R + r, c] − a[c])·b[c] + d[c] + z[r, c]·e[c]
 * for rows r of [r0, r1) and every step t (z·e, the same at each step, is formed once).
 * With sum ≠ 0, also sum[r, c] = Σ_t w[t]·y[t·R + r, c] (w: T float32 weights): the batch-norm backward's dx and
 * its weighted time sum in one pass.
 */
export function rowAffineShared(
  x: usize, z: usize, y: usize, coef: usize, R: i32, T: i32, cols: i32, sum: usize, w: usize, r0: i32, r1: i32,
): void {
  const A = coef, B = coef + <usize>cols * 4, D = coef + <usize>cols * 8, E = coef + <usize>cols * 12;
  const C4 = cols & ~3;
  const stepBytes = <usize>(R * cols) * 4;
  for (let r = r0; r < r1; r++) {
    const o = <usize>(r * cols) * 4;
    let c = 0;
    for (; c < C4; c += 4) {
      const k = <usize>c * 4;
      const a = v128.load(A + k), b = v128.load(B + k), d = v128.load(D + k);
      const ze = f32x4.mul(v128.load(z + o + k), v128.load(E + k));
      let acc = f32x4.splat(0);
      let p = o + k;
      for (let t = 0; t < T; t++) {
        // rowAffine's order of operations: the values of the unfused path
        const v = f32x4.add(f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + p), a), b), d), ze);
        v128.store(y + p, v);
        if (sum) acc = f32x4.add(acc, f32x4.mul(v128.load32_splat(w + <usize>t * 4), v));
        p += stepBytes;
      }
      if (sum) v128.store(sum + o + k, acc);
    }
    for (; c < cols; c++) {
      const k = <usize>c * 4;
      const ze = load<f32>(z + o + k) * load<f32>(E + k);
      let acc: f32 = 0;
      for (let t = 0; t < T; t++) {
        const p = o + k + <usize>t * stepBytes;
        const v = (load<f32>(x + p) - load<f32>(A + k)) * load<f32>(B + k) + load<f32>(D + k) + ze;
        store<f32>(y + p, v);
        acc += load<f32>(w + <usize>t * 4) * v;
      }
      if (sum) store<f32>(sum + o + k, acc);
    }
  }
}
