/**
 * Cutting a waveform into overlapping frames and tapering each with a window, the step before a spectrum. Frame f
 * covers samples [f·hop, f·hop + length); the last frames are zero-padded, and there are ⌈(n − length)/hop⌉ + 1 of
 * them (at least one). Windows: Hann w[n] = 0.5 − 0.5·cos(2πn/(L − 1)), Hamming 0.54 − 0.46·cos(2πn/(L − 1)),
 * or rectangular (none).
 */
import { check } from '../../errors.js';

export type WindowName = 'hann' | 'hamming' | 'rect';

export function windowFunction(name: WindowName, length: number): Float32Array {
  const w = new Float32Array(length);
  for (let n = 0; n < length; n++) {
    const phase = length > 1 ? (2 * Math.PI * n) / (length - 1) : 0;
    w[n] = name === 'hann' ? 0.5 - 0.5 * Math.cos(phase) : name === 'hamming' ? 0.54 - 0.46 * Math.cos(phase) : 1;
  }
  return w;
}

export function frameCount(samples: number, length: number, hop: number): number {
  return samples <= length ? 1 : Math.ceil((samples - length) / hop) + 1;
}

/** The windowed frames, [frames, length] row-major. */
export function frames(x: Float32Array, length: number, hop: number, window: WindowName = 'hann'): Float32Array {
  check(Number.isInteger(length) && length >= 1, `frame length must be a whole number ≥ 1, got ${length}`);
  check(Number.isInteger(hop) && hop >= 1, `frame hop must be a whole number ≥ 1, got ${hop}`);
  const w = windowFunction(window, length);
  const F = frameCount(x.length, length, hop);
  const out = new Float32Array(F * length);
  for (let f = 0; f < F; f++) {
    const at = f * hop;
    const n = Math.min(length, x.length - at);
    for (let i = 0; i < n; i++) out[f * length + i] = x[at + i]! * w[i]!;
  }
  return out;
}
