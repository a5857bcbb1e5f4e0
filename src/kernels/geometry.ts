import { SpikerepError } from '../errors.js';
import type { ConvGeometry } from './kernels.js';

/** Output size of a window sweep, PyTorch's floor rule. */
export function outSize(inSize: number, k: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - k) / stride) + 1;
}

export interface ConvSpec {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kH: number;
  kW?: number;
  stride?: number | [number, number];
  pad?: number | [number, number];
}

/** The one place where conv and pooling geometry is computed. */
export function convGeometry(s: ConvSpec): ConvGeometry {
  const kW = s.kW ?? s.kH;
  const [strideH, strideW] = pair(s.stride ?? 1);
  const [padH, padW] = pair(s.pad ?? 0);
  const outH = outSize(s.inH, s.kH, strideH, padH);
  const outW = outSize(s.inW, kW, strideW, padW);
  if (outH < 1 || outW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0) {
    throw new SpikerepError(
      'E_SHAPE',
      `window ${s.kH}×${kW} stride ${strideH}×${strideW} pad ${padH}×${padW} does not fit a ${s.inH}×${s.inW} input`,
    );
  }
  return {
    batch: s.batch,
    inH: s.inH,
    inW: s.inW,
    inC: s.inC,
    outC: s.outC,
    kH: s.kH,
    kW,
    strideH,
    strideW,
    padH,
    padW,
    outH,
    outW,
  };
}

/** Pooling windows are convolutions with outC = inC and no weights. */
export function poolGeometry(
  batch: number,
  inH: number,
  inW: number,
  C: number,
  k: number,
  stride = k,
  pad = 0,
): ConvGeometry {
  return convGeometry({ batch, inH, inW, inC: C, outC: C, kH: k, stride, pad });
}

/** A linear layer [rows, inF] → [rows, outF] as the 1×1 convolution of rows 1×1 images with inF channels. */
export function linearGeometry(rows: number, inF: number, outF: number): ConvGeometry {
  return convGeometry({ batch: rows, inH: 1, inW: 1, inC: inF, outC: outF, kH: 1 });
}

/** Multiply-accumulates of one conv pass (forward, input-gradient and filter-gradient each cost this). */
export function convMacs(g: ConvGeometry): number {
  return g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/** The 13 geometry integers in the order the wasm and native conv kernels read them. */
export function geometryInts(g: ConvGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW];
}
