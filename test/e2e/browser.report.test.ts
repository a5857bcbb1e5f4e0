/**
 * The HTML report: built from a run JSON and a checkpoint (raster, accuracy against T), opened offline in headless
 * Chromium with every chart rendered, no console errors and no network requests. Screenshot:
 * test-artifacts/report.png. Also: a run without a checkpoint says what is missing instead of failing.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { reference } from '../../src/kernels/reference/index.js';
import { collectReport, readRunJson, writeReport } from '../../src/report/collect.js';
import { ARTEFACTS, launch, SKIP } from '../support/browser.launch.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'spikerep-report-'));
let browser: Awaited<ReturnType<typeof launch>>;

const RUN = {
  command: 'spikerep train --epochs 3',
  testAccuracy: 0.91,
  bestTestAccuracy: 0.92,
  T: 4,
  neuron: 'if',
  dataset: 'mnist',
  model: 'mnistnet',
  backend: 'reference',
  epochs: 3,
  secondsPerEpoch: 12.5,
  history: [1, 2, 3].map((epoch) => ({
    epoch,
    trainLoss: 2 / epoch,
    trainAccuracy: 0.6 + 0.1 * epoch,
    testAccuracy: 0.62 + 0.1 * epoch,
    lr: 0.05,
    seconds: 12,
  })),
  firingRates: (
    [
      ['features.2', 0.1],
      ['features.6', 0.08],
      ['classifier.2', 0.05],
      ['classifier.5', 0.04],
    ] as [string, number][]
  ).map(([layer, firingRate]) => ({ layer, firingRate })),
  thresholds: (
    [
      ['features.2', 5.9],
      ['features.6', 6.1],
      ['classifier.2', 6.0],
      ['classifier.5', 5.8],
    ] as [string, number][]
  ).map(([layer, vth]) => ({ layer, vth })),
  synOps: 1.6e6,
  energyJoules: 2.5e-6,
  annEnergyJoules: 2.1e-5,
};

before(async () => {
  if (SKIP) return;
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test('report with every chart: curves, rates, thresholds, raster, accuracy vs T, energy — rendered offline', {
  skip: SKIP,
}, async () => {
  const ck = fixtureCheckpoint(join(dir, 'ck'));
  const runPath = join(dir, 'run.json');
  writeFileSync(runPath, JSON.stringify({ ...RUN, config: ck.config }));
  const data = await collectReport(reference, readRunJson(runPath), { tSweep: [1, 2, 4], sweepLimit: 20 });
  assert.deepEqual(
    data.accuracyVsT?.map((s) => s.T),
    [1, 2, 4],
  );
  assert.equal(data.raster?.layers.length, 4);
  const out = join(dir, 'report.html');
  writeReport(out, data);
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /<script|src="http|href="http/, 'self-contained: no scripts, no remote resources');

  const page = await browser.context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(out).href);
  for (const chart of ['loss', 'accuracy', 'rates', 'thresholds', 'raster', 'accuracy-vs-T', 'energy']) {
    const svg = page.locator(`svg[data-chart="${chart}"]`);
    assert.equal(await svg.count(), 1, `chart ${chart}`);
    const box = await svg.boundingBox();
    assert.ok(box !== null && box.width > 100 && box.height > 100, `chart ${chart} is laid out`);
    const marks = await svg.locator('path.series, rect.bar, rect.spike').count();
    assert.ok(marks > 0, `chart ${chart} draws data`);
  }
  assert.equal(await page.locator('[data-missing]').count(), 0);
  assert.ok((await page.locator('svg[data-chart="raster"] rect.spike').count()) > 0, 'the raster shows spikes');
  await page.screenshot({ path: join(ARTEFACTS, 'report.png'), fullPage: true });
  assert.deepEqual(errors, []);
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('file:')),
    [],
  );
  await page.close();
});

test('a run without a checkpoint: the other charts, and a note on what is missing', { skip: SKIP }, async () => {
  const data = await collectReport(reference, { ...RUN });
  const out = join(dir, 'plain.html');
  writeReport(out, data);
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(out).href);
  assert.equal(await page.locator('svg[data-chart]').count(), 5);
  assert.match((await page.textContent('[data-missing="raster"]')) ?? '', /no --checkpoint/);
  await page.close();
});
