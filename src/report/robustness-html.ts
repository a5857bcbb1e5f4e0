/**
 * The page `spikerep robustness --report` writes: one chart per kind of noise (the levels of different kinds are in
 * different units), accuracy against the level, and the numbers as a table. Every chart says how many test images
 * each point was measured on.
 */
import { figure } from './figure.js';
import { groupDigits, percent } from './format.js';
import { BLUE, imagesOf, section } from './html.js';
import { reportPage } from './page.js';
import { esc, lineChart } from './svg.js';

/** What the page reads of a robustness result (cli/robustness.ts writes it). */
export interface RobustnessSummary {
  readonly checkpoint: string;
  readonly dataset: string;
  readonly neuron: string;
  readonly T: number;
  readonly samples: number;
  readonly testSetSize?: number;
  readonly seed: number;
  /** Devices drawn per level for the device kinds (weight, threshold). */
  readonly draws?: number;
  readonly cleanAccuracy: number;
  readonly curves: readonly {
    readonly kind: string;
    readonly site: string;
    readonly level: string;
    readonly points: readonly {
      readonly level: number;
      readonly accuracy: number;
      readonly draws?: readonly number[];
    }[];
    readonly skipped?: string;
  }[];
}

/** What each kind does, in the words of the charts' titles. */
const TITLES: Readonly<Record<string, string>> = {
  gaussian: 'Gaussian input noise',
  'salt-pepper': 'Salt-and-pepper input noise',
  deletion: 'Spike deletion',
  jitter: 'Spike jitter',
  extra: 'Extra random spikes',
  weight: 'Weight noise (device mismatch)',
  threshold: 'Threshold variation (per neuron)',
};

/** ", mean of 3 devices" for a device kind swept over several draws. */
function deviceDraws(r: RobustnessSummary, site: string): string {
  return site === 'device' && (r.draws ?? 1) > 1 ? `, mean of ${r.draws} devices` : '';
}

/** " (devices: 97.10 %, 96.80 %)" after a mean of several draws. */
function drawsText(draws: readonly number[] | undefined): string {
  return draws === undefined ? '' : ` (devices: ${draws.map(percent).join(', ')})`;
}

export function robustnessHtml(r: RobustnessSummary): string {
  const images = imagesOf(r.samples, r.testSetSize);
  const charts = r.curves
    .filter((c) => c.skipped === undefined)
    .map((c) =>
      figure(
        `robustness-${c.kind}`,
        lineChart(
          `robustness-${c.kind}`,
          TITLES[c.kind] ?? c.kind,
          c.level,
          'test accuracy (%)',
          [{ name: c.kind, color: BLUE, points: c.points.map((p) => [p.level, 100 * p.accuracy] as const) }],
          {
            x: { integer: c.points.every((p) => Number.isInteger(p.level)) },
            y: { bounds: [0, 100], minSpan: 2 },
            subtitle: `${r.dataset}, ${images} test images per point${deviceDraws(r, c.site)}, seed ${r.seed}`,
          },
        ),
      ),
    )
    .join('');
  const rows = r.curves
    .map((c) => {
      const cells =
        c.skipped !== undefined
          ? `<td>${esc(c.skipped)}</td>`
          : `<td>${c.points.map((p) => `${p.level}: ${percent(p.accuracy)}${drawsText(p.draws)}`).join(' · ')}</td>`;
      return `<tr><td>${esc(TITLES[c.kind] ?? c.kind)}</td><td>${esc(c.level)}</td>${cells}</tr>`;
    })
    .join('');
  const facts =
    `<p>${esc(r.checkpoint)}: ${esc(r.neuron)}, T = ${r.T}, clean test accuracy ${percent(r.cleanAccuracy)} on ` +
    `${images} ${esc(r.dataset)} test images (${groupDigits(r.samples)} per point below).</p>`;
  const table = `<table><tr><th>noise</th><th>level</th><th>accuracy at each level</th></tr>${rows}</table>`;
  return reportPage(
    `Robustness of ${r.checkpoint}`,
    section('Run', facts, true) + section('Accuracy against noise level', charts) + section('Numbers', table, true),
  );
}
