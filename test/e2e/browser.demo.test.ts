/**
 * The browser demo in headless Chromium: it loads with no console errors, runs the SNN on the wasm backend in Web
 * Workers, classifies MNIST test images with exactly Node's logits (the same pixels, the same float32 arithmetic),
 * and draws a raster with spikes. Screenshot: test-artifacts/demo.png.
 */

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openDataset } from '../../src/data/registry.js';
import { reference } from '../../src/kernels/reference/index.js';
import { sampleRaster } from '../../src/report/raster.js';
import { startDemoServer } from '../../src/serve/server.js';
import { modelFromCheckpoint } from '../../src/train/state.js';
import { ARTEFACTS, launch, SKIP } from '../support/browser.launch.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const N = 8;
let server: Server;
let url: string;
let browser: Awaited<ReturnType<typeof launch>>;
let checkpoint: string;

before(async () => {
  if (SKIP) return;
  checkpoint = fixtureCheckpoint(mkdtempSync(join(tmpdir(), 'spikerep-demo-'))).path;
  ({ server, url } = await startDemoServer(reference, { checkpoint, port: 0 }));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url + query);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return { page, errors };
}

/** Node's predictions and logits for the first N MNIST test images, through the same raster code. */
async function nodeResults(): Promise<{ prediction: number; logits: number[] }[]> {
  const { net } = modelFromCheckpoint(reference, checkpoint);
  const ds = await openDataset('mnist', 'test', {});
  const x = new Float32Array(28 * 28);
  return Array.from({ length: N }, (_, i) => {
    ds.read(i, x, 0);
    const r = sampleRaster(net, x);
    return { prediction: r.prediction, logits: r.logits };
  });
}

async function pageResults(page: Page): Promise<{ prediction: number; logits: number[]; spikes: number }[]> {
  return page.evaluate(async (n) => {
    const s = (
      globalThis as unknown as {
        spikerep: {
          samples: { pixels: number[] }[];
          classify(
            p: number[],
          ): Promise<{ raster: { prediction: number; logits: number[]; layers: { spikes: number[][] }[] } }>;
        };
      }
    ).spikerep;
    const out = [];
    for (let i = 0; i < n; i++) {
      const r = await s.classify(s.samples[i]!.pixels);
      const spikes = r.raster.layers.reduce((a, l) => a + l.spikes.flat().reduce((b, v) => b + v, 0), 0);
      out.push({ prediction: r.raster.prediction, logits: r.raster.logits, spikes });
    }
    return out;
  }, N);
}

test('the demo loads on the wasm backend with no console errors and predicts exactly as Node', {
  skip: SKIP,
}, async () => {
  const { page, errors } = await open();
  assert.match((await page.textContent('#backend')) ?? '', /backend: wasm \(\d+ threads\)/);
  const ours = await nodeResults();
  const theirs = await pageResults(page);
  assert.deepEqual(
    theirs.map((r) => r.prediction),
    ours.map((r) => r.prediction),
  );
  assert.deepEqual(
    theirs.map((r) => r.logits),
    ours.map((r) => r.logits),
  );
  assert.ok(
    theirs.every((r) => r.spikes > 0),
    'every sample spikes somewhere',
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test('a test image through the UI: prediction shown, raster has spikes, rates chart drawn; screenshot saved', {
  skip: SKIP,
}, async () => {
  const { page, errors } = await open();
  await page.click('#sample');
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }
      ).document.getElementById('status').textContent === 'done',
  );
  const [first] = await nodeResults();
  assert.equal(await page.getAttribute('#prediction', 'data-prediction'), String(first!.prediction));
  assert.ok((await page.locator('#raster svg rect.spike').count()) > 0, 'the raster shows spikes');
  assert.equal(await page.locator('#raster svg text', { hasText: 'features.2' }).count(), 1);
  assert.equal(await page.locator('#rates svg path.series').count(), 4, 'one rate curve per neuron layer');
  await page.screenshot({ path: join(ARTEFACTS, 'demo.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('drawing on the pad classifies the drawing', { skip: SKIP }, async () => {
  const { page, errors } = await open('?backend=reference');
  const box = (await page.locator('#pad').boundingBox())!;
  await page.mouse.move(box.x + 140, box.y + 40);
  await page.mouse.down();
  for (let y = 40; y <= 240; y += 20) await page.mouse.move(box.x + 140, box.y + y);
  await page.mouse.up();
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }
      ).document.getElementById('status').textContent === 'done',
  );
  assert.match((await page.getAttribute('#prediction', 'data-prediction')) ?? '', /^\d$/);
  await page.screenshot({ path: join(ARTEFACTS, 'demo-drawn.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
