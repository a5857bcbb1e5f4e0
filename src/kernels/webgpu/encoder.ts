/**
 * What a WebGPU op sees: the Encoder records one flush's dispatches and copies (ops/ never touch the queue), and
 * the executor (executor.ts) turns the record into one command buffer. Recording first lets the flush size its
 * uniform and upload arenas before any bind group points into them.
 *
 * Conventions for ops (ops/*.ts):
 *  - A shader's uniform struct lists its `u32` fields first, then its `f32` fields, in the order of `Params`.
 *    Binding 0 is that struct (`var<uniform> p: P`); bindings 1… are the op's buffers, in the order it passes them.
 *    Every declared binding must be used (pipelines use `layout: 'auto'`, which drops unused ones).
 *  - Buffers are float32 storage unless the op says otherwise (bit-packed spikes are read as `array<u32>`).
 *  - Workgroup counts over a long 1-D range come from `grid1d`, and the shader rebuilds the index with `LINEAR`.
 */

/** A byte range of a GPU buffer, bound as one storage (or uniform) binding. */
export interface Binding {
  readonly buffer: GPUBuffer;
  /** Bytes; a multiple of the device's storage offset alignment (256). */
  readonly offset: number;
  /** Bytes. */
  readonly size: number;
}

/** A compute shader: compiled once per device, looked up by `key`. Entry point `main`. */
export interface Shader {
  readonly key: string;
  readonly code: string;
}

/** The scalars of one dispatch: `struct P { <u32…>, <f32…> }`. */
export interface Params {
  readonly u32?: readonly number[];
  readonly f32?: readonly number[];
}

export interface Encoder {
  readonly device: GPUDevice;
  /** One compute dispatch of `groups` workgroups ([x, y, z], y and z default 1). */
  dispatch(
    shader: Shader,
    params: Params,
    buffers: readonly Binding[],
    groups: readonly [number, number?, number?],
  ): void;
  /** A scratch range of at least `floats` floats, valid until this flush is submitted; contents undefined. */
  scratch(floats: number): Binding;
  /** Zero-fills a range. */
  clear(b: Binding): void;
  /** Copies src into dst (dst.size ≥ src.size). */
  copy(src: Binding, dst: Binding): void;
  /** Read-only data (float weights, integer labels) uploaded with this flush, bindable as storage. */
  constants(data: Float32Array | Int32Array | Uint32Array): Binding;
}

/**
 * One op: encodes the work of one contract method. `b` holds the method's buffers in the order ops/index.ts states
 * (null where an optional buffer is absent). An op whose method returns a number returns the range holding the
 * float32 partial sums of that number; the caller adds them in float64.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: ops that return nothing are plain `void` functions
export type GpuOp<A> = (e: Encoder, b: readonly (Binding | null)[], attrs: A) => Binding | void;

/** Largest workgroup count per grid dimension WebGPU guarantees. */
export const MAX_GROUPS = 65535;

/** Workgroups covering n invocations of `size` each, folded into 2-D when one dimension is not enough. */
export function grid1d(n: number, size: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  if (groups <= MAX_GROUPS) return [groups, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y];
}

/**
 * WGSL: the linear invocation index of a grid made by grid1d with workgroup size WG (declare `const WG = …u;`
 * and the builtins `@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u`).
 */
export const LINEAR = 'fn linear(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * WG; }';

/** A Binding's length in floats. */
export function floats(b: Binding): number {
  return b.size / 4;
}
