/**
 * The audio front end: waveform → [frames, bands] features that any signal encoder turns into spikes.
 * pre-emphasis (α) → frames of `frameMs` every `hopMs`, tapered by a window → power spectrum (FFT of the next power
 * of two ≥ the frame) → mel or gammatone band energies → log compression log(E + floor) (or none).
 * Defaults: α 0.97, 25 ms frames every 10 ms, Hann, 40 mel bands from 20 Hz to sampleRate/2, floor 1e-6.
 */
import { check } from '../../errors.js';
import { type Signal, signal } from '../signal.js';
import { powerSpectrum } from './fft.js';
import { frameCount, frames, type WindowName } from './framing.js';
import { gammatoneFilterbank } from './gammatone.js';
import { applyFilterbank, type Filterbank, melFilterbank } from './mel.js';
import { preEmphasis } from './pre-emphasis.js';

export interface FrontEndOptions {
  sampleRate: number;
  preEmphasis?: number;
  frameMs?: number;
  hopMs?: number;
  window?: WindowName;
  filterbank?: 'mel' | 'gammatone';
  bands?: number;
  fmin?: number;
  fmax?: number;
  compression?: 'log' | 'none';
  /** Added before the log so that silence gives log(floor), not −∞. */
  floor?: number;
}

export function frontEndFilterbank(opts: FrontEndOptions): {
  fb: Filterbank;
  frameLength: number;
  hop: number;
  nfft: number;
} {
  const { sampleRate } = opts;
  check(Number.isFinite(sampleRate) && sampleRate > 0, `sample rate must be > 0, got ${sampleRate}`);
  const frameLength = Math.round(((opts.frameMs ?? 25) * sampleRate) / 1000);
  const hop = Math.round(((opts.hopMs ?? 10) * sampleRate) / 1000);
  check(
    frameLength >= 2 && hop >= 1,
    `frames of ${opts.frameMs ?? 25} ms every ${opts.hopMs ?? 10} ms are too short at ${sampleRate} Hz`,
  );
  let nfft = 1;
  while (nfft < frameLength) nfft <<= 1;
  const bank = { bands: opts.bands ?? 40, sampleRate, nfft, fmin: opts.fmin, fmax: opts.fmax };
  const fb =
    opts.filterbank === 'gammatone' ? gammatoneFilterbank(bank) : melFilterbank({ ...bank, fmin: opts.fmin ?? 20 });
  return { fb, frameLength, hop, nfft };
}

/** Features [frames, bands] of a mono waveform. */
export function audioFeatures(samples: Float32Array, opts: FrontEndOptions): Signal {
  const { fb, frameLength, hop, nfft } = frontEndFilterbank(opts);
  const floor = opts.floor ?? 1e-6;
  check(floor > 0, `log floor must be > 0, got ${floor}`);
  const emphasised = preEmphasis(samples, opts.preEmphasis ?? 0.97);
  const F = frameCount(samples.length, frameLength, hop);
  const framed = frames(emphasised, frameLength, hop, opts.window ?? 'hann');
  const out = new Float32Array(F * fb.bands);
  for (let f = 0; f < F; f++) {
    const power = powerSpectrum(framed.subarray(f * frameLength, (f + 1) * frameLength), nfft);
    applyFilterbank(fb, power, out, f * fb.bands);
  }
  if ((opts.compression ?? 'log') === 'log') for (let k = 0; k < out.length; k++) out[k] = Math.log(out[k]! + floor);
  return signal(F, fb.bands, out);
}
