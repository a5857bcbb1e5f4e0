/**
 * The browser's version of platform.ts (same exports): the .wasm comes by fetch from `globalThis.SPIKEREP_WASM_BASE`
 * (default "/wasm/"), threads are Web Workers started from a Blob of WORKER_MAIN. The demo's bundler swaps this
 * file in for platform.ts. Shared WebAssembly memory needs a cross-origin-isolated page (COOP/COEP headers).
 */
import { SpikerepError } from '../../errors.js';
import { WORKER_MAIN } from './worker-body.js';

function base(): string {
  return (globalThis as { SPIKEREP_WASM_BASE?: string }).SPIKEREP_WASM_BASE ?? '/wasm/';
}

async function fetchBytes(file: string): Promise<ArrayBuffer | null> {
  try {
    const r = await fetch(base() + file);
    return r.ok ? await r.arrayBuffer() : null;
  } catch {
    return null;
  }
}

export async function loadKernelModule(fma: boolean): Promise<{ module: WebAssembly.Module; fma: boolean }> {
  if (fma) {
    const bytes = await fetchBytes('kernels-fma.wasm');
    if (bytes !== null && WebAssembly.validate(bytes)) return { module: await WebAssembly.compile(bytes), fma: true };
  }
  const bytes = await fetchBytes('kernels.wasm');
  if (bytes === null) throw new SpikerepError('E_BACKEND', `wasm kernels not found at ${base()}kernels.wasm`);
  return { module: await WebAssembly.compile(bytes), fma: false };
}

export function defaultThreads(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

export interface WorkerHandle {
  readonly alive: boolean;
  terminate(): void;
}

/** The slice of the DOM Worker API used here (the project compiles without the DOM lib). */
interface BrowserWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message: string }) => void) | null;
  postMessage(m: unknown): void;
  terminate(): void;
}

export function startWorker(init: Record<string, unknown>): Promise<WorkerHandle> {
  const source = `${WORKER_MAIN}
self.onmessage = (e) => { self.onmessage = null; workerMain(e.data, (m) => self.postMessage(m)); };`;
  const WorkerCtor = (globalThis as unknown as { Worker: new (url: string) => BrowserWorker }).Worker;
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const worker = new WorkerCtor(url);
  const handle = {
    alive: true,
    terminate: () => {
      handle.alive = false;
      worker.terminate();
    },
  };
  return new Promise((resolve, reject) => {
    worker.onerror = (e) => {
      handle.alive = false;
      reject(new SpikerepError('E_BACKEND', `wasm worker failed: ${e.message}`));
    };
    worker.onmessage = () => {
      worker.onmessage = null;
      URL.revokeObjectURL(url);
      resolve(handle);
    };
    worker.postMessage(init);
  });
}
