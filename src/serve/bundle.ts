/**
 * Bundles the demo's page and worker for the browser with esbuild, in memory, from the TypeScript sources: at build
 * time (scripts/build-demo.ts) and when serving from the sources (demo-bundle.ts). The wasm backend's platform.ts
 * (Node: fs, worker_threads) is swapped for platform-browser.ts (fetch, Web Workers).
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

export async function bundleDemo(): Promise<{ app: string; worker: string }> {
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
        if (!/kernels[\\/]wasm$/.test(args.resolveDir)) return undefined;
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
  const [app, worker] = await Promise.all([build('page'), build('worker')]);
  return { app, worker };
}
