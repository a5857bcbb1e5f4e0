/**
 * The two 4×8 register tiles every heavy kernel runs on. V8 keeps about 15 xmm registers live: 8 accumulators,
 * two B vectors and one broadcast A value fit; larger tiles spill.
 *
 * tileSeg: C[4×8] (+)= alpha · A·B over k steps, with A packed as [k][4] (so the four broadcasts use constant
 * offsets from one pointer) and B packed as [k][8]. gemm and all three conv passes run on it.
 */

/**
 * c + a·b. Built twice (package.json build:wasm): with relaxed SIMD this is one fused multiply-add (V8 emits
 * vfmadd), about 25% faster here; without it, a multiply and an add. Results differ only in rounding.
 */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Writes acc (8 vectors, row-major 4×8) into C: C = alpha·acc + (accum ? C : 0) + (bias ? bias[col] : 0). */
// @ts-ignore: decorator
@inline
function storeRow(c: usize, v0: v128, v1: v128, alpha: v128, accum: i32, bias: usize): void {
  let r0 = f32x4.mul(v0, alpha);
  let r1 = f32x4.mul(v1, alpha);
  if (accum) {
    r0 = f32x4.add(r0, v128.load(c));
    r1 = f32x4.add(r1, v128.load(c, 16));
  }
  if (bias) {
    r0 = f32x4.add(r0, v128.load(bias));
    r1 = f32x4.add(r1, v128.load(bias, 16));
  }
  v128.store(c, r0);
  v128.store(c, r1, 16);
}

/** Copies the valid mr×nr corner of a 4×8 tile staged at tmp into C with the same update rule. */
function storeEdge(tmp: usize, c: usize, ldc: usize, alpha: f32, accum: i32, bias: usize, mr: i32, nr: i32): void {
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    for (let j = 0; j < nr; j++) {
      let v = alpha * load<f32>(tmp + <usize>((i << 3) + j) * 4);
      if (accum) v += load<f32>(row + <usize>j * 4);
      if (bias) v += load<f32>(bias + <usize>j * 4);
      store<f32>(row + <usize>j * 4, v);
    }
  }
}

export function tileSeg(
  ap: usize, bp: usize, k: i32,
  c: usize, ldc: usize, alpha: f32, accum: i32, bias: usize, mr: i32, nr: i32, tmp: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = ap + (<usize>k << 4);
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  finish(c00, c01, c10, c11, c20, c21, c30, c31, c, ldc, alpha, accum, bias, mr, nr, tmp);
}

// @ts-ignore: decorator
@inline
function finish(
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  c: usize, ldc: usize, alpha: f32, accum: i32, bias: usize, mr: i32, nr: i32, tmp: usize,
): void {
  if (mr == 4 && nr == 8) {
    const al = f32x4.splat(alpha);
    storeRow(c, c00, c01, al, accum, bias);
    storeRow(c + ldc, c10, c11, al, accum, bias);
    storeRow(c + 2 * ldc, c20, c21, al, accum, bias);
    storeRow(c + 3 * ldc, c30, c31, al, accum, bias);
  } else {
    v128.store(tmp, c00); v128.store(tmp, c01, 16);
    v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
    v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
    v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
    storeEdge(tmp, c, ldc, alpha, accum, bias, mr, nr);
  }
}
