/**
 * A mel filterbank: M triangular filters whose centres are evenly spaced on the mel scale between fmin and fmax
 * (HTK's mel(f) = 2595·log10(1 + f/700)). Filter m rises linearly from the centre of filter m − 1 to its own centre
 * and falls to the centre of m + 1, weights evaluated at each FFT bin's frequency k·sampleRate/nfft; peak weight 1.
 */
import { check } from '../../errors.js';

export const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
export const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

export interface MelOptions {
  bands: number;
  sampleRate: number;
  nfft: number;
  fmin?: number;
  /** Default sampleRate / 2. */
  fmax?: number;
}

/** A bank of spectral weights, mel or gammatone. */
export interface Filterbank {
  readonly bands: number;
  readonly bins: number;
  /** Each band's centre frequency in Hz, then its edges: band m spans (edges[m], edges[m + 2]). */
  readonly centres: Float64Array;
  readonly edges: Float64Array;
  /** [bands, bins] row-major. */
  readonly weights: Float32Array;
}

export function melFilterbank(opts: MelOptions): Filterbank {
  const { bands: M, sampleRate, nfft } = opts;
  const fmin = opts.fmin ?? 0;
  const fmax = opts.fmax ?? sampleRate / 2;
  check(Number.isInteger(M) && M >= 1, `mel bands must be a whole number ≥ 1, got ${M}`);
  check(sampleRate > 0, `sample rate must be > 0, got ${sampleRate}`);
  check(
    fmin >= 0 && fmax > fmin && fmax <= sampleRate / 2,
    `mel range needs 0 ≤ fmin < fmax ≤ sampleRate/2, got [${fmin}, ${fmax}]`,
  );
  const bins = nfft / 2 + 1;
  const lo = hzToMel(fmin);
  const hi = hzToMel(fmax);
  const edges = Float64Array.from({ length: M + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (M + 1)));
  const weights = new Float32Array(M * bins);
  for (let m = 0; m < M; m++) {
    const [a, c, b] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nfft;
      const w = f <= a || f >= b ? 0 : f <= c ? (f - a) / (c - a) : (b - f) / (b - c);
      weights[m * bins + k] = w;
    }
  }
  return { bands: M, bins, centres: edges.slice(1, M + 1), edges, weights };
}

/** Band energies of one power spectrum: E_m = Σ_k W[m, k]·P_k. */
export function applyFilterbank(fb: Filterbank, power: Float64Array, out: Float32Array, offset = 0): void {
  for (let m = 0; m < fb.bands; m++) {
    let e = 0;
    for (let k = 0; k < fb.bins; k++) e += fb.weights[m * fb.bins + k]! * power[k]!;
    out[offset + m] = e;
  }
}
