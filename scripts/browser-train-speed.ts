/**
 * Training throughput of the demo's "train here" panel in headless Chromium (wasm backend in Web Workers) next to
 * Node's wasm backend on the same machine: the same mnistnet, T, batch size, images and thread count, one epoch
 * each, timed over the training steps only (batch assembly included, evaluation not). Runs alternate, so a busy
 * machine slows both sides alike.
 *
 *   node --import tsx scripts/browser-train-speed.ts [--T 4] [--batch 32] [--images 1024] [--rounds 2]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKernels, disposeKernels } from '../src/kernels/backend.js';
import { reference } from '../src/kernels/reference/index.js';
import { startDemoServer } from '../src/serve/server.js';
import { DEFAULT_CONFIG } from '../src/train/config.js';
import { train } from '../src/train/loop.js';
import { launch } from '../test/support/browser.launch.js';
import { fixtureCheckpoint } from '../test/support/serve.fixture.js';

const { values } = parseArgs({
  options: {
    T: { type: 'string', default: '4' },
    batch: { type: 'string', default: '32' },
    images: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '2' },
  },
});
const T = Number(values.T);
const batch = Number(values.batch);
const images = Number(values.images);
const rounds = Number(values.rounds);

const checkpoint = fixtureCheckpoint(mkdtempSync(join(tmpdir(), 'spikerep-speed-'))).path;
const { server, url } = await startDemoServer(reference, { checkpoint, port: 0 });
const browser = await launch();

async function inBrowser(): Promise<{ imagesPerSecond: number; backend: string }> {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.fill('#train-size', String(images));
  await page.fill('#train-test-size', '100');
  await page.fill('#train-T', String(T));
  await page.fill('#train-batch', String(batch));
  await page.selectOption('#train-backend', 'wasm');
  await page.click('#train-start');
  await page.waitForSelector('#train-panel[data-state="done"]', { timeout: 600_000 });
  const ips = Number(await page.getAttribute('#train-panel', 'data-images-per-second'));
  const backend = (await page.textContent('#train-backend-note')) ?? '';
  await page.close();
  return { imagesPerSecond: ips, backend };
}

async function inNode(threads: number): Promise<number> {
  const k = await createKernels('wasm', { threads });
  try {
    const r = await train(k, {
      ...DEFAULT_CONFIG,
      T,
      batchSize: batch,
      epochs: 1,
      trainLimit: images,
      testLimit: 100,
      warmupIters: 0,
    });
    return r.imagesPerSecond;
  } finally {
    disposeKernels(k);
  }
}

const rows: { browser: number; node: number }[] = [];
let backend = '';
for (let r = 0; r < rounds; r++) {
  const b = await inBrowser();
  backend = b.backend;
  const threads = Number(/wasm \((\d+) threads\)/.exec(b.backend)?.[1] ?? 1);
  const n = await inNode(threads);
  rows.push({ browser: b.imagesPerSecond, node: n });
  process.stdout.write(
    `round ${r + 1}: browser ${b.imagesPerSecond.toFixed(1)} images/s, node ${n.toFixed(1)} images/s (${threads} threads)\n`,
  );
}
const best = (key: 'browser' | 'node'): number => Math.max(...rows.map((x) => x[key]));
process.stdout.write(
  `${JSON.stringify({
    model: 'mnistnet',
    T,
    batch,
    images,
    browserBackend: backend,
    browserImagesPerSecond: best('browser'),
    nodeImagesPerSecond: best('node'),
    ratio: best('browser') / best('node'),
  })}\n`,
);
await browser.close();
server.close();
