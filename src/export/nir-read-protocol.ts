/** What nir-read-bounded.ts and its reading thread (nir-read-worker.ts) exchange. */
import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import type { NirGraph } from './nir-graph.js';

export interface ReaderInit {
  /** Raised to 1 by the thread when it is ready and after each reply; the caller waits on it. */
  flag: Int32Array;
  port: MessagePort;
  /** Tests only: a file that receives the library's diagnostics outside the read's own capture. */
  stderrTo?: string;
}

export interface ReadRequest {
  path: string;
}

export type ReadReply =
  | { ok: true; graph: NirGraph }
  | { ok: false; code: ErrorCode; message: string; path: string | undefined }
  | { ok: false; bug: string };
