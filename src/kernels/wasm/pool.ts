/**
 * The main thread plus (threads − 1) workers, all running the same kernel module on one shared memory. A call
 * splits a range [0, total) into aligned parts; part 0 runs on the main thread, the others in workers, and the
 * main thread waits with Atomics until all are done. Small calls run on the main thread alone.
 */
import { SpikerepError } from '../../errors.js';
import type { Heap } from './heap.js';
import { startWorker, type WorkerHandle } from './platform.js';
import {
  CTRL_HEADER,
  DONE,
  FAIL,
  FN_EXIT,
  FN_IDLE,
  GEN,
  HEAD_INTS,
  MAX_ARGS,
  MODE_DYNAMIC,
  MODE_STATIC,
  NEXT,
  SLOT_BYTES,
} from './worker-body.js';

export type KernelFn = (...args: number[]) => number;
export type KernelExports = Record<string, KernelFn>;

/**
 * Estimated single-thread nanoseconds below which another thread is not worth waking (a worker that is still
 * spinning answers in about a microsecond, a sleeping one in tens).
 */
const MIN_WORK_PER_PART = 1 << 14;
/** Chunks per thread in dynamic mode: enough that a thread slowed by other load hands work to the others. */
const CHUNKS_PER_THREAD = 4;

export interface RunOptions {
  /** Part boundaries are multiples of this (tile height, vector width). */
  align?: number;
  /** Estimated single-thread time of the whole call in ns (default: total); decides how many threads join. */
  work?: number;
  /** Scratch bytes each part needs; passed as the last argument. */
  scratch?: number;
  /**
   * The kernel leaves a partial result in its scratch: then part p runs exactly range p on thread p (static),
   * instead of threads claiming smaller chunks as they go (dynamic, the default).
   */
  partials?: boolean;
  /**
   * Chunks per thread in dynamic mode (default 4). Kernels that repack a shared operand per call (gemm's B, the
   * filter-gradient's dy) use 1: each thread still claims its chunk, so a descheduled worker's share is taken over
   * by whoever is free instead of being waited for.
   */
  chunksPerThread?: number;
}

export class Pool {
  readonly threads: number;
  private readonly ids = new Map<string, number>();
  private readonly ctrl: Int32Array;
  private readonly heads: Int32Array[] = [];
  private readonly args: Float64Array[] = [];
  private scratchBytes = 0;
  /** Calls that were split across more than one thread (tests check that threading really happens). */
  parallelCalls = 0;
  private scratch: number[] = [];

  private constructor(
    private readonly ex: KernelExports,
    private readonly heap: Heap,
    ctrlPtr: number,
    private readonly workers: WorkerHandle[],
    names: string[],
  ) {
    this.threads = workers.length + 1;
    names.forEach((n, i) => this.ids.set(n, i));
    const buf = heap.memory.buffer;
    this.ctrl = new Int32Array(buf, ctrlPtr, CTRL_HEADER / 4);
    for (let w = 0; w < workers.length; w++) {
      const slot = ctrlPtr + CTRL_HEADER + w * SLOT_BYTES;
      this.heads.push(new Int32Array(buf, slot, HEAD_INTS));
      this.args.push(new Float64Array(buf, slot + HEAD_INTS * 4, MAX_ARGS));
    }
  }

  static async create(module: WebAssembly.Module, ex: KernelExports, heap: Heap, threads: number): Promise<Pool> {
    const names = Object.keys(ex).filter((k) => typeof ex[k] === 'function');
    const nw = Math.max(0, threads - 1);
    const ctrlPtr = heap.allocBytes(CTRL_HEADER + nw * SLOT_BYTES);
    const workers = await Promise.all(
      Array.from({ length: nw }, (_, index) =>
        startWorker({ module, memory: heap.memory, names, ctrl: ctrlPtr, index }),
      ),
    );
    return new Pool(ex, heap, ctrlPtr, workers, names);
  }

  /**
   * Per-part scratch: pointer for part p (valid until the next call that asks for more). Public so that a caller
   * can prepare each thread's scratch (a kernel that keeps a per-thread partial there) before a run asking no more.
   */
  ensureScratch(bytes: number): void {
    if (bytes <= this.scratchBytes) return;
    for (const p of this.scratch) this.heap.freeBytes(p);
    this.scratch = Array.from({ length: this.threads }, () => this.heap.allocBytes(bytes));
    this.scratchBytes = bytes;
  }

  scratchOf(part: number): number {
    return this.scratch[part]!;
  }

  /**
   * Runs ex[fn](...args, start, end, scratch) over chunks of [0, total), on up to `threads` threads. Returns the
   * number of parts; with `partials`, part p ran on range p and left its result in scratchOf(p).
   */
  run(fn: string, args: number[], total: number, opts: RunOptions = {}): number {
    const align = opts.align ?? 4;
    const units = Math.ceil(total / align);
    const byWork = Math.floor((opts.work ?? total) / MIN_WORK_PER_PART);
    const parts = Math.max(1, Math.min(this.threads, units, byWork));
    const dynamic = parts > 1 && opts.partials !== true;
    const chunks = dynamic ? Math.min(units, parts * (opts.chunksPerThread ?? CHUNKS_PER_THREAD)) : parts;
    this.ensureScratch(Math.max(opts.scratch ?? 0, 64));
    const bound = (c: number): number => Math.min(total, Math.floor((c * units) / chunks) * align);
    if (parts > 1) {
      this.parallelCalls++;
      const id = this.ids.get(fn);
      if (id === undefined) throw new SpikerepError('E_BACKEND', `wasm kernel ${fn} is not exported`);
      if (args.length + 3 > MAX_ARGS) throw new SpikerepError('E_BACKEND', `wasm kernel ${fn}: too many arguments`);
      for (let w = 0; w < this.workers.length; w++) {
        const head = this.heads[w]!;
        if (w + 1 >= parts) {
          head[0] = FN_IDLE;
          continue;
        }
        const a = this.args[w]!;
        for (let i = 0; i < args.length; i++) a[i] = args[i]!;
        a[args.length] = this.scratch[w + 1]!;
        head[0] = id;
        head[1] = args.length;
        head[2] = dynamic ? MODE_DYNAMIC : MODE_STATIC;
        head[3] = chunks;
        head[4] = units;
        head[5] = align;
        head[6] = total;
      }
      Atomics.store(this.ctrl, DONE, 0);
      Atomics.store(this.ctrl, FAIL, 0);
      Atomics.store(this.ctrl, NEXT, 0);
      Atomics.add(this.ctrl, GEN, 1);
      Atomics.notify(this.ctrl, GEN);
    }
    const f = this.ex[fn]!;
    const scratch = this.scratch[0]!;
    let mainError: unknown = null;
    try {
      if (!dynamic) f(...args, bound(0), bound(1), scratch);
      else {
        for (let c = Atomics.add(this.ctrl, NEXT, 1); c < chunks; c = Atomics.add(this.ctrl, NEXT, 1)) {
          f(...args, bound(c), bound(c + 1), scratch);
        }
      }
    } catch (e) {
      mainError = e;
    }
    if (parts > 1) this.waitFor(parts - 1);
    if (mainError !== null) throw new SpikerepError('E_BACKEND', `wasm kernel ${fn} failed: ${String(mainError)}`);
    const failed = Atomics.load(this.ctrl, FAIL);
    if (failed !== 0) throw new SpikerepError('E_BACKEND', `wasm kernel ${fn} failed in worker ${failed - 1}`);
    return parts;
  }

  private waitFor(n: number): void {
    for (let spin = 0; spin < 20000; spin++) if (Atomics.load(this.ctrl, DONE) >= n) return;
    for (;;) {
      const done = Atomics.load(this.ctrl, DONE);
      if (done >= n) return;
      if (Atomics.wait(this.ctrl, DONE, done, 1000) === 'timed-out' && this.workers.some((w) => !w.alive)) {
        throw new SpikerepError('E_BACKEND', 'a wasm worker thread died; create the backend again');
      }
    }
  }

  /** Stops the workers; the pool cannot run parallel calls afterwards. */
  close(): void {
    for (let w = 0; w < this.workers.length; w++) this.heads[w]![0] = FN_EXIT;
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
    (this as { threads: number }).threads = 1;
  }
}
