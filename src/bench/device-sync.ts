/**
 * Timing a backend that queues work: the webgpu kernels return as soon as a kernel is recorded, so a timer
 * stopped then would measure the recording. A backend with a queue offers `finish()`, which blocks until
 * everything queued has run; it is not part of the Kernels contract (the CPU backends finish every call).
 */
import type { Kernels } from '../kernels/kernels.js';

/** Blocks until every kernel `k` has queued so far has run; a no-op for backends that run each call at once. */
export function finish(k: Kernels): void {
  (k as Kernels & { finish?: () => void }).finish?.();
}

/** `run`, then wait for the device: what a timer around a kernel call must measure. */
export function settled(k: Kernels, run: () => void): () => void {
  return () => {
    run();
    finish(k);
  };
}
