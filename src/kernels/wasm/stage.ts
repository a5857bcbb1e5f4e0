/**
 * Turns buffers into kernel pointers. Buffers this backend allocated are used in place; any other Float32Array is
 * copied into a temporary block (and back out, for outputs) — correct, only slower.
 */
import type { Heap } from './heap.js';

export class Stager {
  private readonly temps: { tmp: Float32Array; back: Float32Array | null }[] = [];
  constructor(private readonly heap: Heap) {}

  in(buf: Float32Array): number {
    return this.ptr(buf, true, false);
  }
  out(buf: Float32Array): number {
    return this.ptr(buf, false, true);
  }
  inout(buf: Float32Array): number {
    return this.ptr(buf, true, true);
  }
  /** Pointer of an optional input (0 for null). */
  maybe(buf: Float32Array | null, write = false): number {
    return buf === null ? 0 : this.ptr(buf, true, write);
  }

  /** Copies outputs back and frees the temporaries; call once per kernel call (in a finally). */
  done(): void {
    for (const { tmp, back } of this.temps) {
      if (back !== null) back.set(tmp);
      this.heap.free(tmp);
    }
    this.temps.length = 0;
  }

  private ptr(buf: Float32Array, copyIn: boolean, copyOut: boolean): number {
    if (this.heap.owns(buf)) return buf.byteOffset;
    const tmp = this.heap.alloc(buf.length);
    if (copyIn) tmp.set(buf);
    this.temps.push({ tmp, back: copyOut ? buf : null });
    return tmp.byteOffset;
  }
}
