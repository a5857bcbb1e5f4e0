/**
 * Bundles the demo's page and worker for the browser with esbuild, in memory, from the TypeScript sources: at build
 * time (scripts/build-demo.ts) and when serving from the sources (demo-bundle.ts). The wasm and webgpu backends'
 * platform.ts (Node: fs, worker_threads) is swapped for their platform-browser.ts (fetch, Web Workers).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SpikerepError } from '../errors.js';

function entry(name: string): string {
  for (const ext of ['.ts', '.js']) {
    const p = fileURLToPath(new URL(`./browser/${name}${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new SpikerepError('E_NOT_FOUND', `demo source browser/${name} not found`, fileURLToPath(import.meta.url));
}

/** The demo's scripts: the page, its inference worker, the training worker, and the NIR file writer (h5wasm). */
export interface DemoScripts {
  readonly app: string;
  readonly worker: string;
  readonly trainWorker: string;
  /** Loaded by the training worker only when a NIR download is asked for: h5wasm alone is several MB. */
  readonly nirFile: string;
  /** The webgpu backend's device thread, started by the training worker when it trains on WebGPU. */
  readonly gpuWorker: string;
}

export async function bundleDemo(): Promise<DemoScripts> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new SpikerepError('E_NOT_FOUND', 'the demo needs the esbuild package (npm install esbuild)', 'serve');
  }
  const browserPlatform = {
    name: 'browser-platform',
    setup(b: import('esbuild').PluginBuild): void {
      b.onResolve({ filter: /[\\/]platform\.js$/ }, (args) => {
        if (!/kernels[\\/](wasm|webgpu)$/.test(args.resolveDir)) return undefined;
        for (const ext of ['.ts', '.js']) {
          const p = `${args.resolveDir}/platform-browser${ext}`;
          if (existsSync(p)) return { path: p };
        }
        return undefined;
      });
    },
  };
  const build = async (file: string): Promise<string> => {
    const r = await esbuild.build({
      entryPoints: [entry(file)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      plugins: [browserPlatform],
      logLevel: 'silent',
      legalComments: 'none',
    });
    return r.outputFiles[0]!.text;
  };
  const [app, worker, trainWorker, nirFile, gpuWorker] = await Promise.all([
    build('page'),
    build('worker'),
    build('train-worker'),
    build('nir-file'),
    build('gpu-worker'),
  ]);
  return { app, worker, trainWorker, nirFile, gpuWorker };
}
