/**
 * Which kernels the training worker trains on. "auto" takes WebGPU when the browser offers a hardware adapter,
 * else the wasm backend (its own Web Workers on shared memory), else the reference backend where the page is not
 * cross-origin isolated. Every fallback comes with a note saying why.
 */
import type { Kernels } from '../../kernels/kernels.js';
import { reference } from '../../kernels/reference/index.js';
import { createWasmKernels } from '../../kernels/wasm/index.js';
import { createWebGpuKernels } from '../../kernels/webgpu/index.js';
import type { TrainBackendChoice } from './train-protocol.js';

export interface ChosenKernels {
  readonly k: Kernels;
  /** What the panel shows, e.g. "wasm (4 threads)". */
  readonly backend: string;
  readonly note?: string;
}

/** The slice of the WebGPU API looked at here (the DOM lib has no WebGPU types). */
interface GpuAdapter {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}
interface Gpu {
  requestAdapter(o?: { powerPreference?: string }): Promise<GpuAdapter | null>;
}

/**
 * The webgpu backend on this browser's adapter, or why not. Its device thread is the demo's gpu-worker.js; this
 * worker blocks on it while a kernel's answer is due. A software fallback adapter (headless Chromium offers
 * SwiftShader) is taken only when asked for by name: correct, but slower than wasm.
 */
export async function webgpuKernels(
  allowFallback: boolean,
): Promise<{ k: Kernels; backend: string } | { reason: string }> {
  const gpu = (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
  if (gpu === undefined) return { reason: 'this browser offers no WebGPU (navigator.gpu is missing)' };
  let adapter: GpuAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { reason: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (adapter === null) return { reason: 'the browser has no WebGPU adapter' };
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unnamed adapter';
  if (!allowFallback && (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true))
    return { reason: `the WebGPU adapter (${name}) is a software fallback, slower than wasm` };
  (globalThis as { SPIKEREP_GPU_WORKER?: string }).SPIKEREP_GPU_WORKER ??= '/gpu-worker.js';
  try {
    const k = await createWebGpuKernels({ hardwareOnly: !allowFallback });
    return { k, backend: `webgpu (${name})` };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

async function wasmKernels(threads: number): Promise<ChosenKernels> {
  try {
    if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false)
      throw new Error('page is not cross-origin isolated (no SharedArrayBuffer)');
    return { k: await createWasmKernels({ threads }), backend: `wasm (${threads} threads)` };
  } catch (e) {
    return { k: reference, backend: 'reference', note: `wasm backend unavailable: ${(e as Error).message}` };
  }
}

export async function trainingKernels(choice: TrainBackendChoice, threads: number): Promise<ChosenKernels> {
  if (choice === 'reference') return { k: reference, backend: 'reference' };
  if (choice === 'wasm') return wasmKernels(threads);
  const gpu = await webgpuKernels(choice === 'webgpu');
  if ('k' in gpu) return gpu;
  const wasm = await wasmKernels(threads);
  const why = `${choice === 'auto' ? 'auto' : 'webgpu'}: ${gpu.reason}; trained on ${wasm.backend} instead`;
  return { ...wasm, note: wasm.note === undefined ? why : `${why}; ${wasm.note}` };
}
