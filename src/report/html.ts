/**
 * The training report as one self-contained HTML file: loss and accuracy per epoch, per-layer firing rates and
 * learned thresholds, a spike raster of one test sample through every layer, accuracy against T, and energy
 * against the ANN of the same shape. Charts are inline SVG (svg.ts); no scripts, no external resources.
 */

import { reportPage } from './page.js';
import type { SampleRaster } from './raster.js';
import { barChart, esc, lineChart, rasterChart } from './svg.js';

/** The parts of a `train --json` result the report reads (TrainResult; older files may lack some). */
export interface RunSummary {
  command?: string;
  testAccuracy?: number;
  /** Older result files: the highest test accuracy over the epochs (chosen on the test set). */
  bestTestAccuracy?: number;
  bestEpoch?: number;
  valAccuracy?: number | null;
  selection?: { by: 'validation'; images: number } | { by: 'last-epoch' };
  T?: number;
  neuron?: string;
  dataset?: string;
  model?: string;
  backend?: string;
  epochs?: number;
  secondsPerEpoch?: number;
  history?: {
    epoch: number;
    trainLoss: number;
    trainAccuracy: number;
    valAccuracy?: number | null;
    testAccuracy: number;
    lr: number;
  }[];
  firingRates?: { layer: string; firingRate: number }[];
  thresholds?: { layer: string; vth: number }[];
  synOps?: number;
  energyJoules?: number;
  annEnergyJoules?: number;
}

export interface ReportData {
  readonly run: RunSummary;
  readonly title?: string;
  readonly raster?: SampleRaster & { sampleIndex: number; label: number };
  readonly accuracyVsT?: { T: number; accuracy: number; samples: number }[];
  /** The smallest T within the tolerance and the images the sweep used, as one sentence (train/smallest-t.ts). */
  readonly accuracyVsTSummary?: string;
  /** Why a section is missing (e.g. "no checkpoint"), shown in its place. */
  readonly notes?: Record<string, string>;
}

const BLUE = '#1f4e9c';
const ORANGE = '#d9822b';
const GREEN = '#3a8a3a';

export function reportHtml(d: ReportData): string {
  const r = d.run;
  const h = r.history ?? [];
  const sections: string[] = [];
  const missing = (key: string, what: string): string =>
    `<p class="missing" data-missing="${key}">${esc(d.notes?.[key] ?? `${what}: not in this run`)}</p>`;

  sections.push(
    section(
      'Loss and accuracy per epoch',
      h.length > 0
        ? lineChart('loss', 'Training loss', 'epoch', 'loss', [
            { name: 'train loss', color: BLUE, points: h.map((e) => [e.epoch, e.trainLoss]) },
          ]) +
            lineChart(
              'accuracy',
              'Accuracy',
              'epoch',
              'accuracy (%)',
              [
                { name: 'train', color: BLUE, points: h.map((e) => [e.epoch, 100 * e.trainAccuracy]) },
                ...(h.every((e) => typeof e.valAccuracy === 'number')
                  ? [
                      {
                        name: 'validation',
                        color: GREEN,
                        points: h.map((e) => [e.epoch, 100 * e.valAccuracy!] as const),
                      },
                    ]
                  : []),
                { name: 'test', color: ORANGE, points: h.map((e) => [e.epoch, 100 * e.testAccuracy]) },
              ],
              [0, 100],
            )
        : missing('history', 'per-epoch history'),
    ),
  );

  const rates = r.firingRates ?? [];
  const vths = r.thresholds ?? [];
  sections.push(
    section(
      'Per-layer firing rates and learned thresholds',
      rates.length > 0
        ? barChart(
            'rates',
            'Firing rate (spikes per neuron per step)',
            'rate',
            rates.map((x) => x.layer),
            [{ name: 'firing rate', color: BLUE, values: rates.map((x) => x.firingRate) }],
          ) +
            (vths.length > 0
              ? barChart(
                  'thresholds',
                  'Learned threshold Vth',
                  'Vth',
                  vths.map((x) => x.layer),
                  [{ name: 'Vth', color: GREEN, values: vths.map((x) => x.vth) }],
                )
              : missing('thresholds', 'thresholds'))
        : missing('rates', 'firing rates'),
    ),
  );

  const ras = d.raster;
  sections.push(
    section(
      'Spike raster of one test sample',
      ras !== undefined
        ? `<p>Test sample ${ras.sampleIndex} (label ${ras.label}), predicted <b>${ras.prediction}</b>; each lane shows the most active neurons of a layer (up to ${ras.layers[0]?.shown.length ?? 0}).</p>` +
            rasterChart('raster', `Spikes over ${ras.T} steps`, ras.T, ras.layers)
        : missing('raster', 'spike raster'),
    ),
  );

  const sweep = d.accuracyVsT ?? [];
  sections.push(
    section(
      'Accuracy against T',
      sweep.length > 0
        ? lineChart(
            'accuracy-vs-T',
            `Test accuracy against time steps (${sweep[0]!.samples} images)`,
            'T',
            'accuracy (%)',
            [{ name: 'test accuracy', color: ORANGE, points: sweep.map((s) => [s.T, 100 * s.accuracy]) }],
            [0, 100],
          ) + (d.accuracyVsTSummary === undefined ? '' : `<p>${esc(capitalised(d.accuracyVsTSummary))}</p>`)
        : missing('accuracy-vs-T', 'accuracy against T'),
    ),
  );

  sections.push(
    section(
      'Energy against the ANN',
      r.energyJoules !== undefined && r.annEnergyJoules !== undefined
        ? `${barChart(
            'energy',
            'Estimated energy per image (J, log scale)',
            'J',
            ['per image'],
            [
              { name: `SNN ${r.neuron ?? ''}`.trim(), color: BLUE, values: [r.energyJoules] },
              { name: 'ANN', color: ORANGE, values: [r.annEnergyJoules] },
            ],
            true,
          )}<p>SNN ${fmtJ(r.energyJoules)} vs ANN ${fmtJ(r.annEnergyJoules)}: ${(r.annEnergyJoules / r.energyJoules).toFixed(1)}× less (0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate).</p>`
        : missing('energy', 'energy estimate'),
    ),
  );

  const facts: [string, string | undefined][] = [
    ['dataset', r.dataset],
    ['model', r.model],
    ['neuron', r.neuron],
    ['T', r.T?.toString()],
    ['epochs', r.epochs?.toString()],
    ['test accuracy', r.testAccuracy === undefined ? undefined : `${(100 * r.testAccuracy).toFixed(2)}%`],
    ['epoch kept', chosenText(r)],
    ['best test accuracy', r.bestTestAccuracy === undefined ? undefined : `${(100 * r.bestTestAccuracy).toFixed(2)}%`],
    ['backend', r.backend],
    ['seconds per epoch', r.secondsPerEpoch?.toFixed(1)],
    ['command', r.command],
  ];
  const table = `<table>${facts
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v!)}</td></tr>`)
    .join('')}</table>`;
  const title = d.title ?? `spikerep run: ${r.dataset ?? ''} ${r.model ?? ''} ${r.neuron ?? ''} T=${r.T ?? '?'}`;
  return reportPage(title, `${table}\n${sections.join('\n')}`);
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2><div class="charts">${body}</div></section>`;
}

function fmtJ(j: number): string {
  return j >= 1e-3
    ? `${(j * 1e3).toFixed(2)} mJ`
    : j >= 1e-6
      ? `${(j * 1e6).toFixed(2)} µJ`
      : `${(j * 1e9).toFixed(2)} nJ`;
}

/** Which epoch the reported accuracy is of, and what chose it. */
function chosenText(r: RunSummary): string | undefined {
  if (r.selection === undefined || r.bestEpoch === undefined) return undefined;
  if (r.selection.by === 'last-epoch') return `${r.bestEpoch} (the last; no validation split)`;
  const val = typeof r.valAccuracy === 'number' ? `: ${(100 * r.valAccuracy).toFixed(2)}%` : '';
  return `${r.bestEpoch}, chosen on ${r.selection.images} held-out training images${val}`;
}
