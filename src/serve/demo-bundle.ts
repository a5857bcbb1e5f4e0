/**
 * The demo's page and worker scripts. `npm run build` bundles them once into dist/demo/ (scripts/build-demo.ts), and
 * the installed package serves those files. Run from the TypeScript sources (tsx: tests, scripts), this
 * module is a .ts file and bundles the sources in memory instead, so the page never lags behind an edit.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SpikerepError } from '../errors.js';
import type { DemoScripts } from './bundle.js';

export type { DemoScripts as DemoBundle } from './bundle.js';

/** The bundle's files, in the order of DemoScripts' fields. */
export const DEMO_FILES = ['app.js', 'worker.js', 'train-worker.js', 'nir-file.js', 'gpu-worker.js'] as const;

/** Where `npm run build` writes the bundle, relative to dist/serve/. */
const BUILT = '../demo/';

export async function loadDemoBundle(): Promise<DemoScripts> {
  if (import.meta.url.endsWith('.ts')) {
    const { bundleDemo } = await import('./bundle.js');
    return bundleDemo();
  }
  const read = async (name: string): Promise<string> => {
    const url = new URL(`${BUILT}${name}`, import.meta.url);
    try {
      return await readFile(url, 'utf8');
    } catch {
      throw new SpikerepError('E_NOT_FOUND', 'the demo bundle is missing: run "npm run build"', fileURLToPath(url));
    }
  };
  const [app = '', worker = '', trainWorker = '', nirFile = '', gpuWorker = ''] = await Promise.all(
    DEMO_FILES.map((f) => read(f)),
  );
  return { app, worker, trainWorker, nirFile, gpuWorker };
}
