/**
 * `spikerep serve`: a small HTTP server on 127.0.0.1 for the browser demo. It serves the page, the bundled page
 * and worker scripts (demo-bundle.ts), the wasm kernels, the model (JSON + float32 blob) and a few test images.
 * Every response is cross-origin isolated (COOP/COEP) so the wasm backend can share memory between its Web Workers.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kernels } from '../kernels/kernels.js';
import { loadDemoBundle } from './demo-bundle.js';
import { PAGE_HTML } from './page-html.js';
import { demoPayload } from './payload.js';

export interface ServeOptions {
  readonly checkpoint: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly dataDir?: string;
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
  const [payload, bundle] = await Promise.all([demoPayload(k, o.checkpoint, 20, o.dataDir), loadDemoBundle()]);
  const routes: Record<string, () => Promise<[string, string | Buffer] | null>> = {
    '/': async () => ['text/html; charset=utf-8', PAGE_HTML],
    '/app.js': async () => ['text/javascript; charset=utf-8', bundle.app],
    '/worker.js': async () => ['text/javascript; charset=utf-8', bundle.worker],
    '/model.json': async () => ['application/json', JSON.stringify(payload.meta)],
    '/model.bin': async () => ['application/octet-stream', payload.bin],
    '/samples.json': async () => ['application/json', JSON.stringify(payload.samples)],
    '/wasm/kernels.wasm': async () =>
      ((b) => (b === null ? null : (['application/wasm', b] as [string, Buffer])))(await wasmFile('kernels.wasm')),
    '/wasm/kernels-fma.wasm': async () =>
      ((b) => (b === null ? null : (['application/wasm', b] as [string, Buffer])))(await wasmFile('kernels-fma.wasm')),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    };
    const route = routes[path];
    if (route === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    route().then(
      (r) => {
        if (r === null) res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
        else res.writeHead(200, { ...headers, 'Content-Type': r[0] }).end(req.method === 'HEAD' ? undefined : r[1]);
      },
      (e: Error) => res.writeHead(500, { ...headers, 'Content-Type': 'text/plain' }).end(e.message),
    );
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 8080, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${port}/` };
}
