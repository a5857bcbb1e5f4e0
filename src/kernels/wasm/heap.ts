/**
 * A first-fit allocator over one shared WebAssembly.Memory. Blocks are 64-byte aligned (a cache line, and every
 * SIMD load is then aligned); freed blocks merge with their neighbours. Memory grows on demand; views made before
 * a grow stay valid because a shared memory's buffer is never detached.
 */
import { SpikerepError } from '../../errors.js';

const ALIGN = 64;
const PAGE = 65536;
/** Never hand out the first bytes: address 0 means "no buffer" to the kernels. */
const BASE = 4096;
/** Kernels may read a vector past the end of a buffer (edge tiles); keep that inside the memory. */
const SLACK = 256;
export const MAX_PAGES = 65536;

interface Block {
  off: number;
  size: number;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  private top = BASE;
  private highWater = BASE;
  private readonly freeList: Block[] = []; // sorted by offset
  private readonly sizes = new Map<number, number>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.buffers.add(memory.buffer);
  }

  /** True when buf is a view of this heap's memory (any generation of its buffer). */
  owns(buf: ArrayBufferView): boolean {
    return this.buffers.has(buf.buffer);
  }

  /** Byte offset of a fresh, zero-filled block of at least `bytes` bytes. */
  allocBytes(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let off = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i]!;
      if (b.size >= size) {
        off = b.off;
        if (b.size === size) this.freeList.splice(i, 1);
        else {
          b.off += size;
          b.size -= size;
        }
        new Uint8Array(this.memory.buffer, off, size).fill(0);
        break;
      }
    }
    if (off < 0) {
      off = this.top;
      this.ensure(off + size + SLACK);
      this.top = off + size;
      // Bytes below the high-water mark were used before (the top shrinks on free); above it they are still zero.
      const dirty = Math.min(this.top, this.highWater) - off;
      if (dirty > 0) new Uint8Array(this.memory.buffer, off, dirty).fill(0);
      this.highWater = Math.max(this.highWater, this.top);
    }
    this.sizes.set(off, size);
    return off;
  }

  freeBytes(off: number): void {
    const size = this.sizes.get(off);
    if (size === undefined) return;
    this.sizes.delete(off);
    let i = 0;
    while (i < this.freeList.length && this.freeList[i]!.off < off) i++;
    this.freeList.splice(i, 0, { off, size });
    const next = this.freeList[i + 1];
    if (next && off + size === next.off) {
      this.freeList[i]!.size += next.size;
      this.freeList.splice(i + 1, 1);
    }
    const prev = this.freeList[i - 1];
    if (prev && prev.off + prev.size === off) {
      prev.size += this.freeList[i]!.size;
      this.freeList.splice(i, 1);
      i--;
    }
    const last = this.freeList[this.freeList.length - 1];
    if (last && last.off + last.size === this.top) {
      this.top = last.off;
      this.freeList.pop();
    }
  }

  alloc(n: number): Float32Array {
    const off = this.allocBytes(n * 4);
    const view = new Float32Array(this.memory.buffer, off, n);
    // V8 may hand out a new buffer object for the same shared memory (e.g. after a grow seen by another
    // thread), so remember the one behind every view given out rather than only those seen at grow time.
    this.buffers.add(view.buffer);
    return view;
  }

  free(buf: ArrayBufferView): void {
    if (this.owns(buf)) this.freeBytes(buf.byteOffset);
  }

  /** Bytes currently handed out (for tests and leak checks). */
  get inUse(): number {
    let s = 0;
    for (const v of this.sizes.values()) s += v;
    return s;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const want = Math.min(MAX_PAGES, Math.max(Math.ceil(bytes / PAGE), Math.ceil((have * 1.25) / PAGE)));
    if (want * PAGE < bytes) {
      throw new SpikerepError('E_BACKEND', `wasm backend out of memory: ${bytes} bytes needed, 4 GiB is the limit`);
    }
    try {
      this.memory.grow(want - have / PAGE);
    } catch {
      throw new SpikerepError('E_BACKEND', `wasm backend could not grow its memory to ${want * PAGE} bytes`);
    }
    this.buffers.add(this.memory.buffer);
  }
}
