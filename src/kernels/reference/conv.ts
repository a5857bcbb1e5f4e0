import type { Buf, ConvBackwardFilterAttrs, ConvGeometry } from '../kernels.js';

/*
 * 2-D convolution on channels-last images, as direct loops. Index maps (all row-major):
 *   x[b, ih, iw, ic]   = x[((b·inH + ih)·inW + iw)·inC + ic]
 *   y[b, oh, ow, oc]   = y[((b·outH + oh)·outW + ow)·outC + oc]
 *   w[oc, kh, kw, ic]  = w[((oc·kH + kh)·kW + kw)·inC + ic]
 * with ih = oh·strideH − padH + kh (likewise for w); taps that fall outside the image read zero.
 */

/** y = conv(x, w) (+ bias); every output is one dot product summed in float64. */
export function conv2dForward(x: Buf, w: Buf, bias: Buf | null, y: Buf, g: ConvGeometry): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const yBase = ((b * outH + oh) * outW + ow) * outC;
        for (let oc = 0; oc < outC; oc++) {
          let acc = bias === null ? 0 : bias[oc]!;
          for (let kh = 0; kh < kH; kh++) {
            const ih = oh * strideH - padH + kh;
            if (ih < 0 || ih >= inH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const iw = ow * strideW - padW + kw;
              if (iw < 0 || iw >= inW) continue;
              const xBase = ((b * inH + ih) * inW + iw) * inC;
              const wBase = ((oc * kH + kh) * kW + kw) * inC;
              for (let ic = 0; ic < inC; ic++) acc += x[xBase + ic]! * w[wBase + ic]!;
            }
          }
          y[yBase + oc] = acc;
        }
      }
    }
  }
}

/**
 * dx[b, ih, iw, ic] = Σ dy[b, oh, ow, oc] · w[oc, kh, kw, ic] over every (oh, ow, kh, kw) whose tap lands on
 * (ih, iw). Written as a gather (each dx element collects its own sum in float64) rather than a scatter.
 */
export function conv2dBackwardInput(dy: Buf, w: Buf, dx: Buf, g: ConvGeometry): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  const acc = new Float64Array(inC);
  for (let b = 0; b < batch; b++) {
    for (let ih = 0; ih < inH; ih++) {
      for (let iw = 0; iw < inW; iw++) {
        acc.fill(0);
        for (let kh = 0; kh < kH; kh++) {
          const th = ih + padH - kh; // = oh·strideH for the output row whose tap kh lands here
          if (th < 0 || th % strideH !== 0) continue;
          const oh = th / strideH;
          if (oh >= outH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const tw = iw + padW - kw;
            if (tw < 0 || tw % strideW !== 0) continue;
            const ow = tw / strideW;
            if (ow >= outW) continue;
            const dyBase = ((b * outH + oh) * outW + ow) * outC;
            for (let oc = 0; oc < outC; oc++) {
              const d = dy[dyBase + oc]!;
              const wBase = ((oc * kH + kh) * kW + kw) * inC;
              for (let ic = 0; ic < inC; ic++) acc[ic]! += d * w[wBase + ic]!;
            }
          }
        }
        const dxBase = ((b * inH + ih) * inW + iw) * inC;
        for (let ic = 0; ic < inC; ic++) dx[dxBase + ic] = acc[ic]!;
      }
    }
  }
}

/**
 * dw[oc, kh, kw, ic] = Σ_{b, oh, ow} dy[b, oh, ow, oc] · x[b, ih, iw, ic];  dbias[oc] = Σ dy[…, oc].
 * These are the longest sums in the network (over every output position), so they go through float64 scratch.
 */
export function conv2dBackwardFilter(x: Buf, dy: Buf, dw: Buf, dbias: Buf | null, g: ConvBackwardFilterAttrs): void {
  const accumulate = g.accumulate === true;
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW, outH, outW } = g;
  const accW = new Float64Array(outC * kH * kW * inC);
  const accB = new Float64Array(outC);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const dyBase = ((b * outH + oh) * outW + ow) * outC;
        for (let oc = 0; oc < outC; oc++) {
          const d = dy[dyBase + oc]!;
          accB[oc]! += d;
          for (let kh = 0; kh < kH; kh++) {
            const ih = oh * strideH - padH + kh;
            if (ih < 0 || ih >= inH) continue;
            for (let kw = 0; kw < kW; kw++) {
              const iw = ow * strideW - padW + kw;
              if (iw < 0 || iw >= inW) continue;
              const xBase = ((b * inH + ih) * inW + iw) * inC;
              const wBase = ((oc * kH + kh) * kW + kw) * inC;
              for (let ic = 0; ic < inC; ic++) accW[wBase + ic]! += d * x[xBase + ic]!;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < accW.length; i++) dw[i] = accumulate ? dw[i]! + accW[i]! : accW[i]!;
  if (dbias !== null) {
    for (let oc = 0; oc < outC; oc++) dbias[oc] = accumulate ? dbias[oc]! + accB[oc]! : accB[oc]!;
  }
}
