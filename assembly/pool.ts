/**
 * Average pooling over channels-last images; padding counts as zeros (divisor kH·kW). Geometry as in
 * convgeom.ts. Each output pixel (forward) or input pixel (backward, a gather, so threads never write the same
 * row) first lists the pixels it sums, then sums them one channel vector at a time in a register.
 */

// @ts-ignore: decorator
@inline
function sumList(list: usize, n: i32, C: i32, dst: usize, scale: f32): void {
  const vs = f32x4.splat(scale);
  const end = list + (<usize>n << 2);
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const o = <usize>c * 4;
    let acc = f32x4.splat(0);
    for (let p = list; p < end; p += 4) acc = f32x4.add(acc, v128.load(<usize>load<u32>(p) + o));
    v128.store(dst + o, f32x4.mul(acc, vs));
  }
  for (; c < C; c++) {
    const o = <usize>c * 4;
    let acc: f32 = 0;
    for (let p = list; p < end; p += 4) acc += load<f32>(<usize>load<u32>(p) + o);
    store<f32>(dst + o, acc * scale);
  }
}

export function avgPoolFwd(g: usize, x: usize, y: usize, start: i32, end: i32, scratch: usize): void {
  const inH = load<i32>(g, 4), inW = load<i32>(g, 8), C = load<i32>(g, 12);
  const kH = load<i32>(g, 20), kW = load<i32>(g, 24), sH = load<i32>(g, 28), sW = load<i32>(g, 32);
  const pH = load<i32>(g, 36), pW = load<i32>(g, 40), outH = load<i32>(g, 44), outW = load<i32>(g, 48);
  const inv = <f32>(1.0 / <f64>(kH * kW));
  if (isHalving(kH, kW, sH, sW, pH, pW, C)) {
    halveFwd(x, y, inH, inW, C, outH, outW, start, end);
    return;
  }
  for (let r = start; r < end; r++) {
    const ow = r % outW, t = r / outW, oh = t % outH, b = t / outH;
    let n = 0;
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - pH + kh;
      if (ih < 0 || ih >= inH) continue;
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - pW + kw;
        if (iw < 0 || iw >= inW) continue;
        store<u32>(scratch + (<usize>n << 2), <u32>(x + <usize>(((b * inH + ih) * inW + iw) * C) * 4));
        n++;
      }
    }
    sumList(scratch, n, C, y + <usize>(r * C) * 4, inv);
  }
}

export function avgPoolBwd(g: usize, dy: usize, dx: usize, start: i32, end: i32, scratch: usize): void {
  const inH = load<i32>(g, 4), inW = load<i32>(g, 8), C = load<i32>(g, 12);
  const kH = load<i32>(g, 20), kW = load<i32>(g, 24), sH = load<i32>(g, 28), sW = load<i32>(g, 32);
  const pH = load<i32>(g, 36), pW = load<i32>(g, 40), outH = load<i32>(g, 44), outW = load<i32>(g, 48);
  const inv = <f32>(1.0 / <f64>(kH * kW));
  if (isHalving(kH, kW, sH, sW, pH, pW, C)) {
    halveBwd(dy, dx, inH, inW, C, outH, outW, start, end);
    return;
  }
  for (let q = start; q < end; q++) {
    const iw = q % inW, t = q / inW, ih = t % inH, b = t / inH;
    let n = 0;
    for (let kh = 0; kh < kH; kh++) {
      const th = ih + pH - kh;
      if (th < 0) continue;
      const oh = th / sH;
      if (oh * sH != th || oh >= outH) continue;
      for (let kw = 0; kw < kW; kw++) {
        const tw = iw + pW - kw;
        if (tw < 0) continue;
        const ow = tw / sW;
        if (ow * sW != tw || ow >= outW) continue;
        store<u32>(scratch + (<usize>n << 2), <u32>(dy + <usize>(((b * outH + oh) * outW + ow) * C) * 4));
        n++;
      }
    }
    sumList(scratch, n, C, dx + <usize>(q * C) * 4, inv);
  }
}

/** 2×2 windows at stride 2 without padding over whole channel vectors: the common pooling, without index lists. */
// @ts-ignore: decorator
@inline
function isHalving(kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, C: i32): bool {
  return kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && (C & 3) == 0;
}

/** Output pixels [start, end): the mean of the four input pixels of each window, channel vector by vector. */
function halveFwd(x: usize, y: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, start: i32, end: i32): void {
  const quarter = f32x4.splat(0.25);
  const rowBytes = <usize>(inW * C) * 4;
  const pixBytes = <usize>C * 4;
  for (let r = start; r < end; r++) {
    const ow = r % outW, t = r / outW, oh = t % outH, b = t / outH;
    const p = x + <usize>(((b * inH + 2 * oh) * inW + 2 * ow) * C) * 4;
    const q = y + <usize>(r * C) * 4;
    for (let o: usize = 0; o < pixBytes; o += 16) {
      // summed in the general path's order, so both give the same floats
      let s = f32x4.add(v128.load(p + o), v128.load(p + pixBytes + o));
      s = f32x4.add(s, v128.load(p + rowBytes + o));
      s = f32x4.add(s, v128.load(p + rowBytes + pixBytes + o));
      v128.store(q + o, f32x4.mul(s, quarter));
    }
  }
}

/** Input pixels [start, end): a quarter of the gradient of the one window holding each (0 for an unused edge). */
function halveBwd(dy: usize, dx: usize, inH: i32, inW: i32, C: i32, outH: i32, outW: i32, start: i32, end: i32): void {
  const quarter = f32x4.splat(0.25);
  const pixBytes = <usize>C * 4;
  for (let q = start; q < end; q++) {
    const iw = q % inW, t = q / inW, ih = t % inH, b = t / inH;
    const oh = ih >> 1, ow = iw >> 1;
    const d = dx + <usize>(q * C) * 4;
    if (oh >= outH || ow >= outW) {
      memory.fill(d, 0, pixBytes);
      continue;
    }
    const src = dy + <usize>(((b * outH + oh) * outW + ow) * C) * 4;
    for (let o: usize = 0; o < pixBytes; o += 16) v128.store(d + o, f32x4.mul(v128.load(src + o), quarter));
  }
}
