/** The report of a tune folder: one point per trial labelled with its T, the Pareto front filled, the trial table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tuneReportHtml } from '../../src/report/tune-html.js';
import { DEFAULT_CONFIG } from '../../src/train/config.js';
import { rungEpochs } from '../../src/tune/asha.js';
import { runSearch } from '../../src/tune/search.js';
import { defaultSpace } from '../../src/tune/space.js';
import { newState, type TuneState } from '../../src/tune/state.js';

async function search(trials: number): Promise<TuneState> {
  const start = newState({
    base: { ...DEFAULT_CONFIG, epochs: 3 },
    space: defaultSpace('if'),
    eta: 3,
    rungs: rungEpochs(1, 3, 3),
    seed: 2,
    maxTrials: trials,
    budgetSeconds: null,
    objective: { name: 'accuracy', maxT: 2, maxEnergyJoules: null },
    recipe: null,
  });
  let t = 0;
  return runSearch(start, {
    // accuracy rises with T and lr, energy with T only: the best lr of each T is on the front
    runStep: async (req) => {
      t += req.epochs - req.from;
      const acc = 0.5 + 0.05 * Math.log2(req.params.T) + req.params.lr + 0.01 * req.epochs;
      return {
        valAccuracy: acc,
        T: req.params.T,
        energyJoules: req.params.T * 1e-6,
        epochValAccuracy: [acc],
      };
    },
    save: () => {},
    now: () => t,
  });
}

test('tune report: a point per trial labelled with T, the front filled, a table row per trial', async () => {
  const s = await search(8);
  const html = tuneReportHtml(s, 'runs/tune');
  const chart = html.match(/<svg[\s\S]*?data-chart="tune-pareto"[\s\S]*?<\/svg>/)?.[0] ?? '';
  assert.ok(chart !== '', 'the scatter chart');
  assert.equal((chart.match(/<circle /g) ?? []).length, s.trials.length);
  assert.equal((chart.match(/class="point marked"/g) ?? []).length, s.pareto.length);
  assert.ok(s.pareto.length >= 1 && s.pareto.length < s.trials.length);
  for (const t of s.trials) assert.ok(chart.includes(`>T${t.params.T}</text>`), `label T${t.params.T}`);
  const table = html.match(/<table data-table="trials">[\s\S]*?<\/table>/)?.[0] ?? '';
  assert.equal((table.match(/<tr>/g) ?? []).length, s.trials.length + 1);
  assert.match(html, /validation accuracy with T ≤ 2/);
  const over = s.trials.filter((t) => t.params.T > 2).length;
  assert.equal((table.match(/\(over budget\)/g) ?? []).length, over);
});

test('tune report: a search with no finished step says so', async () => {
  const s = await search(8);
  const html = tuneReportHtml({ ...s, trials: [], pareto: [] }, 'runs/tune');
  assert.match(html, /data-missing="tune-pareto"/);
});
