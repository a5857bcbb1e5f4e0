/**
 * Everything Node-specific about the wasm backend: reading the compiled kernels and starting worker threads.
 * A browser port replaces only this file (fetch the .wasm, start Web Workers from a Blob of WORKER_MAIN).
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpikerepError } from '../../errors.js';
import { WORKER_MAIN } from './worker-body.js';

/** Built by `npm run build:wasm`; found next to dist/ whether this file runs from src/ or from dist/. */
const CANDIDATES = ['../../wasm/kernels.wasm', '../../../dist/wasm/kernels.wasm'];

export async function loadKernelModule(): Promise<WebAssembly.Module> {
  for (const rel of CANDIDATES) {
    const url = new URL(rel, import.meta.url);
    let bytes: Buffer;
    try {
      bytes = await readFile(url);
    } catch {
      continue;
    }
    return WebAssembly.compile(bytes);
  }
  const where = fileURLToPath(new URL(CANDIDATES[1]!, import.meta.url));
  throw new SpikerepError('E_BACKEND', `wasm kernels not built: run "npm run build:wasm" (expected ${where})`);
}

export function defaultThreads(): number {
  return availableParallelism();
}

export interface WorkerHandle {
  terminate(): void;
}

/** Starts one worker running WORKER_MAIN(init); resolves once it has instantiated the module. */
export function startWorker(init: Record<string, unknown>): Promise<WorkerHandle> {
  const source = `${WORKER_MAIN}
const { parentPort } = require('node:worker_threads');
parentPort.once('message', (init) => workerMain(init, (m) => parentPort.postMessage(m)));`;
  const worker = new Worker(source, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once('error', (e) => reject(new SpikerepError('E_BACKEND', `wasm worker failed to start: ${e.message}`)));
    worker.once('message', () => {
      worker.unref(); // an idle pool must not keep the process alive
      resolve({ terminate: () => void worker.terminate() });
    });
    worker.postMessage(init);
  });
}
