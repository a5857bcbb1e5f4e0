/**
 * The report of a `spikerep tune` folder: validation accuracy against energy per image for every trial (labelled
 * with its T, the Pareto front of accuracy, T and energy filled and joined), and the table of trials.
 */

import { formatDuration } from '../tune/duration.js';
import { objectiveText, pct, sig3, trialRows } from '../tune/outputs.js';
import { bestTrial, type TuneState } from '../tune/state.js';
import { CHART_CSS, esc, scatterChart } from './svg.js';

const BLUE = '#1f4e9c';

export function tuneReportHtml(s: TuneState, source: string): string {
  const rows = trialRows(s);
  const best = bestTrial(s);
  const base = s.settings.base;
  const chart =
    rows.length > 0
      ? scatterChart(
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
        ) +
        '<p>Filled points: the Pareto front (no other trial has higher accuracy, no larger T and no more energy).</p>'
      : '<p class="missing" data-missing="tune-pareto">No trial has finished a step yet.</p>';
  const head = [
    'trial',
    'rung',
    'epochs',
    'optimizer',
    'lr',
    'weight decay',
    'α',
    'Vth',
    'T',
    'batch',
    'val acc',
    'µJ/img',
    'front',
  ];
  const table = `<table data-table="trials"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map(
      (r) =>
        `<tr><td>${r.trial}${r.withinBudget ? '' : ' (over budget)'}</td><td>${r.rung}</td><td>${r.epochs}</td><td>${r.optimizer}</td><td>${sig3(r.lr)}</td><td>${sig3(r.weightDecay)}</td><td>${r.alpha === '' ? '' : sig3(r.alpha)}</td><td>${r.vth === '' ? '' : sig3(r.vth)}</td><td>${r.T}</td><td>${r.batchSize}</td><td>${pct(r.valAccuracy)}</td><td>${sig3(r.energyMicroJ)}</td><td>${r.pareto ? '✓' : ''}</td></tr>`,
    )
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}th,td{text-align:left;padding:2px 10px;border-bottom:1px solid #eee}th{color:#555;font-weight:500}
.missing{color:#a33}
${CHART_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
<table>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<section><h2>Pareto front: accuracy, T and energy</h2>${chart}</section>
<section><h2>Trials, best first</h2>${table}</section>
<footer><p style="color:#888">Written by spikerep; self-contained (inline SVG), viewable offline.</p></footer>
</body></html>
`;
}
