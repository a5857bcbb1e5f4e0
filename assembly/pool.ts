/** Average pooling over channels-last images; padding counts as zeros (divisor kH·kW). Geometry as in conv.ts. */

export function avgPoolFwd(g: usize, x: usize, y: usize, start: i32, end: i32, _scratch: usize): void {
  const inH = load<i32>(g, 4), inW = load<i32>(g, 8), C = load<i32>(g, 12);
  const kH = load<i32>(g, 20), kW = load<i32>(g, 24), sH = load<i32>(g, 28), sW = load<i32>(g, 32);
  const pH = load<i32>(g, 36), pW = load<i32>(g, 40), outH = load<i32>(g, 44), outW = load<i32>(g, 48);
  const inv = f32x4.splat(<f32>(1.0 / <f64>(kH * kW)));
  const invS = <f32>(1.0 / <f64>(kH * kW));
  const C4 = C & ~3;
  for (let r = start; r < end; r++) {
    const ow = r % outW, t = r / outW, oh = t % outH, b = t / outH;
    const dst = y + <usize>(r * C) * 4;
    memory.fill(dst, 0, <usize>C * 4);
    for (let kh = 0; kh < kH; kh++) {
      const ih = oh * sH - pH + kh;
      if (ih < 0 || ih >= inH) continue;
      for (let kw = 0; kw < kW; kw++) {
        const iw = ow * sW - pW + kw;
        if (iw < 0 || iw >= inW) continue;
        const src = x + <usize>(((b * inH + ih) * inW + iw) * C) * 4;
        let c = 0;
        for (; c < C4; c += 4) {
          const o = <usize>c * 4;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
        }
        for (; c < C; c++) store<f32>(dst + <usize>c * 4, load<f32>(dst + <usize>c * 4) + load<f32>(src + <usize>c * 4));
      }
    }
    let c = 0;
    for (; c < C4; c += 4) v128.store(dst + <usize>c * 4, f32x4.mul(v128.load(dst + <usize>c * 4), inv));
    for (; c < C; c++) store<f32>(dst + <usize>c * 4, load<f32>(dst + <usize>c * 4) * invS);
  }
}

/** dx rows [start, end) gather the dy pixels whose windows cover them: no two threads write the same row. */
export function avgPoolBwd(g: usize, dy: usize, dx: usize, start: i32, end: i32, _scratch: usize): void {
  const inH = load<i32>(g, 4), inW = load<i32>(g, 8), C = load<i32>(g, 12);
  const kH = load<i32>(g, 20), kW = load<i32>(g, 24), sH = load<i32>(g, 28), sW = load<i32>(g, 32);
  const pH = load<i32>(g, 36), pW = load<i32>(g, 40), outH = load<i32>(g, 44), outW = load<i32>(g, 48);
  const inv = f32x4.splat(<f32>(1.0 / <f64>(kH * kW)));
  const invS = <f32>(1.0 / <f64>(kH * kW));
  const C4 = C & ~3;
  for (let q = start; q < end; q++) {
    const iw = q % inW, t = q / inW, ih = t % inH, b = t / inH;
    const dst = dx + <usize>(q * C) * 4;
    memory.fill(dst, 0, <usize>C * 4);
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
        const src = dy + <usize>(((b * outH + oh) * outW + ow) * C) * 4;
        let c = 0;
        for (; c < C4; c += 4) {
          const o = <usize>c * 4;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(v128.load(src + o), inv)));
        }
        for (; c < C; c++) store<f32>(dst + <usize>c * 4, load<f32>(dst + <usize>c * 4) + load<f32>(src + <usize>c * 4) * invS);
      }
    }
  }
}
