/**
 * Bundles the browser demo (src/serve/browser/: page, inference and training workers, NIR writer) into dist/demo/, the files
 * `spikerep serve` sends from the installed package. Part of `npm run build`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { bundleDemo } from '../src/serve/bundle.js';
import { DEMO_FILES } from '../src/serve/demo-bundle.js';

const out = new URL('../dist/demo/', import.meta.url);
const { app, worker, trainWorker, nirFile, gpuWorker } = await bundleDemo();
mkdirSync(out, { recursive: true });
const texts = [app, worker, trainWorker, nirFile, gpuWorker];
DEMO_FILES.forEach((name, i) => writeFileSync(new URL(name, out), texts[i]!));
process.stdout.write(
  `wrote dist/demo/: ${DEMO_FILES.map((name, i) => `${name} (${texts[i]!.length} bytes)`).join(', ')}\n`,
);
