/**
 * The demo's inference worker: builds the network on the wasm backend (its own pool of Web Workers on shared
 * memory; platform-browser.ts), falling back to the reference backend where the page is not cross-origin
 * isolated or the wasm kernels cannot load, and answers classify requests with the sample's spike raster.
 */
import type { Kernels } from '../../kernels/kernels.js';
import { reference } from '../../kernels/reference/index.js';
import { createWasmKernels } from '../../kernels/wasm/index.js';
import type { Network } from '../../nn/network.js';
import { sampleRaster } from '../../report/raster.js';
import { buildFromPayload, type ModelMeta, normalizePixels } from './model.js';

interface Scope {
  onmessage: ((e: { data: Request }) => void) | null;
  postMessage(m: unknown): void;
  crossOriginIsolated?: boolean;
}
type Request =
  | { type: 'load'; meta: ModelMeta; bin: ArrayBuffer; backend: 'wasm' | 'reference'; threads?: number }
  | { type: 'classify'; id: number; pixels: number[] };

const scope = globalThis as unknown as Scope;
let net: Network | null = null;
let meta: ModelMeta | null = null;

async function kernels(
  want: 'wasm' | 'reference',
  threads?: number,
): Promise<{ k: Kernels; backend: string; note?: string }> {
  if (want === 'reference') return { k: reference, backend: 'reference' };
  try {
    if (scope.crossOriginIsolated === false)
      throw new Error('page is not cross-origin isolated (no SharedArrayBuffer)');
    const k = await createWasmKernels({ threads });
    return { k, backend: `wasm (${threads ?? 'auto'} threads)` };
  } catch (e) {
    return { k: reference, backend: 'reference', note: `wasm backend unavailable: ${(e as Error).message}` };
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  void (async () => {
    try {
      if (m.type === 'load') {
        const { k, backend, note } = await kernels(m.backend, m.threads);
        meta = m.meta;
        net = buildFromPayload(k, m.meta, m.bin);
        scope.postMessage({ type: 'ready', backend, note });
      } else if (m.type === 'classify') {
        if (net === null || meta === null) throw new Error('model not loaded');
        const x = normalizePixels(m.pixels, meta.stats, meta.input[2]);
        const t0 = performance.now();
        const raster = sampleRaster(net, x);
        scope.postMessage({ type: 'result', id: m.id, raster, ms: performance.now() - t0 });
      }
    } catch (err) {
      scope.postMessage({ type: 'error', id: (m as { id?: number }).id, message: (err as Error).message });
    }
  })();
};
