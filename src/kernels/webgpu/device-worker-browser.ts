/**
 * The device thread's entry in the browser: a module Web Worker (bundled as gpu-worker.js) whose first message is
 * the DeviceInit, using the worker's own navigator.gpu.
 */
import { deviceThread } from './device-thread.js';
import type { DeviceInit, DeviceReady, Flush } from './protocol.js';

interface WorkerScope {
  onmessage: ((e: { data: unknown }) => void) | null;
  postMessage(m: unknown): void;
  navigator: { gpu?: GPU };
}
/** Installs the message handler of the worker it runs in (the package is side-effect free: call this). */
export function startDeviceWorker(): void {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = (first) => {
    const init = first.data as DeviceInit;
    const say = (m: DeviceReady): void => scope.postMessage(m);
    const gpu = scope.navigator.gpu;
    if (gpu === undefined) {
      say({ ok: false, reason: 'this browser offers no WebGPU (navigator.gpu is missing)' });
      return;
    }
    deviceThread(gpu, init, say, (onFlush) => {
      scope.onmessage = (e) => onFlush(e.data as Flush);
    }).catch((e: unknown) => say({ ok: false, reason: e instanceof Error ? e.message : String(e) }));
  };
}
