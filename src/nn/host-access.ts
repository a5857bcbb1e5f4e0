/**
 * Host access to a network's tensors as a whole (checkpoints, exports, copying weights between networks). A
 * backend whose memory is not the host's keeps large buffers on its device between kernels (kernels.ts), so
 * reading them needs toHost first and writing them fromHost after; on the CPU backends both are no-ops.
 */
import type { Buf, Kernels } from '../kernels/kernels.js';
import { buffersOf } from './buffers.js';
import type { Network } from './network.js';

/** A named tensor as checkpoints and exports see it. */
interface Named {
  readonly name: string;
  readonly value: Buf;
}

/** Every parameter value and every buffer (BN running statistics) of `net`, in the order checkpoints use. */
export function networkTensors(net: Network): Named[] {
  return [...net.params().map((p) => ({ name: p.name, value: p.value })), ...buffersOf([net.body, net.readout])];
}

/** Makes the values of `tensors` current on the host before the host reads them; returns them. */
export function tensorsToHost<T extends { readonly value: Buf }>(k: Kernels, tensors: readonly T[]): readonly T[] {
  for (const t of tensors) k.toHost(t.value);
  return tensors;
}

/** Tells the backend that the host wrote `tensors` (restored weights), so later kernels see the new values. */
export function tensorsFromHost(k: Kernels, tensors: readonly { readonly value: Buf }[]): void {
  for (const t of tensors) k.fromHost(t.value);
}
