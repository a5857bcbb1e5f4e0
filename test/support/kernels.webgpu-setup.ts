/**
 * Shared setup of the webgpu conformance tests. The backend is optional: it needs the `webgpu` package and a
 * Vulkan (or Metal/D3D12) adapter; on a machine without a GPU, Mesa's lavapipe gives a software one (.ci/run
 * installs it). Without an adapter the tests skip with the reason, except under CI, where that fails.
 *
 * The shared suites read and write their buffers directly, as CPU-backend tests may; `hostSynced` wraps the
 * backend so every kernel call sends its arrays' host values first and brings its results back after, which makes
 * the suites check the kernels themselves. The memory model (what stays on the GPU between kernels) is checked by
 * the layer suites on webgpu and on the split-memory stand-in (split-memory.ts).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { webgpuUnavailable } from '../../src/kernels/webgpu/index.js';

const probe = await webgpuUnavailable();

/** The reason to skip, or false when an adapter is there (or when CI requires one). */
export const SKIP: string | false = probe === null || process.env.CI ? false : probe;

/** Under CI a missing adapter is a failure, not a skip. */
export function requireAdapterUnderCi(): void {
  it('a WebGPU adapter is available (CI installs Mesa lavapipe in .ci/run)', { skip: SKIP }, () => {
    assert.equal(probe, null, `CI=${process.env.CI} but: ${probe}`);
  });
}

/** Every Float32Array among a call's arguments, and inside its attribute objects. */
function arrays(args: readonly unknown[]): Float32Array[] {
  const out: Float32Array[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (v instanceof Float32Array) out.push(v);
    else if (Array.isArray(v)) for (const x of v) visit(x, depth);
    else if (depth < 2 && typeof v === 'object' && v !== null) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  for (const a of args) visit(a, 0);
  return out;
}

/** The backend with every kernel call preceded by fromHost and followed by toHost on all of its arrays. */
export function hostSynced(k: Kernels): Kernels {
  return new Proxy(k, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key, target);
      if (typeof v !== 'function' || key === 'alloc' || key === 'free' || key === 'toHost' || key === 'fromHost')
        return typeof v === 'function' ? v.bind(target) : v;
      return (...args: unknown[]) => {
        const bufs = arrays(args);
        for (const b of bufs) target.fromHost(b);
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        for (const b of bufs) target.toHost(b);
        return r;
      };
    },
  });
}

/**
 * One webgpu backend for the file's tests, created before them; hostMax 0 so that every kernel runs on the
 * device, however small its buffers.
 */
export function useWebGpu(): { get(): Kernels } {
  let k: Kernels | null = null;
  before(async () => {
    if (probe === null) k = hostSynced(await createKernels('webgpu', { webgpu: { hostMax: 0 } }));
  });
  after(() => {
    if (k !== null) disposeKernels(k);
  });
  return {
    get: () => {
      if (k === null) throw new Error(`no webgpu backend: ${probe}`);
      return k;
    },
  };
}
