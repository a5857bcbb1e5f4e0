/**
 * Per-column sums over the rows of a [rows, cols] matrix, in float64 so that statistics over ~10⁵ rows keep
 * float32 accuracy. Threads split the columns. Used by batch-norm statistics and the bias gradient.
 */

/** out64[c] = Σ_r f(x[r, c]) for c in [c0, c1): f = x (mode 0), (x − shift[c])² (mode 1), y·(x − shift[c]) (mode 2). */
export function colSums(
  x: usize, y: usize, shift: usize, out64: usize, rows: i32, cols: i32, mode: i32, c0: i32, c1: i32,
): void {
  const ld = <usize>cols * 4;
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    const sh = mode ? v128.load(shift + <usize>c * 4) : f32x4.splat(0);
    let px = x + <usize>c * 4;
    let py = y + <usize>c * 4;
    for (let r = 0; r < rows; r++) {
      let v = v128.load(px);
      if (mode == 1) {
        v = f32x4.sub(v, sh);
        v = f32x4.mul(v, v);
      } else if (mode == 2) {
        v = f32x4.mul(f32x4.sub(v, sh), v128.load(py));
        py += ld;
      }
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
      px += ld;
    }
    v128.store(out64 + <usize>c * 8, lo);
    v128.store(out64 + <usize>c * 8, hi, 16);
  }
  for (; c < c1; c++) {
    let s: f64 = 0;
    const sh: f32 = mode ? load<f32>(shift + <usize>c * 4) : 0;
    for (let r = 0; r < rows; r++) {
      const o = <usize>r * ld + <usize>c * 4;
      const v = load<f32>(x + o);
      if (mode == 0) s += <f64>v;
      else if (mode == 1) s += <f64>((v - sh) * (v - sh));
      else s += <f64>((v - sh) * load<f32>(y + o));
    }
    store<f64>(out64 + <usize>c * 8, s);
  }
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
