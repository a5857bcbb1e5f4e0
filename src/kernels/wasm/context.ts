/** What the kernel groups share: the main thread's exports, the worker pool, the heap and the stager. */
import type { Heap } from './heap.js';
import type { KernelExports, Pool } from './pool.js';
import type { Stager } from './stage.js';

export interface WasmContext {
  readonly ex: KernelExports;
  readonly pool: Pool;
  readonly heap: Heap;
  readonly st: Stager;
}

/** Runs body with staged pointers, always releasing the staging temporaries. */
export function staged<T>(ctx: WasmContext, body: () => T): T {
  try {
    return body();
  } finally {
    ctx.st.done();
  }
}

/** A temporary block of float32 values in the shared memory (free with ctx.heap.freeBytes). */
export function tempF32(ctx: WasmContext, values: ArrayLike<number>): number {
  const off = ctx.heap.allocBytes(values.length * 4);
  new Float32Array(ctx.heap.memory.buffer, off, values.length).set(values);
  return off;
}

export function tempI32(ctx: WasmContext, values: ArrayLike<number>): number {
  const off = ctx.heap.allocBytes(values.length * 4);
  new Int32Array(ctx.heap.memory.buffer, off, values.length).set(values);
  return off;
}
