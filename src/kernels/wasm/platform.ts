/**
 * Everything Node-specific about the wasm backend: reading the compiled kernels and starting worker threads.
 * A browser port replaces only this file (fetch the .wasm, start Web Workers from a Blob of WORKER_MAIN).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { SpikerepError } from '../../errors.js';
import { WORKER_MAIN } from './worker-body.js';

/** Built by `npm run build:wasm`; found in dist/wasm/ whether this file runs from src/ or from dist/. */
const DIRS = ['../../wasm/', '../../../dist/wasm/'];

async function readBuilt(file: string): Promise<Buffer<ArrayBuffer> | null> {
  for (const dir of DIRS) {
    try {
      return await readFile(new URL(dir + file, import.meta.url));
    } catch {
      // try the next location
    }
  }
  return null;
}

/** Relaxed SIMD (fused multiply-add) is on by default from V8 11.4; Node 20 has it behind a flag. */
function relaxedSimdAvailable(bytes: Buffer<ArrayBuffer>): boolean {
  if (WebAssembly.validate(bytes)) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

/** The kernel module: the fused multiply-add build where the engine can run it (and fma is not off), else plain. */
export async function loadKernelModule(fma: boolean): Promise<{ module: WebAssembly.Module; fma: boolean }> {
  if (fma) {
    const bytes = await readBuilt('kernels-fma.wasm');
    if (bytes !== null && relaxedSimdAvailable(bytes)) return { module: await WebAssembly.compile(bytes), fma: true };
  }
  const bytes = await readBuilt('kernels.wasm');
  if (bytes === null) {
    const where = fileURLToPath(new URL(`${DIRS[1]}kernels.wasm`, import.meta.url));
    throw new SpikerepError('E_BACKEND', `wasm kernels not built: run "npm run build:wasm" (expected ${where})`);
  }
  return { module: await WebAssembly.compile(bytes), fma: false };
}

export function defaultThreads(): number {
  return availableParallelism();
}

export interface WorkerHandle {
  /** False once the worker has exited or thrown outside a kernel call. */
  readonly alive: boolean;
  terminate(): void;
}

/** Starts one worker running WORKER_MAIN(init); resolves once it has instantiated the module. */
export function startWorker(init: Record<string, unknown>): Promise<WorkerHandle> {
  const source = `${WORKER_MAIN}
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (init) => workerMain(init, (m) => parentPort.postMessage(m)));`;
  const worker = new Worker(source, { eval: true });
  const handle = { alive: true, terminate: () => void worker.terminate() };
  return new Promise((resolve, reject) => {
    worker.once('error', (e) => {
      handle.alive = false;
      reject(new SpikerepError('E_BACKEND', `wasm worker failed: ${e.message}`));
    });
    worker.once('exit', () => {
      handle.alive = false;
    });
    worker.once('message', () => {
      worker.unref(); // an idle pool must not keep the process alive
      resolve(handle);
    });
    worker.postMessage(init);
  });
}
