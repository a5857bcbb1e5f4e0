/** Elementwise kernels on ranges [start, end) of flat buffers, four floats per vector. */

// op: 0 fill(a = s), 1 copy(c = a), 2 add(c = a + b), 3 mul(c = a·b), 4 axpy(c += s·a), 5 scale(c = s·a)
export function ew(op: i32, a: usize, b: usize, c: usize, s: f32, start: i32, end: i32): void {
  const vs = f32x4.splat(s);
  let i = start;
  const e4 = start + ((end - start) & ~3);
  if (op == 0) {
    for (; i < e4; i += 4) v128.store(a + <usize>i * 4, vs);
    for (; i < end; i++) store<f32>(a + <usize>i * 4, s);
  } else if (op == 1) {
    memory.copy(c + <usize>start * 4, a + <usize>start * 4, <usize>(end - start) * 4);
  } else if (op == 2) {
    for (; i < e4; i += 4) {
      const o = <usize>i * 4;
      v128.store(c + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < end; i++) store<f32>(c + <usize>i * 4, load<f32>(a + <usize>i * 4) + load<f32>(b + <usize>i * 4));
  } else if (op == 3) {
    for (; i < e4; i += 4) {
      const o = <usize>i * 4;
      v128.store(c + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    for (; i < end; i++) store<f32>(c + <usize>i * 4, load<f32>(a + <usize>i * 4) * load<f32>(b + <usize>i * 4));
  } else if (op == 4) {
    for (; i < e4; i += 4) {
      const o = <usize>i * 4;
      v128.store(c + o, f32x4.add(v128.load(c + o), f32x4.mul(vs, v128.load(a + o))));
    }
    for (; i < end; i++) store<f32>(c + <usize>i * 4, load<f32>(c + <usize>i * 4) + s * load<f32>(a + <usize>i * 4));
  } else {
    for (; i < e4; i += 4) {
      const o = <usize>i * 4;
      v128.store(c + o, f32x4.mul(vs, v128.load(a + o)));
    }
    for (; i < end; i++) store<f32>(c + <usize>i * 4, s * load<f32>(a + <usize>i * 4));
  }
}

/**
 * out[r·cols + j] (+)= s[r]·x[r·cols + j] for the rows r in [start, end): ew's scale (acc = 0) or axpy (acc = 1)
 * with one factor per row, each element rounded as those round it (a float32 product, then a float32 sum).
 */
export function ewRows(x: usize, s: usize, out: usize, cols: i32, acc: i32, start: i32, end: i32): void {
  const c4 = cols & ~3;
  for (let r = start; r < end; r++) {
    const f = load<f32>(s + <usize>r * 4);
    const vf = f32x4.splat(f);
    const row = <usize>r * <usize>cols * 4;
    const xr = x + row, orow = out + row;
    let j = 0;
    if (acc) {
      for (; j < c4; j += 4) {
        const o = <usize>j * 4;
        v128.store(orow + o, f32x4.add(v128.load(orow + o), f32x4.mul(vf, v128.load(xr + o))));
      }
      for (; j < cols; j++) store<f32>(orow + <usize>j * 4, load<f32>(orow + <usize>j * 4) + f * load<f32>(xr + <usize>j * 4));
    } else {
      for (; j < c4; j += 4) {
        const o = <usize>j * 4;
        v128.store(orow + o, f32x4.mul(vf, v128.load(xr + o)));
      }
      for (; j < cols; j++) store<f32>(orow + <usize>j * 4, f * load<f32>(xr + <usize>j * 4));
    }
  }
}

/** This thread's float64 partial of Σ x[start, end) goes to out64. */
export function sumRange(x: usize, start: i32, end: i32, out64: usize): void {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let i = start;
  const e4 = start + ((end - start) & ~3);
  for (; i < e4; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  let s = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; i < end; i++) s += <f64>load<f32>(x + <usize>i * 4);
  store<f64>(out64, s);
}
