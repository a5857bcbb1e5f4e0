/**
 * Starting the device thread in Node: a worker_threads Worker running device-worker. From the TypeScript sources
 * (tsx) the worker loads its entry through tsx's API, since a worker does not inherit the parent's loader.
 * The browser's version is platform-browser.ts (swapped in by the demo's bundler).
 */
import { Worker } from 'node:worker_threads';
import type { DeviceInit, DeviceReady, Flush } from './protocol.js';

export interface DeviceHandle {
  post(flush: Flush, transfer: ArrayBuffer[]): void;
  readonly ready: Promise<DeviceReady>;
  close(): void;
}

export function startDevice(init: DeviceInit): DeviceHandle {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./device-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = fromSource
    ? new Worker(
        `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`,
        { eval: true, workerData: init },
      )
    : new Worker(entry, { workerData: init });
  const ready = new Promise<DeviceReady>((resolve) => {
    worker.once('message', (m: DeviceReady) => resolve(m));
    worker.once('error', (e) => resolve({ ok: false, reason: `the device thread failed: ${e.message}` }));
    worker.once('exit', (code) => resolve({ ok: false, reason: `the device thread exited (${code})` }));
  });
  void ready.then((r) => {
    if (r.ok) worker.unref();
  });
  return {
    post: (flush, transfer) => worker.postMessage(flush, transfer),
    ready,
    close: () => void worker.terminate(),
  };
}
