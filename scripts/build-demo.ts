/**
 * Bundles the browser demo (src/serve/browser/page.ts and worker.ts) into dist/demo/app.js and worker.js, the files
 * `spikerep serve` sends from the installed package. Part of `npm run build`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleDemo } from '../src/serve/bundle.js';

const out = new URL('../dist/demo/', import.meta.url);
const { app, worker } = await bundleDemo();
mkdirSync(out, { recursive: true });
writeFileSync(new URL('app.js', out), app);
writeFileSync(new URL('worker.js', out), worker);
process.stdout.write(`wrote dist/demo/app.js (${app.length} bytes) and dist/demo/worker.js (${worker.length} bytes)\n`);
