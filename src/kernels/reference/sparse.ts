import type { Buf, ConvBackwardFilterAttrs, ConvGeometry, SparseForwardCrossAttrs } from '../kernels.js';

/*
 * The event-driven forward: instead of a dot product per output, every non-zero input adds its value times its
 * weight row into the outputs it reaches. Weights come transposed so that row is contiguous in the output channel:
 *   wT[kh, kw, ic, oc] = wT[((kh·kW + kw)·inC + ic)·outC + oc]   (a linear layer's [inF, outF] is the 1×1 case)
 * Sums are kept in float64 like the dense reference, so both agree to float32 rounding.
 */

/** y = conv(x, w) (+ bias), scattering each non-zero x[b, ih, iw, ic] into every output its taps reach. */
export function conv2dSparseForward(x: Buf, wT: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  const plane = outH * outW * outC;
  const acc = new Float64Array(plane);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < plane; i++) acc[i] = bias === null ? 0 : bias[i % outC]!;
    for (let ih = 0; ih < inH; ih++) {
      for (let iw = 0; iw < inW; iw++) {
        const xBase = ((b * inH + ih) * inW + iw) * inC;
        for (let ic = 0; ic < inC; ic++) {
          const v = x[xBase + ic]!;
          if (v === 0) continue;
          for (let kh = 0; kh < kH; kh++) {
            const th = ih + padH - kh; // = oh·strideH for the output whose tap kh reads this input
            if (th < 0 || th % strideH !== 0 || th / strideH >= outH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const tw = iw + padW - kw;
              if (tw < 0 || tw % strideW !== 0 || tw / strideW >= outW) continue;
              const yBase = ((th / strideH) * outW + tw / strideW) * outC;
              const wBase = ((kh * kW + kw) * inC + ic) * outC;
              for (let oc = 0; oc < outC; oc++) acc[yBase + oc]! += v * wT[wBase + oc]!;
            }
          }
        }
      }
    }
    y.set(acc, b * plane);
  }
}

/** dw (+)= the filter gradient, gathering x[b, ih, iw, ic]·dy[b, oh, ow, :] for each non-zero input and tap. */
export function conv2dSparseBackwardFilter(x: Buf, dy: Buf, dw: Buf, g: ConvBackwardFilterAttrs): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  const acc = new Float64Array(outC * kH * kW * inC); // dw's layout: [outC, kH, kW, inC]
  for (let b = 0; b < batch; b++) {
    for (let ih = 0; ih < inH; ih++) {
      for (let iw = 0; iw < inW; iw++) {
        const xBase = ((b * inH + ih) * inW + iw) * inC;
        for (let ic = 0; ic < inC; ic++) {
          const v = x[xBase + ic]!;
          if (v === 0) continue;
          for (let kh = 0; kh < kH; kh++) {
            const th = ih + padH - kh;
            if (th < 0 || th % strideH !== 0 || th / strideH >= outH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const tw = iw + padW - kw;
              if (tw < 0 || tw % strideW !== 0 || tw / strideW >= outW) continue;
              const dyBase = ((b * outH + th / strideH) * outW + tw / strideW) * outC;
              const tap = (kh * kW + kw) * inC + ic;
              for (let oc = 0; oc < outC; oc++) acc[oc * kH * kW * inC + tap]! += v * dy[dyBase + oc]!;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) dw[i] = g.accumulate === true ? dw[i]! + acc[i]! : acc[i]!;
}

/** The event-driven forward, then cross (+)= the filter-gradient product of x with the output y just computed. */
export function conv2dSparseForwardCross(
  x: Buf,
  wT: Buf,
  bias: Buf | null,
  y: Buf,
  cross: Buf,
  g: SparseForwardCrossAttrs,
): void {
  conv2dSparseForward(x, wT, bias, y, g);
  conv2dSparseBackwardFilter(x, y, cross, g);
}
