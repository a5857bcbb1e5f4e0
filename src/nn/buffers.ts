/**
 * Non-trainable state that checkpoints must save (BN running statistics). Layers that own some expose
 * `buffers()`; containers gather their children's with `buffersOf`.
 */
import type { Buf } from '../kernels/kernels.js';
import type { Layer } from './layer.js';

export interface NamedBuffer {
  readonly name: string;
  readonly value: Buf;
}

export interface HasBuffers {
  buffers(): NamedBuffer[];
}

export function hasBuffers(layer: Layer): layer is Layer & HasBuffers {
  return typeof (layer as Partial<HasBuffers>).buffers === 'function';
}

/** All buffers of these layers (and, through their own buffers(), of their children), in order. */
export function buffersOf(layers: readonly (Layer | null)[]): NamedBuffer[] {
  const out: NamedBuffer[] = [];
  for (const l of layers) if (l !== null && hasBuffers(l)) out.push(...l.buffers());
  return out;
}
