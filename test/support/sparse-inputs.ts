/**
 * Inputs and cases shared by the event-driven forward tests (reference and conformance): sparse tensors of a
 * given density with some all-zero rows, odd conv shapes, and the weight transposes the event kernels take.
 */
import { convGeometry, linearGeometry } from '../../src/kernels/geometry.js';
import type { ConvGeometry, Kernels } from '../../src/kernels/kernels.js';
import type { Rng } from '../../src/rng.js';

export const DENSITIES = [0, 0.01, 0.1, 0.5, 1] as const;

/**
 * A [rows, rowLen] buffer of k's memory: each entry non-zero with probability `density`, valued `vth` (binary
 * spikes) or, when graded, a signed value of either sign; every third row is all zeros (a sample with no spikes).
 */
export function sparse(
  k: Kernels,
  rng: Rng,
  rows: number,
  rowLen: number,
  density: number,
  graded: boolean,
  vth = 1.5,
): Float32Array {
  const a = k.alloc(rows * rowLen);
  for (let r = 0; r < rows; r++) {
    if (r % 3 === 2 && density < 1) continue;
    for (let i = 0; i < rowLen; i++) {
      if (rng.uniform() >= density) continue;
      a[r * rowLen + i] = graded ? (rng.uniform() - 0.5) * 4 : vth;
    }
  }
  return a;
}

/** Strides, padding, 1×1 and 3×3 (and non-square) kernels, outC below, at and past the 24- and 16-wide blocks, not ×4. */
export function sparseConvCases(): ConvGeometry[] {
  return [
    convGeometry({ batch: 3, inH: 5, inW: 5, inC: 3, outC: 4, kH: 3, pad: 1 }),
    convGeometry({ batch: 2, inH: 7, inW: 6, inC: 5, outC: 9, kH: 3, stride: 2, pad: 1 }),
    convGeometry({ batch: 3, inH: 4, inW: 4, inC: 8, outC: 37, kH: 1 }),
    convGeometry({ batch: 2, inH: 6, inW: 5, inC: 3, outC: 6, kH: 1, stride: 2 }),
    convGeometry({ batch: 3, inH: 8, inW: 5, inC: 2, outC: 2, kH: 3, kW: 2, stride: [2, 1], pad: [1, 0] }),
    convGeometry({ batch: 3, inH: 9, inW: 9, inC: 16, outC: 70, kH: 3, pad: 1 }),
    convGeometry({ batch: 4, inH: 14, inW: 14, inC: 32, outC: 64, kH: 3, pad: 1 }), // the bench shape, threaded
  ];
}

/**
 * sparseConvCases and the shapes either side of the wasm backend's 4 MB per-slot partial (a conv's weight gradient
 * and cross product sum in slots of images below it, by input channel above it): 37 images of the bench shape (slots
 * of several images; threads take several each, some none of a small call's) and 384 channels (a 5.3 MB weight);
 * then linear layers as the 1×1 case.
 */
export function partialCases(): ConvGeometry[] {
  return [
    ...sparseConvCases(),
    convGeometry({ batch: 37, inH: 14, inW: 14, inC: 32, outC: 64, kH: 3, pad: 1 }),
    convGeometry({ batch: 2, inH: 3, inW: 3, inC: 384, outC: 384, kH: 3, pad: 1 }),
    ...(
      [
        [1, 1, 1],
        [7, 13, 5],
        [12, 64, 37],
        [256, 300, 70],
      ] as const
    ).map(([rows, inF, outF]) => linearGeometry(rows, inF, outF)),
  ];
}

/** wT[kh, kw, ic, oc] = w[oc, kh, kw, ic]; also [outF, inF] → [inF, outF] with outC = rows, K = cols. */
export function transposed(k: Kernels, w: Float32Array, outC: number, K: number): Float32Array {
  const wT = k.alloc(w.length);
  for (let oc = 0; oc < outC; oc++) for (let j = 0; j < K; j++) wT[j * outC + oc] = w[oc * K + j]!;
  return wT;
}

export const convLabel = (g: ConvGeometry): string =>
  `${g.batch}×${g.inH}×${g.inW}×${g.inC}→${g.outC} k${g.kH}×${g.kW} s${g.strideH}×${g.strideW} p${g.padH}×${g.padW}`;
