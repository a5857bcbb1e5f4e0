/**
 * Convolution geometry shared by the conv kernels: 13 i32 in shared memory (batch, inH, inW, inC, outC, kH, kW,
 * sH, sW, pH, pW, outH, outW), copied into this instance's globals at the start of each entry point (globals are
 * per thread, memory is shared); the address of the pixel a tap reads; and the 4-row transpose of A packing.
 */
export let gBatch = 0, gInH = 0, gInW = 0, gInC = 0, gOutC = 0, gKH = 0, gKW = 0;
export let gSH = 0, gSW = 0, gPH = 0, gPW = 0, gOutH = 0, gOutW = 0;

export function loadGeometry(g: usize): void {
  gBatch = load<i32>(g); gInH = load<i32>(g, 4); gInW = load<i32>(g, 8); gInC = load<i32>(g, 12);
  gOutC = load<i32>(g, 16); gKH = load<i32>(g, 20); gKW = load<i32>(g, 24); gSH = load<i32>(g, 28);
  gSW = load<i32>(g, 32); gPH = load<i32>(g, 36); gPW = load<i32>(g, 40); gOutH = load<i32>(g, 44);
  gOutW = load<i32>(g, 48);
}

/** Address of input pixel (b, ih, iw) for forward tap (kh, kw) of output row r, or 0 outside the image. */
// @ts-ignore: decorator
@inline
export function fwdSrc(x: usize, r: i32, kh: i32, kw: i32): usize {
  const ow = r % gOutW;
  const t = r / gOutW;
  const oh = t % gOutH;
  const b = t / gOutH;
  const ih = oh * gSH - gPH + kh;
  const iw = ow * gSW - gPW + kw;
  if (ih < 0 || ih >= gInH || iw < 0 || iw >= gInW) return 0;
  return x + <usize>(((b * gInH + ih) * gInW + iw) * gInC) * 4;
}

/** Address of dy pixel that input row q receives from tap (kh, kw), or 0 when none does. */
// @ts-ignore: decorator
@inline
export function bwdSrc(dy: usize, q: i32, kh: i32, kw: i32): usize {
  const iw = q % gInW;
  const t = q / gInW;
  const ih = t % gInH;
  const b = t / gInH;
  const th = ih + gPH - kh;
  const tw = iw + gPW - kw;
  if (th < 0 || tw < 0) return 0;
  const oh = th / gSH;
  const ow = tw / gSW;
  if (oh * gSH != th || ow * gSW != tw || oh >= gOutH || ow >= gOutW) return 0;
  return dy + <usize>(((b * gOutH + oh) * gOutW + ow) * gOutC) * 4;
}

/**
 * Packs one tap of a 4-row A strip: segLen floats from each row pointer (0 = a zero row) into [segLen][4] at d,
 * four channels at a time as a 4×4 transpose. Returns the address after the packed values.
 */
export function packTap(p0: usize, p1: usize, p2: usize, p3: usize, segLen: i32, d: usize): usize {
  const zero = f32x4.splat(0);
  const seg4 = segLen & ~3;
  let c = 0;
  for (; c < seg4; c += 4) {
    const o = <usize>c * 4;
    const r0 = p0 ? v128.load(p0 + o) : zero;
    const r1 = p1 ? v128.load(p1 + o) : zero;
    const r2 = p2 ? v128.load(p2 + o) : zero;
    const r3 = p3 ? v128.load(p3 + o) : zero;
    const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
    const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
    v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
    v128.store(d, i32x4.shuffle(t0, t2, 2, 3, 6, 7), 16);
    v128.store(d, i32x4.shuffle(t1, t3, 0, 1, 4, 5), 32);
    v128.store(d, i32x4.shuffle(t1, t3, 2, 3, 6, 7), 48);
    d += 64;
  }
  for (; c < segLen; c++) {
    const o = <usize>c * 4;
    store<f32>(d, p0 ? load<f32>(p0 + o) : 0);
    store<f32>(d, p1 ? load<f32>(p1 + o) : 0, 4);
    store<f32>(d, p2 ? load<f32>(p2 + o) : 0, 8);
    store<f32>(d, p3 ? load<f32>(p3 + o) : 0, 12);
    d += 16;
  }
  return d;
}
