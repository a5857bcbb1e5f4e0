/**
 * Bilinear resizing of channels-last frames, matching PyTorch's upsample_bilinear2d with align_corners=False and
 * no antialiasing — what the DSR code gets from torchvision's Resize([48, 48]) applied to a float tensor (tensor
 * Resize had no antialias in the torchvision versions of that code; newer torchvision antialiases by default).
 * Source coordinate of output index o: s = (o + 0.5)·in/out − 0.5, clamped below at 0; neighbours ⌊s⌋ and
 * min(⌊s⌋+1, in−1), weights by the fractional part.
 */

interface Axis {
  lo: Int32Array;
  hi: Int32Array;
  w: Float32Array;
}

function axis(inSize: number, outSize: number): Axis {
  const scale = Math.fround(inSize / outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    let s = Math.fround(Math.fround(scale * (o + 0.5)) - 0.5);
    if (s < 0) s = 0;
    const i0 = Math.floor(s);
    lo[o] = i0;
    hi[o] = i0 < inSize - 1 ? i0 + 1 : i0;
    w[o] = Math.fround(s - i0);
  }
  return { lo, hi, w };
}

/**
 * Resizes `frames` images of [inH, inW, C] (consecutive in src) to [outH, outW, C] into dst.
 */
export function resizeBilinear(
  src: Float32Array,
  frames: number,
  inH: number,
  inW: number,
  C: number,
  outH: number,
  outW: number,
  dst: Float32Array,
  dstOffset = 0,
): void {
  const ay = axis(inH, outH);
  const ax = axis(inW, outW);
  const inFrame = inH * inW * C;
  const outFrame = outH * outW * C;
  for (let f = 0; f < frames; f++) {
    const sb = f * inFrame;
    const db = dstOffset + f * outFrame;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = sb + ay.lo[oy]! * inW * C;
      const r1 = sb + ay.hi[oy]! * inW * C;
      const wy = ay.w[oy]!;
      for (let ox = 0; ox < outW; ox++) {
        const c0 = ax.lo[ox]! * C;
        const c1 = ax.hi[ox]! * C;
        const wx = ax.w[ox]!;
        const o = db + (oy * outW + ox) * C;
        for (let c = 0; c < C; c++) {
          const top = (1 - wx) * src[r0 + c0 + c]! + wx * src[r0 + c1 + c]!;
          const bot = (1 - wx) * src[r1 + c0 + c]! + wx * src[r1 + c1 + c]!;
          dst[o + c] = (1 - wy) * top + wy * bot;
        }
      }
    }
  }
}
