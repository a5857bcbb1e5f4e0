import type { Buf, Kernels } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';

/**
 * Gradient buffers live only from the backward that writes them to the backward that reads them, so they come
 * from a per-backend pool instead of one buffer per layer: a chain of layers then holds two or three gradient
 * buffers at a time rather than one per layer (the difference between PreAct-ResNet-18 at T = 5 fitting in
 * WASM's 4 GiB or not). Steady-state training still allocates nothing: buffers are reused by size.
 *
 * Protocol: a layer's backward takes its dx with takeGrad; whoever passes a gradient on to the next backward
 * (Sequential, Residual, Network) gives it back with giveGrad once that backward has returned.
 */
const pools = new WeakMap<Kernels, Map<number, Buf[]>>();

function pool(k: Kernels): Map<number, Buf[]> {
  let p = pools.get(k);
  if (p === undefined) {
    p = new Map();
    pools.set(k, p);
  }
  return p;
}

/** A buffer of exactly n floats whose contents are stale: the kernel writing it must overwrite it. */
export function takeGrad(k: Kernels, n: number): Buf {
  return pool(k).get(n)?.pop() ?? k.alloc(n);
}

/**
 * Returns a consumed gradient to the pool. `keep` lists tensors that must stay live (the gradient being
 * passed on, which may share the buffer, e.g. after a Flatten). Empty placeholders are ignored.
 */
export function giveGrad(k: Kernels, g: Tensor, ...keep: Tensor[]): void {
  const buf = g.data;
  if (buf.length === 0 || keep.some((t) => t.data.buffer === buf.buffer && t.data.byteOffset === buf.byteOffset))
    return;
  const p = pool(k);
  let list = p.get(buf.length);
  if (list === undefined) {
    list = [];
    p.set(buf.length, list);
  }
  if (!list.includes(buf)) list.push(buf);
}
