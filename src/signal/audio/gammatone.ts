/**
 * A gammatone filterbank applied to the power spectrum: M filters with centres evenly spaced on the ERB-rate scale
 * (Glasberg & Moore 1990: ERB(f) = 24.7·(4.37·f/1000 + 1) Hz, ERB-rate(f) = 21.4·log10(1 + 4.37·f/1000)) between
 * fmin and fmax. A 4th-order gammatone's magnitude response near its centre fc is |H(f)| ≈ (1 + ((f − fc)/b)²)^(−2)
 * with b = 1.019·ERB(fc); its square weights the power spectrum. Wider than the mel triangles at high frequencies,
 * narrower at low ones, as the cochlea's filters are.
 */
import { check } from '../../errors.js';
import type { Filterbank } from './mel.js';

export const erb = (f: number): number => 24.7 * (4.37 * (f / 1000) + 1);
export const hzToErbRate = (f: number): number => 21.4 * Math.log10(1 + (4.37 * f) / 1000);
export const erbRateToHz = (e: number): number => ((10 ** (e / 21.4) - 1) * 1000) / 4.37;

export interface GammatoneOptions {
  bands: number;
  sampleRate: number;
  nfft: number;
  /** Default 50 Hz. */
  fmin?: number;
  /** Default sampleRate / 2. */
  fmax?: number;
}

export function gammatoneFilterbank(opts: GammatoneOptions): Filterbank {
  const { bands: M, sampleRate, nfft } = opts;
  const fmin = opts.fmin ?? 50;
  const fmax = opts.fmax ?? sampleRate / 2;
  check(Number.isInteger(M) && M >= 1, `gammatone bands must be a whole number ≥ 1, got ${M}`);
  check(
    fmin > 0 && fmax > fmin && fmax <= sampleRate / 2,
    `gammatone range needs 0 < fmin < fmax ≤ sampleRate/2, got [${fmin}, ${fmax}]`,
  );
  const bins = nfft / 2 + 1;
  const lo = hzToErbRate(fmin);
  const hi = hzToErbRate(fmax);
  const centres = Float64Array.from({ length: M }, (_, i) =>
    erbRateToHz(M === 1 ? lo : lo + ((hi - lo) * i) / (M - 1)),
  );
  const weights = new Float32Array(M * bins);
  for (let m = 0; m < M; m++) {
    const fc = centres[m]!;
    const b = 1.019 * erb(fc);
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nfft;
      weights[m * bins + k] = (1 + ((f - fc) / b) ** 2) ** -4; // |H|² of the 4th-order approximation
    }
  }
  // edges: a band's half-power points are about fc ± b·√(2^(1/4) − 1); kept for plots and tests
  const half = Math.sqrt(2 ** 0.25 - 1);
  const edges = new Float64Array(M + 2);
  edges[0] = Math.max(0, centres[0]! - 1.019 * erb(centres[0]!) * half);
  edges.set(centres, 1);
  edges[M + 1] = centres[M - 1]! + 1.019 * erb(centres[M - 1]!) * half;
  return { bands: M, bins, centres, edges, weights };
}
