/**
 * The HTML report in headless Chromium, built from a run JSON and a checkpoint (raster, accuracy against T): every
 * chart rendered offline with no console errors and no network requests; axes that follow the data with round
 * ticks; every figure saying what it was measured on; the run's metadata in the header; no two text boxes of a
 * chart overlapping; each figure saved as SVG and as PNG. Also: a run without a checkpoint says what is missing, and
 * several runs compared on one page. Screenshots: test-artifacts/report.png, test-artifacts/report-compare.png.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { reference } from '../../src/kernels/reference/index.js';
import { collectReport, readRunJson, writeReport } from '../../src/report/collect.js';
import { collectComparison } from '../../src/report/compare.js';
import { compareHtml } from '../../src/report/compare-html.js';
import { ARTEFACTS, launch, SKIP } from '../support/browser.launch.js';
import { axisTicks, overlappingTexts, roundTicks } from '../support/browser.layout.js';
import { fixtureCheckpoint } from '../support/serve.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'spikerep-report-'));
let browser: Awaited<ReturnType<typeof launch>>;

/** Ten windows of steps per epoch, accuracy from chance to 99.4 %; per epoch 98–99.4 %: that axis must not be 0–100. */
const steps = (epoch: number) =>
  Array.from({ length: 10 }, (_, i) => ({
    step: (epoch - 1) * 100 + 10 * (i + 1),
    epoch: epoch - 1 + (i + 1) / 10,
    loss: 0.2 / (epoch + i / 10),
    // the first steps start near chance: they must not stretch the per-epoch accuracy axis
    accuracy: epoch === 1 && i < 3 ? 0.1 + 0.3 * i : 0.979 + 0.005 * (epoch - 1) + 0.0005 * i,
  }));

const RUN = {
  command: 'spikerep train --epochs 3',
  version: '0.1.0',
  date: '2026-12-07T10:00:00.000Z',
  machine: { cpu: 'Test CPU 9000', cores: 8, memoryGiB: 32, node: 'v20.0.0', platform: 'linux-x64' },
  testAccuracy: 0.9912,
  testImages: 1000,
  testSetSize: 10000,
  bestEpoch: 3,
  valAccuracy: 0.99,
  selection: { by: 'validation', images: 5000, trainImages: 55000 },
  T: 4,
  neuron: 'if',
  dataset: 'mnist',
  model: 'mnistnet',
  backend: 'wasm',
  threads: 2,
  epochs: 3,
  secondsPerEpoch: 12.5,
  history: [1, 2, 3].map((epoch) => ({
    epoch,
    trainLoss: 0.2 / epoch,
    trainAccuracy: 0.98 + 0.005 * (epoch - 1),
    valAccuracy: 0.981 + 0.004 * (epoch - 1),
    testAccuracy: 0.982 + 0.0045 * (epoch - 1),
    lr: 0.05,
    seconds: 12,
    steps: steps(epoch),
  })),
  firingRates: (
    [
      ['features.2', 0.027],
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

async function openPage(path: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(path).href);
  return { page, errors, requests };
}

test('report with every chart: rendered offline, axes fitted to the data, sample sizes, metadata, no overlaps', {
  skip: SKIP,
}, async () => {
  const ck = fixtureCheckpoint(join(dir, 'ck'));
  const runPath = join(dir, 'run.json');
  writeFileSync(runPath, JSON.stringify({ ...RUN, config: { ...ck.config, seed: 42, batchSize: 10 } }));
  const data = await collectReport(reference, readRunJson(runPath), { tSweep: [1, 2, 4], sweepLimit: 20 });
  assert.deepEqual(
    data.accuracyVsT?.map((s) => s.T),
    [1, 2, 4],
  );
  assert.equal(data.raster?.layers.length, 4);
  const out = join(dir, 'report.html');
  writeReport(out, data);
  const html = readFileSync(out, 'utf8');
  assert.doesNotMatch(html, /<script[^>]*src=|src="http|href="http/, 'self-contained: no remote resources');

  const { page, errors, requests } = await openPage(out);
  for (const chart of [
    'loss',
    'accuracy',
    'accuracy-per-step',
    'rates',
    'thresholds',
    'raster',
    'accuracy-vs-T',
    'energy',
  ]) {
    const svg = page.locator(`svg[data-chart="${chart}"]`);
    assert.equal(await svg.count(), 1, `chart ${chart}`);
    const box = await svg.boundingBox();
    assert.ok(box !== null && box.width > 100 && box.height > 100, `chart ${chart} is laid out`);
    const marks = await svg.locator('path.series, rect.bar, rect.spike').count();
    assert.ok(marks > 0, `chart ${chart} draws data`);
    const subtitle = (await svg.locator('text.subtitle').allTextContents()).join(' ');
    assert.ok(subtitle.length > 0, `chart ${chart} says what it was measured on`);
  }
  assert.equal(await page.locator('[data-missing]').count(), 0);

  // the accuracy axis follows the data (98–99.4 % per epoch): round ticks from about 97 to at most 100, not 0–100
  const acc = await axisTicks(page, 'accuracy', 'y');
  assert.ok(acc[0]! >= 95 && acc[0]! <= 98 && acc.at(-1)! <= 100 && acc.at(-1)! >= 99.4, `accuracy ticks ${acc}`);
  assert.ok(roundTicks(acc), `round accuracy ticks ${acc}`);
  for (const chart of ['loss', 'accuracy', 'accuracy-per-step', 'accuracy-vs-T']) {
    const xs = await axisTicks(page, chart, 'x');
    assert.ok(xs.length >= 2 && xs.every(Number.isInteger), `${chart}: whole-number x ticks ${xs}`);
  }
  assert.ok(roundTicks(await axisTicks(page, 'loss', 'y')), 'round loss ticks');
  // a per-step curve under the per-epoch points
  assert.equal(await page.locator('svg[data-chart="loss"] path[data-series="train loss per step"]').count(), 1);

  // sample sizes, as a reader needs them
  const subtitleOf = async (chart: string): Promise<string> =>
    (await page.locator(`svg[data-chart="${chart}"] text.subtitle`).allTextContents()).join(' ');
  assert.match(await subtitleOf('accuracy'), /55 000 training images.*validation on 5 000.*test on 1 000 of 10 000/);
  assert.match(await subtitleOf('accuracy-vs-T'), /on 20 of 10 000 test images/);
  assert.match(await subtitleOf('energy'), /1 000 of 10 000 test images/);
  assert.match(await subtitleOf('rates'), /1 000 of 10 000 test images/);
  assert.match(
    (await page.textContent('[data-fact="test accuracy"]')) ?? '',
    /99\.12 % on 1 000 of 10 000 test images/,
  );

  // run metadata in the header
  for (const [fact, value] of [
    ['spikerep', /0\.1\.0/],
    ['date', /2026-12-07/],
    ['seed', /^42$/],
    ['backend', /wasm × 2 threads/],
    ['machine', /Test CPU 9000, 8 cores/],
    ['command', /spikerep train/],
  ] as const)
    assert.match((await page.textContent(`[data-fact="${fact}"]`)) ?? '', value, fact);

  // energy: the true direction, on a linear axis from zero whose bar lengths keep the ratio (21 / 2.5 = 8.4)
  assert.match(
    (await page.textContent('[data-energy-sentence]')) ?? '',
    /The SNN uses 0\.12× of the ANN's energy, 8\.40× less/,
  );
  const bars = await page
    .locator('svg[data-chart="energy"] rect.bar')
    .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('width'))));
  assert.ok(Math.abs(bars[1]! / bars[0]! - 8.4) < 0.05, `bar lengths ${bars}`);
  assert.equal(Number((await axisTicks(page, 'energy', 'x'))[0]), 0, 'the energy axis starts at zero');

  // the raster: readable layer names, true rates, unambiguous counts, a labelled output lane
  const lanes = await page.locator('svg[data-chart="raster"] text.lane-title').allTextContents();
  assert.equal(lanes.length, 4);
  assert.match(lanes[0]!, /^conv 1 \(32 ch\): firing rate [\d.]+ % · \d+ spikes? from 48 sampled of 25 088 neurons$/);
  assert.match(lanes[3]!, /^output \(10 classes\): firing rate [\d.]+ % · \d+ spikes? from all 10 neurons$/);
  const classLabels = await page.locator('svg[data-chart="raster"] text.class-label').allTextContents();
  assert.equal(classLabels.length, 10);
  assert.deepEqual(classLabels, [...(data.raster?.classNames ?? [])]);
  assert.ok((await page.locator('svg[data-chart="raster"] rect.spike').count()) > 0, 'the raster shows spikes');
  const rateLabels = await page.locator('svg[data-chart="rates"] text[data-axis="y"]').allTextContents();
  assert.deepEqual(rateLabels, ['conv 1 (32 ch)', 'conv 2 (64 ch)', 'fc 1 (256)', 'output (10 classes)']);

  assert.deepEqual(await overlappingTexts(page, 'svg[data-chart]'), []);
  await page.screenshot({ path: join(ARTEFACTS, 'report.png'), fullPage: true });
  // the check sees an overlap when there is one: a copy of a tick label moved 3 px
  await page.evaluate(() => {
    const doc = (
      globalThis as unknown as {
        document: {
          querySelector(s: string): {
            cloneNode(d: boolean): { setAttribute(n: string, v: string): void; getAttribute(n: string): string };
            parentNode: { appendChild(n: unknown): void };
          };
        };
      }
    ).document;
    const tick = doc.querySelector('svg[data-chart="loss"] text[data-axis="x"]');
    const copy = tick.cloneNode(true);
    copy.setAttribute('x', String(Number(copy.getAttribute('x')) + 3));
    tick.parentNode.appendChild(copy);
  });
  assert.equal((await overlappingTexts(page, 'svg[data-chart="loss"]')).length, 1);

  // each figure saves as a standalone SVG (styles inside) and as a PNG at twice its size
  const svgDownload = page.waitForEvent('download');
  await page.click('figure[data-figure="accuracy"] a[data-export="svg"]');
  const svgFile = await (await svgDownload).path();
  const svgText = readFileSync(svgFile, 'utf8');
  assert.match(svgText, /^<svg[^>]*data-chart="accuracy"/);
  assert.match(svgText, /<style>[^<]*\.tick\{/);
  const pngDownload = page.waitForEvent('download');
  await page.click('figure[data-figure="energy"] a[data-export="png"]');
  const download = await pngDownload;
  assert.equal(download.suggestedFilename(), 'energy.png');
  const png = readFileSync(await download.path());
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  const svgWidth = await page.locator('svg[data-chart="energy"]').evaluate((s) => Number(s.getAttribute('width')));
  assert.equal(png.readUInt32BE(16), 2 * svgWidth, 'the PNG is drawn at twice the figure size');

  assert.deepEqual(errors, []);
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('file:') && !u.startsWith('blob:') && !u.startsWith('data:')),
    [],
  );
  await page.close();
});

test('a run without a checkpoint: the other charts, a note on what is missing; an SNN costing more says "more"', {
  skip: SKIP,
}, async () => {
  const data = await collectReport(reference, { ...RUN, energyJoules: 2.48e-6, annEnergyJoules: 2e-6 } as never);
  const out = join(dir, 'plain.html');
  writeReport(out, data);
  const { page } = await openPage(out);
  assert.equal(await page.locator('svg[data-chart]').count(), 6);
  assert.match((await page.textContent('[data-missing="raster"]')) ?? '', /no --checkpoint/);
  const sentence = (await page.textContent('[data-energy-sentence]')) ?? '';
  assert.match(sentence, /The SNN uses 1\.24× more energy than the ANN/);
  assert.doesNotMatch(sentence, /less/);
  await page.close();
});

test('an ANN run: one energy bar, no ratio against itself', { skip: SKIP }, async () => {
  const data = await collectReport(reference, { ...RUN, neuron: 'ann', energyJoules: 2.1e-5 } as never);
  const out = join(dir, 'ann.html');
  writeReport(out, data);
  const { page } = await openPage(out);
  assert.equal(await page.locator('svg[data-chart="energy"] rect.bar').count(), 1);
  const sentence = (await page.textContent('[data-energy-sentence]')) ?? '';
  assert.match(sentence, /this run is the ANN/i);
  assert.doesNotMatch(sentence, /×/);
  await page.close();
});

test('several runs compared: accuracy-vs-T and energy tables and figures, no overlapping text', {
  skip: SKIP,
}, async () => {
  const a = fixtureCheckpoint(join(dir, 'cmp-if'), 'if', 4);
  const b = fixtureCheckpoint(join(dir, 'cmp-lif'), 'lif', 2);
  const runs = [
    { path: join(dir, 'if-T4.json'), run: { ...RUN, config: a.config } },
    { path: join(dir, 'lif-T2.json'), run: { ...RUN, neuron: 'lif', T: 2, energyJoules: 3e-5, config: b.config } },
    { path: join(dir, 'elsewhere.json'), run: { ...RUN, config: { ...a.config, checkpointDir: undefined } } },
  ];
  const data = await collectComparison(reference, runs as never, { tSweep: [1, 2, 4], sweepLimit: 10 });
  const out = join(dir, 'compare.html');
  writeFileSync(out, compareHtml(data));
  const { page, errors } = await openPage(out);
  const rows = await page.locator('table[data-table="accuracy-vs-T"] tr').allTextContents();
  assert.equal(rows.length, 3, 'a header and one row per run with a checkpoint');
  assert.match(rows[0]!, /T = 1.*T = 2.*T = 4/);
  assert.match(rows[1]!, /^if-T4/);
  assert.match((await page.textContent('[data-missing="sweep-elsewhere"]')) ?? '', /no checkpoint/);
  assert.equal(await page.locator('svg[data-chart="compare-accuracy-vs-T"] path.series').count(), 2);
  const energy = await page.locator('table[data-table="energy"] tr').allTextContents();
  assert.equal(energy.length, 4);
  assert.match(energy[2]!, /lif-T2.*1\.43×/);
  assert.match((await page.textContent('section:last-of-type ul')) ?? '', /lif-T2: the SNN uses 1\.43× more energy/);
  assert.deepEqual(await overlappingTexts(page, 'svg[data-chart]'), []);
  await page.screenshot({ path: join(ARTEFACTS, 'report-compare.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
