import type { Buf, ConvGeometry } from '../kernels.js';

/*
 * Average pooling on channels-last images. Padding counts as zeros in the average (PyTorch's
 * count_include_pad=True), so every window divides by kH·kW. With the floor rule of geometry.ts no window
 * reaches past the padding, which is why PyTorch's divisor equals kH·kW here too.
 */

export function avgPool2dForward(x: Buf, y: Buf, g: ConvGeometry): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  const inv = 1 / (kH * kW);
  const acc = new Float64Array(C);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        acc.fill(0);
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH - padH + kh;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW - padW + kw;
            if (iw < 0 || iw >= inW) continue;
            const xBase = ((b * inH + ih) * inW + iw) * C;
            for (let c = 0; c < C; c++) acc[c]! += x[xBase + c]!;
          }
        }
        const yBase = ((b * outH + oh) * outW + ow) * C;
        for (let c = 0; c < C; c++) y[yBase + c] = acc[c]! * inv;
      }
    }
  }
}

/** dx[b, ih, iw, c] = Σ over the windows that contain (ih, iw) of dy[b, oh, ow, c] / (kH·kW); overwrites dx. */
export function avgPool2dBackward(dy: Buf, dx: Buf, g: ConvGeometry): void {
  const { batch, inH, inW, inC: C, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  const inv = 1 / (kH * kW);
  const acc = new Float64Array(batch * inH * inW * C);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const dyBase = ((b * outH + oh) * outW + ow) * C;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH - padH + kh;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW - padW + kw;
            if (iw < 0 || iw >= inW) continue;
            const dxBase = ((b * inH + ih) * inW + iw) * C;
            for (let c = 0; c < C; c++) acc[dxBase + c]! += dy[dyBase + c]!;
          }
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) dx[i] = acc[i]! * inv;
}
