/**
 * `spikerep serve`: a small HTTP server on 127.0.0.1 for the browser demo. It serves the page, the bundled page
 * and worker scripts (demo-bundle.ts), the wasm kernels, the model (JSON + float32 blob), a few test images, and
 * the training panel's images (train-data.ts).
 * Requests are checked and refused as http-server.ts says. Every response is cross-origin isolated (COOP/COEP) so the wasm backend can share memory between its Web Workers.
 */

import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Kernels } from '../kernels/kernels.js';
import { loadDemoBundle } from './demo-bundle.js';
import { type Route, startStaticServer } from './http-server.js';
import { PAGE_HTML } from './page-html.js';
import { demoPayload } from './payload.js';
import { type TrainDataDirs, TrainingData } from './train-data.js';

export interface ServeOptions {
  readonly checkpoint: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly dataDir?: string;
  /** Where the training panel's datasets are, instead of their default places (tests). */
  readonly trainDataDirs?: TrainDataDirs;
  /** Errors after listening (the server keeps running). */
  readonly onError?: (e: Error) => void;
}

async function wasmFile(name: string): Promise<Buffer | null> {
  for (const dir of ['../../dist/wasm/', '../wasm/']) {
    try {
      return await readFile(new URL(dir + name, import.meta.url));
    } catch {
      // next place
    }
  }
  return null;
}

export async function startDemoServer(k: Kernels, o: ServeOptions): Promise<{ server: Server; url: string }> {
  const trainingData = new TrainingData(o.trainDataDirs);
  const [payload, bundle] = await Promise.all([demoPayload(k, o.checkpoint, 20, o.dataDir), loadDemoBundle()]);
  const routes: Record<string, Route> = {
    '/': async () => ['text/html; charset=utf-8', PAGE_HTML],
    '/app.js': async () => ['text/javascript; charset=utf-8', bundle.app],
    '/worker.js': async () => ['text/javascript; charset=utf-8', bundle.worker],
    '/train-worker.js': async () => ['text/javascript; charset=utf-8', bundle.trainWorker],
    '/gpu-worker.js': async () => ['text/javascript; charset=utf-8', bundle.gpuWorker],
    '/nir-file.js': async () => ['text/javascript; charset=utf-8', bundle.nirFile],
    '/train-data.json': async () => ['application/json', JSON.stringify(await trainingData.info())],
    '/train-data.bin': async (query) =>
      ((b) => (Buffer.isBuffer(b) ? (['application/octet-stream', b] as const) : b))(await trainingData.bytes(query)),
    '/model.json': async () => ['application/json', JSON.stringify(payload.meta)],
    '/model.bin': async () => ['application/octet-stream', payload.bin],
    '/samples.json': async () => ['application/json', JSON.stringify(payload.samples)],
    '/wasm/kernels.wasm': async () =>
      ((b) => (b === null ? null : (['application/wasm', b] as [string, Buffer])))(await wasmFile('kernels.wasm')),
    '/wasm/kernels-fma.wasm': async () =>
      ((b) => (b === null ? null : (['application/wasm', b] as [string, Buffer])))(await wasmFile('kernels-fma.wasm')),
  };
  return startStaticServer(routes, {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 8080,
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    },
    onError: o.onError,
  });
}
