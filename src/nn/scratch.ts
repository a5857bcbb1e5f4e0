import type { Buf, Kernels } from '../kernels/kernels.js';

/**
 * A buffer a layer reuses across calls: it is reallocated only when the size changes (a new batch size or T),
 * so steady-state training allocates nothing (no per-step allocation; buffers are reused across batches).
 */
export class Scratch {
  private buf: Buf | null = null;
  private owner: Kernels | null = null;

  /** A buffer of exactly n floats from k; its contents are whatever the last user left. */
  get(k: Kernels, n: number): Buf {
    if (this.buf === null || this.buf.length !== n || this.owner !== k) {
      if (this.buf !== null && this.owner !== null) this.owner.free(this.buf);
      this.buf = k.alloc(n);
      this.owner = k;
    }
    return this.buf;
  }

  release(): void {
    if (this.buf !== null && this.owner !== null) this.owner.free(this.buf);
    this.buf = null;
    this.owner = null;
  }
}
