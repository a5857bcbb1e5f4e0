/**
 * Runs single webgpu ops in-process, without the device thread: a device from the `webgpu` package, an Executor,
 * and one flush per call that uploads the inputs, runs the op and downloads every buffer. For op-level tests
 * (test/backend/kernels.webgpu-{dense,misc,ops.neuron}.test.ts); the backend as a whole is tested through createKernels('webgpu').
 */
import { deviceWithAdapterLimits } from '../../src/kernels/webgpu/device-thread.js';
import { Executor } from '../../src/kernels/webgpu/executor.js';
import type { OpAttrs } from '../../src/kernels/webgpu/ops/attrs.js';
import type { Command, Ref } from '../../src/kernels/webgpu/protocol.js';

const keep: { gpu?: GPU } = {};

/** A device, or the reason there is none (no `webgpu` package, no Vulkan loader, no adapter). */
export async function directDevice(): Promise<{ device: GPUDevice } | { reason: string }> {
  let mod: { create(flags: string[]): GPU; globals: object };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch {
    return { reason: 'the optional package "webgpu" is not installed' };
  }
  Object.assign(globalThis, mod.globals);
  // dawn.node must outlive its devices: keep the GPU object referenced
  keep.gpu = mod.create([]);
  const adapter = await keep.gpu.requestAdapter();
  if (adapter === null) return { reason: 'no WebGPU adapter (install a Vulkan driver, e.g. Mesa lavapipe)' };
  return { device: await deviceWithAdapterLimits(adapter) };
}

let nextId = 1;

/**
 * Runs `op` on copies of `buffers` (null: absent); `outs` are the indices it writes. Returns every buffer as the
 * device left it, and the op's result summed in float64 (null for ops that return nothing).
 */
export async function runOp<K extends keyof OpAttrs>(
  device: GPUDevice,
  op: K,
  buffers: readonly (Float32Array | null)[],
  outs: readonly number[],
  attrs: OpAttrs[K],
): Promise<{ buffers: (Float32Array | null)[]; result: number | null }> {
  const ex = new Executor(device);
  const cmds: Command[] = [];
  const chunks: Float32Array[] = [];
  let uploaded = 0;
  const refs: (Ref | null)[] = buffers.map((b) => {
    if (b === null) return null;
    const ref = { id: nextId++, offset: 0, n: b.length };
    cmds.push({ t: 'alloc', id: ref.id, n: b.length });
    cmds.push({ t: 'upload', ref, at: uploaded });
    chunks.push(b);
    uploaded += b.length;
    return ref;
  });
  cmds.push({ t: 'op', op, refs, outs, attrs });
  let at = 0;
  const placed: number[] = [];
  refs.forEach((r) => {
    placed.push(at);
    if (r !== null) {
      cmds.push({ t: 'download', ref: r, at });
      at += r.n;
    }
  });
  const uploads = new Float32Array(uploaded);
  let o = 0;
  for (const c of chunks) {
    uploads.set(c, o);
    o += c.length;
  }
  const answer = await ex.run({ cmds, uploads });
  const byAt = new Map(answer.downloads.map((d) => [d.at, d.data]));
  let result: number | null = null;
  if (answer.result !== null) {
    result = 0;
    for (const v of answer.result) result += v;
  }
  return {
    buffers: buffers.map((b, i) => (b === null ? null : (byAt.get(placed[i]!) ?? new Float32Array(0)))),
    result,
  };
}
