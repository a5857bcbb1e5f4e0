/**
 * The power spectrum |X_k|², k = 0 … nfft/2, of one real frame zero-padded to nfft (a power of two), by an iterative
 * radix-2 FFT in float64. X_k = Σ_n x[n]·exp(−2πi·kn/nfft), unnormalised.
 */
import { check } from '../../errors.js';

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** cos and sin of −2πk/nfft for k < nfft/2, computed once per size. */
const twiddles = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddlesFor(nfft: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddles.get(nfft);
  if (t === undefined) {
    const half = nfft / 2;
    t = {
      cos: Float64Array.from({ length: half }, (_, k) => Math.cos((-2 * Math.PI * k) / nfft)),
      sin: Float64Array.from({ length: half }, (_, k) => Math.sin((-2 * Math.PI * k) / nfft)),
    };
    twiddles.set(nfft, t);
  }
  return t;
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
  const tw = twiddlesFor(nfft);
  for (let size = 2; size <= nfft; size <<= 1) {
    const half = size >> 1;
    const stride = nfft / size; // exp(−2πik/size) = exp(−2πi·(k·stride)/nfft)
    for (let start = 0; start < nfft; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = tw.cos[k * stride]!;
        const wi = tw.sin[k * stride]!;
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
