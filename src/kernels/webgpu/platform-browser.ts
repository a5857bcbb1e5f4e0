/**
 * The browser's version of platform.ts (same exports): the device thread is a module Web Worker loaded from
 * `globalThis.SPIKEREP_GPU_WORKER` (default "/demo/gpu-worker.js", the bundle of device-worker-browser.ts). The
 * caller must itself be a worker: it blocks on Atomics.wait, which a page's main thread may not.
 */
import type { DeviceInit, DeviceReady, Flush } from './protocol.js';

export interface DeviceHandle {
  post(flush: Flush, transfer: ArrayBuffer[]): void;
  readonly ready: Promise<DeviceReady>;
  close(): void;
}

/** The slice of the DOM Worker API used here (the project compiles without the DOM lib). */
interface BrowserWorker {
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message: string }) => void) | null;
  postMessage(m: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): void;
}

export function startDevice(init: DeviceInit): DeviceHandle {
  const url = (globalThis as { SPIKEREP_GPU_WORKER?: string }).SPIKEREP_GPU_WORKER ?? '/demo/gpu-worker.js';
  const WorkerCtor = (globalThis as unknown as { Worker?: new (u: string, o: object) => BrowserWorker }).Worker;
  if (WorkerCtor === undefined) {
    return {
      post: () => {},
      ready: Promise.resolve({ ok: false, reason: 'no Worker here to run the GPU device in' }),
      close: () => {},
    };
  }
  const worker = new WorkerCtor(url, { type: 'module' });
  const ready = new Promise<DeviceReady>((resolve) => {
    worker.onmessage = (e) => {
      worker.onmessage = null;
      resolve(e.data as DeviceReady);
    };
    worker.onerror = (e) => resolve({ ok: false, reason: `the GPU worker failed: ${e.message}` });
  });
  worker.postMessage(init);
  return {
    post: (flush, transfer) => worker.postMessage(flush, transfer),
    ready,
    close: () => worker.terminate(),
  };
}
