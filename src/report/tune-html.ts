/**
 * The report of a `spikerep tune` folder: validation accuracy against energy per image for every trial (labelled
 * with its T, the Pareto front of accuracy, T and energy filled and joined), and the table of trials.
 */

import { formatDuration } from '../tune/duration.js';
import { objectiveText, pct, sig3, TRIAL_TABLE_HEAD, trialRows, trialTableRows } from '../tune/outputs.js';
import { bestTrial, type TuneState } from '../tune/state.js';
import { figure } from './figure.js';
import { reportPage } from './page.js';
import { esc, scatterChart } from './svg.js';

const BLUE = '#1f4e9c';

export function tuneReportHtml(s: TuneState, source: string): string {
  const rows = trialRows(s);
  const best = bestTrial(s);
  const base = s.settings.base;
  const chart =
    rows.length > 0
      ? figure(
          'tune-pareto',
          scatterChart(
            'tune-pareto',
            'Validation accuracy against energy per image (label: T)',
            'energy per image (µJ)',
            'validation accuracy (%)',
            rows.map((r) => ({
              x: r.energyMicroJ,
              y: 100 * r.valAccuracy,
              label: `T${r.T}`,
              title: `trial ${r.trial}: ${pct(r.valAccuracy)} after ${r.epochs} epochs, T = ${r.T}, ${sig3(r.energyMicroJ)} µJ`,
              marked: r.pareto,
            })),
            BLUE,
          ),
        ) +
        '<p>Filled points: the Pareto front (no other trial has higher accuracy, no larger T and no more energy).</p>'
      : '<p class="missing" data-missing="tune-pareto">No trial has finished a step yet.</p>';
  const cells = (tag: 'th' | 'td', row: readonly string[]): string =>
    `<tr>${row.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  const table = `<table data-table="trials">${cells('th', TRIAL_TABLE_HEAD)}${trialTableRows(s)
    .map((r) => cells('td', r))
    .join('')}</table>`;
  const facts: [string, string][] = [
    ['search', source],
    ['dataset, model, neuron', `${base.dataset}, ${base.model}, ${base.neuron}`],
    ['objective', objectiveText(s)],
    ['rungs (epochs)', `${s.settings.rungs.join(', ')}; η = ${s.settings.eta}`],
    [
      'trials',
      `${s.trials.length} in ${formatDuration(s.elapsedSeconds)}${s.stopped === 'budget' ? ' (budget spent)' : ''}`,
    ],
    ['best', best === undefined ? 'none yet' : `trial ${best.id}`],
  ];
  const title = `spikerep tune: ${base.dataset} ${base.model} ${base.neuron}`;
  return reportPage(
    title,
    `<table>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<section><h2>Pareto front: accuracy, T and energy</h2>${chart}</section>
<section><h2>Trials, best first</h2>${table}</section>`,
  );
}
