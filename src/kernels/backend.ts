/** Backend selection: the one place that maps a BackendName to a Kernels instance. */
import { SpikerepError } from '../errors.js';
import type { BackendName, Kernels } from './kernels.js';
import { reference } from './reference/index.js';
import { createWasmKernels, WasmKernels } from './wasm/index.js';

export const BACKEND_NAMES: readonly BackendName[] = ['reference', 'wasm', 'native', 'webgpu', 'auto'];

export interface BackendOptions {
  /** Threads for the wasm backend (the main thread included) or the native libraries' pools (default: one per core). */
  threads?: number;
  /** wasm: use fused multiply-add where the engine supports it (default true). */
  fma?: boolean;
  /** webgpu: memory and adapter settings (webgpu/index.ts). */
  webgpu?: import('./webgpu/index.js').WebGpuOptions;
}

export async function createKernels(name: BackendName = 'wasm', opts: BackendOptions = {}): Promise<Kernels> {
  switch (name) {
    case 'reference':
      return reference;
    case 'wasm':
      return createWasmKernels(opts);
    case 'native': // loaded on demand: the addon is optional, and browser bundles never reach it
      return (await import('./native/index.js')).createNativeKernels(opts);
    case 'webgpu': // loaded on demand: it starts a device thread and needs the optional `webgpu` package in Node
      return (await import('./webgpu/index.js')).createWebGpuKernels(opts.webgpu);
    case 'auto': {
      // a GPU when there is a real one, else the native addon when it is built, else wasm
      const gpu = await import('./webgpu/index.js');
      const k = await gpu.createWebGpuKernels({ ...opts.webgpu, hardwareOnly: true }).catch(() => null);
      if (k !== null) return k;
      const native = await import('./native/index.js');
      return native.nativeAvailable() ? native.createNativeKernels(opts) : createWasmKernels(opts);
    }
    default:
      name satisfies never;
      throw new SpikerepError('E_BACKEND', `unknown backend "${String(name)}": expected ${BACKEND_NAMES.join(' or ')}`);
  }
}

/** Releases a backend's threads (a no-op for the reference backend). */
export function disposeKernels(k: Kernels): void {
  if (k instanceof WasmKernels) k.close();
  else if (k.name === 'webgpu') (k as unknown as { close(): void }).close();
}
