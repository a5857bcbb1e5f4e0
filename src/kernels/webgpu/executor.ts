/**
 * The device side of the webgpu backend: owns the GPU buffers of the calling thread's allocations, records each
 * flush's ops through an Encoder, and submits them as one command buffer. Runs on the device thread
 * (device-worker.ts); tests of single ops may also run it in-process.
 */
import type { Binding, Encoder, GpuOp, Params, Shader } from './encoder.js';
import { OPS } from './ops/index.js';
import type { Command, Flush, Ref } from './protocol.js';

const ALIGN = 256; // WebGPU's minimum uniform/storage offset alignment
const STORAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MAP_READ_COPY_DST = 0x01 | 0x08;
const UNIFORM_COPY_DST = 0x40 | 0x08;

function alignUp(n: number, a = ALIGN): number {
  return Math.ceil(n / a) * a;
}

/** Stands in for an arena buffer while a flush is recorded; replaced when the arena is sized. */
const UPLOAD_ARENA = { label: 'upload arena' } as unknown as GPUBuffer;

type Step =
  | {
      readonly k: 'dispatch';
      readonly pipeline: GPUComputePipeline;
      readonly params: number;
      readonly buffers: readonly Binding[];
      readonly groups: readonly [number, number, number];
    }
  | { readonly k: 'copy'; readonly src: Binding; readonly dst: Binding }
  | { readonly k: 'clear'; readonly b: Binding };

export interface FlushAnswer {
  /** Downloads: float offset in the download block and the data. */
  readonly downloads: { at: number; data: Float32Array }[];
  /** The last returning op's partial sums. */
  readonly result: Float32Array | null;
}

export class Executor {
  private readonly buffers = new Map<number, GPUBuffer>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private uniformArena: GPUBuffer | null = null;
  private uploadArena: GPUBuffer | null = null;
  /** Buffers freed while recording, destroyed after the submit (destroy() lets submitted work finish). */
  private freed: GPUBuffer[] = [];

  constructor(readonly device: GPUDevice) {}

  private pipeline(shader: Shader): GPUComputePipeline {
    let p = this.pipelines.get(shader.key);
    if (p === undefined) {
      const module = this.device.createShaderModule({ code: shader.code, label: shader.key });
      p = this.device.createComputePipeline({
        layout: 'auto',
        compute: { module, entryPoint: 'main' },
        label: shader.key,
      });
      this.pipelines.set(shader.key, p);
    }
    return p;
  }

  private bufferOf(id: number): GPUBuffer {
    const b = this.buffers.get(id);
    if (b === undefined) throw new Error(`webgpu: buffer ${id} was never allocated`);
    return b;
  }

  private take(bytes: number): GPUBuffer {
    const size = 2 ** Math.max(8, Math.ceil(Math.log2(Math.max(bytes, 1))));
    const free = this.pool.get(size);
    return free?.pop() ?? this.device.createBuffer({ size, usage: STORAGE });
  }

  private give(b: GPUBuffer): void {
    const list = this.pool.get(b.size) ?? [];
    list.push(b);
    this.pool.set(b.size, list);
  }

  /** Runs one flush; resolves when it is submitted and, if it has downloads or a result, read back. */
  async run(flush: Flush): Promise<FlushAnswer> {
    const steps: Step[] = [];
    const uniforms: number[][] = [];
    const uploadChunks: { at: number; data: ArrayBufferView }[] = [];
    let uploadBytes = alignUp(flush.uploads.byteLength);
    if (flush.uploads.byteLength > 0) uploadChunks.push({ at: 0, data: flush.uploads });
    const scratchTaken: GPUBuffer[] = [];
    const downloads: { src: Binding; at: number }[] = [];
    const result: { b: Binding | null } = { b: null };
    const device = this.device;
    const ex = this;

    const scratch = (floatsWanted: number): Binding => {
      const bytes = Math.max(16, alignUp(floatsWanted * 4, 4));
      const buffer = ex.take(bytes);
      scratchTaken.push(buffer);
      return { buffer, offset: 0, size: bytes };
    };
    const encoder: Encoder = {
      device,
      dispatch(shader: Shader, params: Params, buffers: readonly Binding[], groups) {
        const words = [...(params.u32 ?? []).map((v) => ({ u: v })), ...(params.f32 ?? []).map((v) => ({ f: v }))];
        const data = new ArrayBuffer(Math.max(16, alignUp(words.length * 4, 16)));
        const u = new Uint32Array(data);
        const f = new Float32Array(data);
        words.forEach((w, i) => {
          if ('u' in w) u[i] = w.u >>> 0;
          else f[i] = w.f;
        });
        uniforms.push(Array.from(u));
        const [x, y = 1, z = 1] = groups;
        steps.push({
          k: 'dispatch',
          pipeline: ex.pipeline(shader),
          params: uniforms.length - 1,
          buffers,
          groups: [x, y, z],
        });
      },
      scratch,
      clear(b) {
        steps.push({ k: 'clear', b });
      },
      copy(src, dst) {
        steps.push({ k: 'copy', src, dst });
      },
      constants(data) {
        const at = uploadBytes;
        uploadChunks.push({ at, data });
        uploadBytes += alignUp(Math.max(data.byteLength, 16));
        return { buffer: UPLOAD_ARENA, offset: at, size: Math.max(16, alignUp(data.byteLength, 4)) };
      },
    };

    for (const c of flush.cmds)
      this.record(c, encoder, steps, downloads, (r) => {
        result.b = r;
      });

    // size the arenas, write them, then encode the recorded steps
    const uniformBytes = uniforms.length * ALIGN;
    if (uniformBytes > 0 && (this.uniformArena === null || this.uniformArena.size < uniformBytes)) {
      this.uniformArena = device.createBuffer({ size: alignUp(uniformBytes * 2, 1 << 16), usage: UNIFORM_COPY_DST });
    }
    if (uploadBytes > 0 && (this.uploadArena === null || this.uploadArena.size < uploadBytes)) {
      this.uploadArena = device.createBuffer({ size: alignUp(uploadBytes * 2, 1 << 16), usage: STORAGE });
    }
    if (uniformBytes > 0) {
      const block = new Uint32Array(uniformBytes / 4);
      uniforms.forEach((w, i) => block.set(w, (i * ALIGN) / 4));
      device.queue.writeBuffer(this.uniformArena!, 0, block);
    }
    for (const c of uploadChunks) {
      device.queue.writeBuffer(this.uploadArena!, c.at, c.data.buffer, c.data.byteOffset, c.data.byteLength);
    }
    const real = (b: Binding): Binding => (b.buffer === UPLOAD_ARENA ? { ...b, buffer: this.uploadArena! } : b);
    const enc = device.createCommandEncoder();
    let pass: GPUComputePassEncoder | null = null;
    for (const s of steps) {
      if (s.k === 'dispatch') {
        pass ??= enc.beginComputePass();
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: this.uniformArena!, offset: s.params * ALIGN, size: ALIGN } },
        ];
        s.buffers.forEach((b, i) => {
          const r = real(b);
          entries.push({ binding: i + 1, resource: { buffer: r.buffer, offset: r.offset, size: r.size } });
        });
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, device.createBindGroup({ layout: s.pipeline.getBindGroupLayout(0), entries }));
        pass.dispatchWorkgroups(...s.groups);
        continue;
      }
      if (pass !== null) {
        pass.end();
        pass = null;
      }
      if (s.k === 'copy') {
        const src = real(s.src);
        enc.copyBufferToBuffer(src.buffer, src.offset, s.dst.buffer, s.dst.offset, src.size);
      } else enc.clearBuffer(s.b.buffer, s.b.offset, s.b.size);
    }
    if (pass !== null) pass.end();

    // read back what the caller waits for into one staging buffer
    let staging: GPUBuffer | null = null;
    const resultBinding = result.b;
    const wanted = [...downloads.map((d) => d.src), ...(resultBinding === null ? [] : [resultBinding])];
    const placed: number[] = [];
    let stagingBytes = 0;
    for (const b of wanted) {
      placed.push(stagingBytes);
      stagingBytes += alignUp(b.size, 16);
    }
    if (stagingBytes > 0) {
      // one read-back buffer per size class, reused: a step's answers come in the same few sizes
      const size = 2 ** Math.max(8, Math.ceil(Math.log2(stagingBytes)));
      staging = this.staging.get(size)?.pop() ?? device.createBuffer({ size, usage: MAP_READ_COPY_DST });
      wanted.forEach((b, i) => enc.copyBufferToBuffer(b.buffer, b.offset, staging!, placed[i]!, b.size));
    }
    device.queue.submit([enc.finish()]);
    for (const b of scratchTaken) this.give(b);
    for (const b of this.freed) b.destroy();
    this.freed = [];
    if (staging === null) return { downloads: [], result: null };
    await staging.mapAsync(0x0001 /* GPUMapMode.READ */);
    const bytes = staging.getMappedRange();
    const out: FlushAnswer = {
      downloads: downloads.map((d, i) => ({
        at: d.at,
        data: new Float32Array(bytes.slice(placed[i]!, placed[i]! + d.src.size)),
      })),
      result:
        resultBinding === null
          ? null
          : new Float32Array(bytes.slice(placed[downloads.length]!, placed[downloads.length]! + resultBinding.size)),
    };
    staging.unmap(); // only copies (slice) of the mapped range outlive this: a view would be detached
    const spare = this.staging.get(staging.size) ?? [];
    spare.push(staging);
    this.staging.set(staging.size, spare);
    return out;
  }

  /** The binding of a ref's range; a caller that needs an aligned offset checks and stages it (see 'op'). */
  private bindingOf(ref: Ref): Binding {
    const buffer = this.bufferOf(ref.id);
    return { buffer, offset: ref.offset * 4, size: Math.max(ref.n, 4) * 4 };
  }

  private record(
    c: Command,
    e: Encoder,
    steps: Step[],
    downloads: { src: Binding; at: number }[],
    setResult: (r: Binding) => void,
  ): void {
    switch (c.t) {
      case 'alloc':
        this.buffers.set(
          c.id,
          this.device.createBuffer({ size: Math.max(16, alignUp(c.n * 4, 16)), usage: STORAGE, label: `buf${c.id}` }),
        );
        return;
      case 'free': {
        // destroyed once this flush is submitted: steps recorded before the free may still use it
        const b = this.buffers.get(c.id);
        if (b !== undefined) this.freed.push(b);
        this.buffers.delete(c.id);
        return;
      }
      case 'upload': {
        if (c.ref.n === 0) return;
        const dst = this.bindingOf(c.ref);
        steps.push({
          k: 'copy',
          src: { buffer: UPLOAD_ARENA, offset: c.at * 4, size: c.ref.n * 4 },
          dst: { ...dst, size: c.ref.n * 4 },
        });
        return;
      }
      case 'download': {
        if (c.ref.n === 0) return;
        const src = this.bindingOf(c.ref);
        // copies need 4-byte alignment only, so any range downloads directly
        downloads.push({ src: { ...src, size: c.ref.n * 4 }, at: c.at });
        return;
      }
      case 'op': {
        const op = (OPS as Record<string, GpuOp<unknown>>)[c.op];
        if (op === undefined) throw new Error(`webgpu: no op "${c.op}"`);
        const outs = new Set(c.outs);
        const outIds = new Set(c.outs.map((i) => c.refs[i]?.id));
        const copyBack: { from: Binding; to: Binding }[] = [];
        const staged = new Map<string, Binding>();
        const bindings = c.refs.map((ref, i) => {
          if (ref === null) return null;
          const direct = this.bindingOf(ref);
          const aligned = (ref.offset * 4) % ALIGN === 0;
          // an input that shares a buffer with an output is read from a copy: WebGPU forbids one buffer bound
          // read-only and writable in one dispatch
          const aliased = !outs.has(i) && outIds.has(ref.id);
          if (aligned && !aliased) return direct;
          const key = `${ref.id}:${ref.offset}:${ref.n}:${outs.has(i) ? 'w' : 'r'}`;
          const have = staged.get(key);
          if (have !== undefined) return have;
          const s = e.scratch(Math.max(ref.n, 4));
          const exact = { ...direct, size: ref.n * 4 };
          if (ref.n > 0) steps.push({ k: 'copy', src: exact, dst: s }); // outputs too: accumulate reads them
          if (outs.has(i) && ref.n > 0) copyBack.push({ from: { ...s, size: ref.n * 4 }, to: exact });
          staged.set(key, s);
          return s;
        });
        const r = op(e, bindings, c.attrs);
        for (const cb of copyBack) steps.push({ k: 'copy', src: cb.from, dst: cb.to });
        if (r !== undefined) setResult(r);
        return;
      }
      default:
        c satisfies never;
    }
  }
}
