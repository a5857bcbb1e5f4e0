/**
 * The training report as one self-contained HTML file: the run's header (settings, result, version, date, seed,
 * machine), loss and accuracy per step and per epoch, per-layer firing rates and learned thresholds, a spike raster
 * of one test sample through every layer, accuracy against T, and energy against the ANN of the same shape. Every
 * figure says what it was measured on. Charts are inline SVG (svg.ts), each with SVG and PNG export (figure.ts).
 */

import { energySentence, formatJoules } from './energy-text.js';
import { figure } from './figure.js';
import { groupDigits, percent, ratePercent } from './format.js';
import { reportPage } from './page.js';
import type { SampleRaster } from './raster.js';
import { type Bar, barChart, esc, lineChart, rasterChart, type Series } from './svg.js';

/** The parts of a `train --json` result the report reads (TrainResult and RunInfo; older files may lack some). */
export interface RunSummary {
  command?: string;
  version?: string;
  date?: string;
  machine?: { cpu?: string; cores?: number; memoryGiB?: number; node?: string; platform?: string };
  testAccuracy?: number;
  /** Older result files: the highest test accuracy over the epochs (chosen on the test set). */
  bestTestAccuracy?: number;
  bestEpoch?: number;
  valAccuracy?: number | null;
  selection?: { by: 'validation'; images: number; trainImages?: number } | { by: 'last-epoch'; trainImages?: number };
  testImages?: number;
  testSetSize?: number;
  T?: number;
  neuron?: string;
  dataset?: string;
  model?: string;
  backend?: string;
  threads?: number;
  epochs?: number;
  secondsPerEpoch?: number;
  history?: {
    epoch: number;
    trainLoss: number;
    trainAccuracy: number;
    valAccuracy?: number | null;
    testAccuracy: number;
    lr: number;
    steps?: { step: number; epoch: number; loss: number; accuracy: number }[];
  }[];
  /** `label`: the readable layer name, where the run recorded it. */
  firingRates?: { layer: string; firingRate: number; label?: string }[];
  thresholds?: { layer: string; vth: number }[];
  synOps?: number;
  energyJoules?: number;
  annEnergyJoules?: number;
  config?: { seed?: number; batchSize?: number; checkpointDir?: string };
}

export interface ReportData {
  readonly run: RunSummary;
  readonly title?: string;
  readonly raster?: SampleRaster & { sampleIndex: number; label: number; classNames?: readonly string[] };
  readonly accuracyVsT?: { T: number; accuracy: number; samples: number }[];
  /** The test set the sweep drew its images from. */
  readonly testSetSize?: number;
  /** Readable names of the neuron layers by parameter path, from the checkpoint's network. */
  readonly layerLabels?: Readonly<Record<string, string>>;
  /** The smallest T within the tolerance and the images the sweep used, as one sentence (train/smallest-t.ts). */
  readonly accuracyVsTSummary?: string;
  /** Why a section is missing (e.g. "no checkpoint"), shown in its place. */
  readonly notes?: Record<string, string>;
}

export const BLUE = '#1f4e9c';
export const ORANGE = '#d9822b';
export const GREEN = '#3a8a3a';
const PALE_BLUE = '#8fa9d6';

export function reportHtml(d: ReportData): string {
  const r = d.run;
  const missing = (key: string, what: string): string =>
    `<p class="missing" data-missing="${key}">${esc(d.notes?.[key] ?? `${what}: not in this run`)}</p>`;
  const testSize = r.testSetSize ?? d.testSetSize;
  const testImages = r.testImages === undefined ? 'test images' : `${imagesOf(r.testImages, testSize)} test images`;
  const sections = [
    section('Loss and accuracy', curves(r, testImages) ?? missing('history', 'per-epoch history')),
    section(
      'Per-layer firing rates and learned thresholds',
      rates(r, d, testImages) ?? missing('rates', 'firing rates'),
    ),
    section('Spike raster of one test sample', raster(d) ?? missing('raster', 'spike raster')),
    section('Accuracy against T', sweep(d, testSize) ?? missing('accuracy-vs-T', 'accuracy against T')),
    section('Energy against the ANN', energy(r, testImages) ?? missing('energy', 'energy estimate')),
  ];
  const title = d.title ?? `spikerep run: ${r.dataset ?? ''} ${r.model ?? ''} ${r.neuron ?? ''} T=${r.T ?? '?'}`;
  return reportPage(title, `${factsTable(r, testSize)}\n${sections.join('\n')}`);
}

/** "1 000 of 10 000" (or just the count when it is the whole set or the set's size is unknown). */
export function imagesOf(used: number, of: number | undefined): string {
  return of === undefined || of === used ? groupDigits(used) : `${groupDigits(used)} of ${groupDigits(of)}`;
}

function factsTable(r: RunSummary, testSize: number | undefined): string {
  const m = r.machine;
  const facts: [string, string | undefined][] = [
    ['dataset', r.dataset],
    ['model', r.model],
    ['neuron', r.neuron],
    ['T', r.T?.toString()],
    ['epochs', r.epochs?.toString()],
    [
      'test accuracy',
      r.testAccuracy === undefined
        ? undefined
        : `${percent(r.testAccuracy)}${r.testImages === undefined ? '' : ` on ${imagesOf(r.testImages, testSize)} test images`}`,
    ],
    ['epoch kept', chosenText(r)],
    ['best test accuracy', r.bestTestAccuracy === undefined ? undefined : percent(r.bestTestAccuracy)],
    ['seed', r.config?.seed?.toString()],
    [
      'backend',
      r.backend === undefined ? undefined : `${r.backend}${r.threads === undefined ? '' : ` × ${r.threads} threads`}`,
    ],
    ['seconds per epoch', r.secondsPerEpoch?.toFixed(1)],
    ['command', r.command],
    ['spikerep', r.version],
    ['date', r.date],
    [
      'machine',
      m === undefined
        ? undefined
        : [
            m.cpu,
            m.cores === undefined ? undefined : `${m.cores} cores`,
            m.memoryGiB === undefined ? undefined : `${m.memoryGiB} GiB`,
            m.platform,
            m.node === undefined ? undefined : `Node ${m.node}`,
          ]
            .filter((x) => x !== undefined)
            .join(', '),
    ],
  ];
  return `<table data-table="facts">${facts
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td data-fact="${esc(k)}">${esc(v!)}</td></tr>`)
    .join('')}</table>`;
}

/** Loss and accuracy: the per-step training curve (thin) under the per-epoch values (dots), x in epochs. */
function curves(r: RunSummary, testImages: string): string | undefined {
  const h = r.history ?? [];
  if (h.length === 0) return undefined;
  const steps = h.flatMap((e) => e.steps ?? []);
  const perStep = steps.length > 0;
  const stepSeries = (name: string, points: [number, number][]): Series[] =>
    perStep ? [{ name, color: PALE_BLUE, points, dots: false, width: 1.2 }] : [];
  const trainImages = r.selection?.trainImages;
  const trained = trainImages === undefined ? 'the training images' : `${groupDigits(trainImages)} training images`;
  const window = perStep ? `per-step points: means over ${stepWindow(steps, r.config?.batchSize)}` : 'per epoch';
  const x = { integer: true, pad: 0 } as const;
  const loss = lineChart(
    'loss',
    'Training loss',
    'epoch',
    'cross-entropy loss',
    [
      ...stepSeries(
        'train loss per step',
        steps.map((s) => [s.epoch, s.loss]),
      ),
      // an epoch's mean loss belongs in the middle of the steps it averages, where the step curve passes
      perStep
        ? { name: 'epoch mean (mid-epoch)', color: BLUE, points: h.map((e) => [e.epoch - 0.5, e.trainLoss]) }
        : { name: 'train loss per epoch', color: BLUE, points: h.map((e) => [e.epoch, e.trainLoss]) },
    ],
    { x, subtitle: `on ${trained} per epoch; ${window}` },
  );
  const validated = h.every((e) => typeof e.valAccuracy === 'number');
  const val = r.selection?.by === 'validation' ? `, validation on ${groupDigits(r.selection.images)}` : '';
  // per epoch only: the first steps' low accuracy would stretch the axis and merge train, validation and test
  const accuracy = lineChart(
    'accuracy',
    'Accuracy per epoch',
    'epoch',
    'accuracy (%)',
    [
      { name: 'train', color: BLUE, points: h.map((e) => [e.epoch, 100 * e.trainAccuracy]) },
      ...(validated
        ? [{ name: 'validation', color: GREEN, points: h.map((e) => [e.epoch, 100 * e.valAccuracy!] as const) }]
        : []),
      { name: 'test', color: ORANGE, points: h.map((e) => [e.epoch, 100 * e.testAccuracy]) },
    ],
    { x, y: { bounds: [0, 100], minSpan: 2 }, subtitle: `train on ${trained}${val}, test on ${testImages}` },
  );
  const perStepAccuracy = perStep
    ? figure(
        'accuracy-per-step',
        lineChart(
          'accuracy-per-step',
          'Training accuracy per step',
          'epoch',
          'accuracy (%)',
          [
            {
              name: 'train',
              color: BLUE,
              points: steps.map((s) => [s.epoch, 100 * s.accuracy]),
              dots: false,
              width: 1.5,
            },
          ],
          { x, y: { bounds: [0, 100], minSpan: 2 }, subtitle: `on ${trained} per epoch; ${window}` },
        ),
      )
    : '';
  return figure('loss', loss) + figure('accuracy', accuracy) + perStepAccuracy;
}

/** "4 batches of 32 images" from the step counts between points. */
function stepWindow(steps: readonly { step: number }[], batchSize: number | undefined): string {
  const gaps = steps
    .slice(1)
    .map((s, i) => s.step - steps[i]!.step)
    .filter((g) => g > 0);
  const batches = gaps.length === 0 ? 1 : Math.max(...gaps);
  const of = batchSize === undefined ? '' : ` of ${batchSize} images`;
  return `${batches} batch${batches === 1 ? '' : 'es'}${of}`;
}

function rates(r: RunSummary, d: ReportData, testImages: string): string | undefined {
  const rs = r.firingRates ?? [];
  if (rs.length === 0) return undefined;
  const label = (layer: string, own?: string): string => own ?? d.layerLabels?.[layer] ?? layer;
  const bars: Bar[] = rs.map((x) => ({
    label: label(x.layer, x.label),
    value: 100 * x.firingRate,
    text: ratePercent(x.firingRate),
  }));
  const out = [
    figure(
      'rates',
      barChart('rates', 'Firing rate per layer', 'spikes per neuron per time step (%)', bars, {
        subtitle: `over all neurons of each layer and all T steps, on ${testImages}`,
        color: BLUE,
      }),
    ),
  ];
  const vths = r.thresholds ?? [];
  out.push(
    vths.length > 0
      ? figure(
          'thresholds',
          barChart(
            'thresholds',
            'Learned threshold Vth per layer',
            'Vth',
            vths.map((x) => ({ label: label(x.layer), value: x.vth, text: x.vth.toPrecision(3) })),
            { subtitle: 'after training (one threshold per layer)', color: GREEN },
          ),
        )
      : `<p class="missing" data-missing="thresholds">${esc(d.notes?.['thresholds'] ?? 'thresholds: not in this run')}</p>`,
  );
  return out.join('');
}

function raster(d: ReportData): string | undefined {
  const ras = d.raster;
  if (ras === undefined) return undefined;
  const name = (c: number): string => ras.classNames?.[c] ?? String(c);
  const sampled = Math.max(0, ...ras.layers.filter((l) => !l.output).map((l) => l.shown.length));
  return (
    `<p>Test sample ${ras.sampleIndex} (label ${esc(name(ras.label))}), predicted <b>${esc(name(ras.prediction))}</b>. ` +
    `Each lane shows ${sampled} neurons drawn at random from its layer (the same neurons for every image), so the ` +
    'density of marks matches the layer’s firing rate; the rate printed over each lane is over all its neurons. The ' +
    'output lane shows every class.</p>' +
    figure(
      'raster',
      rasterChart('raster', `Spikes of one image over ${ras.T} time steps`, ras.T, ras.layers, {
        classNames: ras.classNames,
        subtitle: `test image ${ras.sampleIndex}: ${sampled} randomly sampled neurons per layer (seed 0); each rate over all the layer’s neurons`,
      }),
    )
  );
}

function sweep(d: ReportData, testSize: number | undefined): string | undefined {
  const s = d.accuracyVsT ?? [];
  if (s.length === 0) return undefined;
  const chart = lineChart(
    'accuracy-vs-T',
    'Test accuracy against time steps T',
    'time steps T',
    'test accuracy (%)',
    [{ name: 'test accuracy', color: ORANGE, points: s.map((p) => [p.T, 100 * p.accuracy]) }],
    {
      x: { integer: true, pad: 0 },
      y: { bounds: [0, 100], minSpan: 2 },
      subtitle: `the trained weights run at each T, on ${imagesOf(s[0]!.samples, testSize)} test images`,
    },
  );
  return (
    figure('accuracy-vs-T', chart) +
    (d.accuracyVsTSummary === undefined ? '' : `<p>${esc(capitalised(d.accuracyVsTSummary))}</p>`)
  );
}

function energy(r: RunSummary, testImages: string): string | undefined {
  if (r.energyJoules === undefined || r.annEnergyJoules === undefined) return undefined;
  const isAnn = r.neuron === 'ann' || r.neuron === 'relu';
  const unit = joulesUnit(Math.max(r.energyJoules, r.annEnergyJoules));
  const bar = (label: string, j: number, color: string): Bar => ({
    label,
    value: j / unit.scale,
    text: formatJoules(j),
    color,
  });
  const bars = isAnn
    ? [bar('ANN (this run)', r.annEnergyJoules, ORANGE)]
    : [bar(`SNN (${r.neuron ?? 'this run'})`, r.energyJoules, BLUE), bar('ANN, same shape', r.annEnergyJoules, ORANGE)];
  const chart = barChart('energy', 'Estimated energy per image', `${unit.name} per image`, bars, {
    subtitle: `from the spikes counted on ${testImages}; 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate`,
  });
  return `${figure('energy', chart)}<p data-energy-sentence>${esc(capitalised(energySentence(r.energyJoules, r.annEnergyJoules, r.neuron)))}.</p>`;
}

/** The unit for an energy axis: the one that puts the largest value between 1 and 1000. */
export function joulesUnit(max: number): { name: string; scale: number } {
  for (const [scale, name] of [
    [1, 'J'],
    [1e-3, 'mJ'],
    [1e-6, 'µJ'],
    [1e-9, 'nJ'],
  ] as const)
    if (max >= scale) return { name, scale };
  return { name: 'pJ', scale: 1e-12 };
}

export function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A titled part of the page: charts side by side, or (`stacked`) text, tables and figures one under another. */
export function section(title: string, body: string, stacked = false): string {
  return `<section><h2>${esc(title)}</h2><div class="${stacked ? 'stacked' : 'charts'}">${body}</div></section>`;
}

/** Which epoch the reported accuracy is of, and what chose it. */
function chosenText(r: RunSummary): string | undefined {
  if (r.selection === undefined || r.bestEpoch === undefined) return undefined;
  if (r.selection.by === 'last-epoch') return `${r.bestEpoch} (the last; no validation split)`;
  const val = typeof r.valAccuracy === 'number' ? `: ${percent(r.valAccuracy)}` : '';
  return `${r.bestEpoch}, chosen on ${groupDigits(r.selection.images)} held-out training images${val}`;
}
