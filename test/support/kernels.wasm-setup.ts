/**
 * Shared setup of the wasm conformance tests: the backend configurations every kernel is checked in (1 and 2
 * threads, with and without fused multiply-add), seeded inputs in the backend's memory, and a plain copy.
 */
import { after, before } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import type { Rng } from '../../src/rng.js';

export interface Config {
  label: string;
  threads: number;
  fma: boolean;
}

export const CONFIGS: Config[] = [
  { label: '1 thread', threads: 1, fma: true },
  { label: '2 threads', threads: 2, fma: true },
  { label: '2 threads, no fma', threads: 2, fma: false },
];

/** Creates the wasm backends before the file's tests and closes them after. */
export function useBackends(): Map<string, Kernels> {
  const made = new Map<string, Kernels>();
  before(async () => {
    for (const c of CONFIGS) made.set(c.label, await createKernels('wasm', { threads: c.threads, fma: c.fma }));
  });
  after(() => {
    for (const k of made.values()) disposeKernels(k);
  });
  return made;
}

/** A buffer of k's memory filled with uniform values in [lo, hi). */
export function uniform(k: Kernels, rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

/** Multiples of 1/64 in [lo, hi): every partial sum of a few of them is exact in float32. */
export function dyadic(k: Kernels, rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor(rng.uniform() * (hi - lo) * 64) / 64;
  return a;
}

export function plain(a: Float32Array): Float32Array {
  return Float32Array.from(a);
}

/** Bit-level equality with the index of the first difference in the message. */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}
