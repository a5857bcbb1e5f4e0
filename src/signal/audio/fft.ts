/**
 * The power spectrum |X_k|², k = 0 … nfft/2, of one real frame zero-padded to nfft (a power of two), by an iterative
 * radix-2 FFT in float64. X_k = Σ_n x[n]·exp(−2πi·kn/nfft), unnormalised.
 */
import { check } from '../../errors.js';

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

export function powerSpectrum(frame: Float32Array, nfft: number): Float64Array {
  check(isPowerOfTwo(nfft), `FFT size must be a power of two, got ${nfft}`);
  check(frame.length <= nfft, `a frame of ${frame.length} samples does not fit an FFT of ${nfft}`);
  const re = new Float64Array(nfft);
  const im = new Float64Array(nfft);
  re.set(frame);
  // bit-reversal permutation, then butterflies of growing size
  for (let i = 1, j = 0; i < nfft; i++) {
    let bit = nfft >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
    }
  }
  for (let size = 2; size <= nfft; size <<= 1) {
    const half = size >> 1;
    const step = (-2 * Math.PI) / size;
    for (let start = 0; start < nfft; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = Math.cos(step * k);
        const wi = Math.sin(step * k);
        const a = start + k;
        const b = a + half;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
  const bins = nfft / 2 + 1;
  const out = new Float64Array(bins);
  for (let k = 0; k < bins; k++) out[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return out;
}
