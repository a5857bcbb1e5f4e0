/**
 * The calling thread's side of the webgpu backend: which host views have GPU buffers, which side holds their
 * latest values, and the queue of commands posted to the device thread in flushes.
 *
 * Memory model. `alloc` returns an ordinary Float32Array (the host view) backed by a GPU buffer of the same size.
 *  - Buffers of at most `hostMax` floats are mirrored: the host view is what counts between kernel calls, so
 *    layers may read and write parameter-sized vectors directly (kernels.ts). A GPU op uploads them before it runs
 *    and downloads the ones it writes right after (the caller waits for that).
 *  - Larger buffers live on the GPU: kernels leave their results there, and the host sees them only through
 *    toHost; host writes reach the GPU through fromHost, or at the first use after alloc.
 *  - Arrays this backend did not allocate are treated as mirrored, through a temporary GPU buffer.
 */
import { SpikerepError } from '../../errors.js';
import type { Buf } from '../kernels.js';
import {
  type Command,
  ERROR,
  ERROR_LENGTH,
  type Flush,
  RESULT_LENGTH,
  type Ref,
  SEQ,
  type SharedBlocks,
} from './protocol.js';

/** Where the latest values of a GPU-resident buffer are: only on the host, only on the GPU, or on both. */
type Side = 'host' | 'gpu' | 'both';

interface Entry {
  readonly id: number;
  readonly n: number;
  readonly base: Float32Array;
  side: Side;
}

/** One buffer of an op as the link sees it. */
interface Use {
  readonly view: Buf;
  readonly ref: Ref;
  readonly mirrored: boolean;
  readonly entry: Entry | null;
  /** A temporary GPU buffer for an array this backend did not allocate. */
  readonly transient: boolean;
}

export interface DevicePort {
  post(flush: Flush, transfer: ArrayBuffer[]): void;
}

/** Commands per flush before one is posted without waiting, so the device starts while the caller records. */
const FLUSH_COMMANDS = 512;
const FLUSH_UPLOAD_FLOATS = 1 << 24;
/** A device that stays silent this long is lost (a crashed device thread cannot say so itself). */
const WAIT_LIMIT_MS = 120_000;

export class DeviceLink {
  private readonly entries = new WeakMap<ArrayBufferLike, Entry>();
  private nextId = 1;
  private cmds: Command[] = [];
  private uploads: Float32Array[] = [];
  private uploadFloats = 0;
  private seq = 0;
  private readonly control: Int32Array;
  private downloadBlock: SharedArrayBuffer;
  /** Flushes posted so far (tests and the profile read it). */
  flushes = 0;
  /** Flushes the caller waited for. */
  waits = 0;

  constructor(
    private readonly port: DevicePort,
    private readonly shared: SharedBlocks,
    readonly hostMax: number,
  ) {
    this.control = new Int32Array(shared.control);
    this.downloadBlock = shared.download;
  }

  alloc(n: number): Buf {
    const base = new Float32Array(n);
    const entry: Entry = { id: this.nextId++, n, base, side: 'host' };
    this.entries.set(base.buffer, entry);
    this.cmds.push({ t: 'alloc', id: entry.id, n });
    return base;
  }

  free(buf: Buf): void {
    const e = this.entries.get(buf.buffer);
    if (e === undefined || buf.byteOffset !== 0 || buf.length !== e.n) return;
    this.entries.delete(buf.buffer);
    this.cmds.push({ t: 'free', id: e.id });
  }

  private entryOf(view: Buf): Entry | null {
    return this.entries.get(view.buffer) ?? null;
  }

  /** Whether a kernel over these buffers runs on the host: all of them mirrored. */
  allMirrored(bufs: readonly (Buf | null | undefined)[]): boolean {
    for (const b of bufs) {
      if (b === null || b === undefined) continue;
      const e = this.entryOf(b);
      if (e !== null && e.n > this.hostMax) return false;
    }
    return true;
  }

  private pushUpload(ref: Ref, data: Float32Array): void {
    if (ref.n === 0) return;
    this.cmds.push({ t: 'upload', ref, at: this.uploadFloats });
    this.uploads.push(data.slice()); // a copy: the host may change the view before the flush is posted
    this.uploadFloats += ref.n;
  }

  /** Makes the whole of a GPU-resident buffer current on the GPU. */
  private toDevice(e: Entry): void {
    if (e.side !== 'host') return;
    this.pushUpload({ id: e.id, offset: 0, n: e.n }, e.base);
    e.side = 'both';
  }

  /** The host changed `view`: send exactly that range (the rest may be newer on the GPU). */
  fromHost(view: Buf): void {
    const e = this.entryOf(view);
    if (e === null || e.n <= this.hostMax) return; // mirrored: uploaded at every use anyway
    if (e.side === 'host') return; // uploaded whole at the next use
    this.pushUpload({ id: e.id, offset: view.byteOffset / 4, n: view.length }, view);
  }

  /** Brings a GPU-resident buffer's latest values to the host view (waits for the device). */
  toHost(view: Buf): Buf {
    const e = this.entryOf(view);
    if (e === null || e.n <= this.hostMax || e.side !== 'gpu') return view;
    const at = 0;
    this.cmds.push({ t: 'download', ref: { id: e.id, offset: 0, n: e.n }, at });
    this.wait([{ at, into: e.base }]);
    e.side = 'both';
    return view;
  }

  /**
   * Queues one op. `outs`: indices of the buffers it writes; `reads`: those of them it also reads (accumulate,
   * in-place state). Returns the op's result (its partial sums added in float64) when `result` is set.
   */
  op(
    name: string,
    bufs: readonly (Buf | null | undefined)[],
    outs: readonly number[],
    reads: readonly number[],
    attrs: unknown,
    result = false,
  ): number {
    const uses: (Use | null)[] = bufs.map((view) => {
      if (view === null || view === undefined) return null;
      const entry = this.entryOf(view);
      if (entry === null) {
        const id = this.nextId++;
        this.cmds.push({ t: 'alloc', id, n: view.length });
        return { view, ref: { id, offset: 0, n: view.length }, mirrored: true, entry: null, transient: true };
      }
      const ref = { id: entry.id, offset: view.byteOffset / 4, n: view.length };
      return { view, ref, mirrored: entry.n <= this.hostMax, entry, transient: false };
    });
    const written = new Set(outs);
    const readBack = new Set(reads);
    uses.forEach((u, i) => {
      if (u === null) return;
      if (!u.mirrored) this.toDevice(u.entry!);
      else if (!written.has(i) || readBack.has(i)) this.pushUpload(u.ref, u.view);
    });
    this.cmds.push({ t: 'op', op: name, refs: uses.map((u) => u?.ref ?? null), outs, attrs });
    const downloads: { at: number; into: Float32Array }[] = [];
    let at = 0;
    for (const i of outs) {
      const u = uses[i];
      if (u === null || u === undefined) continue;
      if (!u.mirrored) {
        u.entry!.side = 'gpu';
        continue;
      }
      this.cmds.push({ t: 'download', ref: u.ref, at });
      downloads.push({ at, into: u.view });
      at += u.ref.n;
    }
    for (const u of uses) if (u?.transient === true) this.cmds.push({ t: 'free', id: u.ref.id });
    if (downloads.length > 0 || result) return this.wait(downloads);
    if (this.cmds.length >= FLUSH_COMMANDS || this.uploadFloats >= FLUSH_UPLOAD_FLOATS) this.post();
    return 0;
  }

  private take(): { cmds: Command[]; uploads: Float32Array } {
    const uploads = new Float32Array(this.uploadFloats);
    let o = 0;
    for (const u of this.uploads) {
      uploads.set(u, o);
      o += u.length;
    }
    const cmds = this.cmds;
    this.cmds = [];
    this.uploads = [];
    this.uploadFloats = 0;
    return { cmds, uploads };
  }

  /** Posts the queued commands without waiting. */
  post(): void {
    if (this.cmds.length === 0) return;
    const { cmds, uploads } = this.take();
    this.flushes++;
    this.port.post({ cmds, uploads }, [uploads.buffer as ArrayBuffer]);
  }

  /** Posts the queued commands and waits until the device has run them and written the downloads back. */
  wait(downloads: readonly { at: number; into: Float32Array }[]): number {
    let need = 0;
    for (const d of downloads) need = Math.max(need, (d.at + d.into.length) * 4);
    let downloadBlock: SharedArrayBuffer | undefined;
    if (need > this.downloadBlock.byteLength) {
      this.downloadBlock = new SharedArrayBuffer(Math.max(need, this.downloadBlock.byteLength * 2));
      downloadBlock = this.downloadBlock;
    }
    const { cmds, uploads } = this.take();
    const seq = ++this.seq;
    this.flushes++;
    this.waits++;
    const flush: Flush = downloadBlock === undefined ? { cmds, uploads, seq } : { cmds, uploads, seq, downloadBlock };
    this.port.post(flush, [uploads.buffer as ArrayBuffer]);
    const start = Date.now();
    while (Atomics.load(this.control, SEQ) !== seq) {
      Atomics.wait(this.control, SEQ, Atomics.load(this.control, SEQ), 1000);
      if (Date.now() - start > WAIT_LIMIT_MS) {
        throw new SpikerepError('E_BACKEND', `webgpu: the device did not answer within ${WAIT_LIMIT_MS / 1000} s`);
      }
    }
    if (Atomics.load(this.control, ERROR) !== 0) {
      const len = Atomics.load(this.control, ERROR_LENGTH);
      const text = new TextDecoder().decode(new Uint8Array(this.shared.error).slice(0, len));
      Atomics.store(this.control, ERROR, 0);
      // the executor's own errors already name the backend
      throw new SpikerepError('E_BACKEND', `webgpu: ${text.split('\n')[0]!.replace(/^webgpu: /, '')}`);
    }
    const block = new Float32Array(this.downloadBlock);
    for (const d of downloads) d.into.set(block.subarray(d.at, d.at + d.into.length));
    const partials = new Float32Array(this.shared.result, 0, Atomics.load(this.control, RESULT_LENGTH));
    let sum = 0;
    for (const v of partials) sum += v;
    return sum;
  }
}
