/**
 * The browser demo in headless Chromium: it loads with no console errors, runs the SNN on the wasm backend in Web
 * Workers, classifies MNIST test images with exactly Node's logits (the same pixels, the same float32 arithmetic),
 * and draws a raster with spikes, output rates as rates (0–1), readable layer names and class labels, with no two
 * text boxes overlapping; Clear resets the page. Screenshot: test-artifacts/demo.png.
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
import { axisTicks, overlappingTexts } from '../support/browser.layout.js';
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
  assert.equal(
    await page.locator('#raster svg text.lane-title', { hasText: /^conv 1 \(32 ch\): firing rate/ }).count(),
    1,
  );
  assert.deepEqual(
    await page.locator('#raster svg text.class-label').allTextContents(),
    Array.from({ length: 10 }, (_, c) => String(c)),
    'the output lane labels its classes',
  );
  assert.equal(await page.locator('#rates svg path.series').count(), 4, 'one rate curve per neuron layer');
  // the legend names each layer readably with its mean rate
  const legend = await page.locator('#rates svg text.legend').allTextContents();
  assert.equal(legend.length, 4);
  assert.match(legend[0]!, /^conv 1 \(32 ch\): [\d.]+ % mean$/);
  assert.match(legend[3]!, /^output \(10 classes\): [\d.]+ % mean$/);
  // output rates are rates: 0–1 per class, and the sentence gives the predicted class's
  const rates = (await page.locator('#output-rates svg text.value').allTextContents()).map(Number);
  assert.equal(rates.length, 10);
  assert.ok(
    rates.every((r) => r >= 0 && r <= 1),
    `output rates ${rates}`,
  );
  assert.equal(rates[first!.prediction], Math.max(...rates));
  const detail = (await page.textContent('#detail')) ?? '';
  const m = /rate (\d+\.\d+)\)/.exec(detail);
  assert.ok(m !== null && Number(m[1]) <= 1, detail);
  assert.ok(
    (await axisTicks(page, 'output-rates', 'x')).every((t) => t >= 0 && t <= 1),
    'rate axis within 0–1',
  );
  assert.deepEqual(await overlappingTexts(page, 'svg[data-chart]'), []);
  await page.screenshot({ path: join(ARTEFACTS, 'demo.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('Clear resets everything: the drawing, the prediction, the detail line and every chart', {
  skip: SKIP,
}, async () => {
  const { page, errors } = await open();
  const done = () =>
    page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }
        ).document.getElementById('status').textContent === 'done',
    );
  await page.click('#sample');
  await done();
  assert.ok((await page.locator('#raster svg').count()) === 1);
  await page.click('#clear');
  const inkOnPad = (): Promise<number> =>
    page.evaluate(() => {
      const canvas = (
        globalThis as unknown as {
          document: {
            getElementById(id: string): {
              width: number;
              height: number;
              getContext(k: string): { getImageData(...a: number[]): { data: ArrayLike<number> } };
            };
          };
        }
      ).document.getElementById('pad');
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! > 0) lit++;
      return lit;
    });
  const cleared = async (): Promise<void> => {
    assert.equal(await page.textContent('#prediction'), '–');
    assert.equal(await page.getAttribute('#prediction', 'data-prediction'), null);
    assert.equal(await page.textContent('#detail'), '');
    for (const id of ['raster', 'rates', 'output-rates']) assert.equal(await page.locator(`#${id} svg`).count(), 0, id);
    assert.equal(await inkOnPad(), 0, 'the pad is blank');
    assert.match((await page.textContent('#status')) ?? '', /^ready/);
  };
  await cleared();
  // a result still on its way when Clear is pressed is not drawn afterwards
  await page.click('#sample');
  await page.click('#clear');
  await page.waitForTimeout(1500);
  await cleared();
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
