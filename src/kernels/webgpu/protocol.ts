/**
 * Messages from the calling thread (kernels.ts) to the device thread (device-worker.ts). The calling thread queues
 * commands and posts them in one flush; a flush that needs an answer (a downloaded buffer, a returned number)
 * blocks the caller on the shared control word until the device thread has written the answer into shared memory.
 */

/** A range of a buffer the calling thread allocated: id, offset and length in floats. */
export interface Ref {
  readonly id: number;
  readonly offset: number;
  readonly n: number;
}

export type Command =
  | { readonly t: 'alloc'; readonly id: number; readonly n: number }
  | { readonly t: 'free'; readonly id: number }
  /** Copies `n` floats from the flush's upload block at float offset `at` into `ref`. */
  | { readonly t: 'upload'; readonly ref: Ref; readonly at: number }
  /** One op (ops/index.ts); `outs` lists the indices of `refs` the op writes. */
  | {
      readonly t: 'op';
      readonly op: string;
      readonly refs: readonly (Ref | null)[];
      readonly outs: readonly number[];
      readonly attrs: unknown;
    }
  /** Copies ref into the shared download block at float offset `at`. */
  | { readonly t: 'download'; readonly ref: Ref; readonly at: number };

export interface Flush {
  readonly cmds: readonly Command[];
  /** Every upload's floats, concatenated. */
  readonly uploads: Float32Array;
  /** Present when the caller waits: the device thread sets control[SEQ] to it when done. */
  readonly seq?: number;
  /** A new, larger shared download block (sent when the old one is too small). */
  readonly downloadBlock?: SharedArrayBuffer;
}

/** Indices into the shared Int32 control array. */
export const SEQ = 0;
/** 0: ok; 1: an error was recorded (its text is in the shared error block). */
export const ERROR = 1;
/** Floats of the last op's result (its float32 partial sums), written to the shared result block. */
export const RESULT_LENGTH = 2;
export const ERROR_LENGTH = 3;
export const CONTROL_WORDS = 4;

/** Floats the shared result block holds: an op's partial sums must fit (ops reduce in two levels beyond). */
export const RESULT_FLOATS = 1 << 16;
export const ERROR_BYTES = 2048;

/** The shared memory both threads see, created by the calling thread. */
export interface SharedBlocks {
  readonly control: SharedArrayBuffer;
  readonly result: SharedArrayBuffer;
  readonly error: SharedArrayBuffer;
  readonly download: SharedArrayBuffer;
}

/** What the device thread starts with. */
export interface DeviceInit {
  readonly shared: SharedBlocks;
  /** `create()` flags for dawn.node (Node only). */
  readonly flags: readonly string[];
  readonly powerPreference?: 'high-performance' | 'low-power';
}

/** The device thread's first message: the adapter it got, or why it got none. */
export type DeviceReady =
  | {
      readonly ok: true;
      readonly adapter: { vendor: string; architecture: string; device: string; description: string };
      readonly fallback: boolean;
    }
  | { readonly ok: false; readonly reason: string };
