/**
 * The seed-averaged results table: groups result JSONs (`spikerep train … --json`) by dataset, neuron kind and T,
 * and prints, per group, the mean and sample standard deviation of the test accuracy at the epoch chosen on
 * validation, the seeds, their validation accuracies and chosen epochs, synaptic operations and energy per image.
 *   node --import tsx scripts/seed-table.ts results/best [--json results/best/summary.json]
 * A group with fewer result files than --seeds (default 3) says how many seeds it has; a file chosen on the test set
 * (no validation split) is refused, since the table's promise is that nothing was chosen on it.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail, scriptArgs, wholeNumber } from './script-args.js';

interface RunFile {
  readonly file: string;
  readonly dataset: string;
  readonly neuron: string;
  readonly T: number;
  readonly model: string;
  readonly epochs: number;
  readonly seed: number;
  readonly test: number;
  readonly val: number;
  readonly epoch: number;
  readonly synOps: number;
  readonly energy: number;
  readonly annEnergy: number;
}

export interface SeedGroup {
  readonly dataset: string;
  readonly neuron: string;
  readonly T: number;
  readonly model: string;
  readonly epochs: number;
  readonly runs: readonly RunFile[];
  readonly finished: boolean;
  readonly meanTest: number;
  /** Sample standard deviation (n − 1); 0 for a single run. */
  readonly stdTest: number;
}

const USAGE = 'node --import tsx scripts/seed-table.ts DIR [--seeds 3] [--json OUT]';

function readRun(file: string): RunFile {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    fail('seed-table', `${file}: not a readable result JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const selection = r['selection'] as { by?: string; seed?: number } | undefined;
  if (selection?.by !== 'validation') fail('seed-table', `${file}: its epoch was not chosen on a validation split`);
  const config = (r['config'] ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
  return {
    file,
    dataset: String(r['dataset']),
    neuron: String(r['neuron']),
    T: num(r['T']),
    model: String(r['model']),
    epochs: num(r['epochs']),
    seed: num(selection.seed ?? config['seed']),
    test: num(r['testAccuracy']),
    val: num(r['valAccuracy']),
    epoch: num(r['bestEpoch']),
    synOps: num(r['synOps']),
    energy: num(r['energyJoules']),
    annEnergy: num(r['annEnergyJoules']),
  };
}

export function seedGroups(dir: string, seeds: number): SeedGroup[] {
  const runs = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'summary.json')
    .map((f) => readRun(join(dir, f)))
    .filter((r) => r.epochs > 0);
  const groups = new Map<string, RunFile[]>();
  for (const r of runs) {
    // ANN rows run at T = 1 whatever T says: group them by dataset alone
    const key = `${r.dataset}|${r.neuron}|${r.neuron === 'ann' ? 1 : r.T}|${r.model}|${r.epochs}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((rs) => {
      rs.sort((a, b) => a.seed - b.seed);
      const mean = rs.reduce((s, r) => s + r.test, 0) / rs.length;
      const v = rs.length > 1 ? rs.reduce((s, r) => s + (r.test - mean) ** 2, 0) / (rs.length - 1) : 0;
      const first = rs[0]!;
      return {
        dataset: first.dataset,
        neuron: first.neuron,
        T: first.neuron === 'ann' ? 1 : first.T,
        model: first.model,
        epochs: first.epochs,
        runs: rs,
        finished: rs.length >= seeds,
        meanTest: mean,
        stdTest: Math.sqrt(v),
      };
    })
    .sort((a, b) => a.dataset.localeCompare(b.dataset) || a.T - b.T || a.neuron.localeCompare(b.neuron));
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

export function renderSeedTable(groups: readonly SeedGroup[], seeds: number): string {
  const lines = [
    '| dataset | neuron | T | epochs | test accuracy, mean ± std | seeds: test (validation, chosen epoch) | synaptic ops / image | energy / image (ANN) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const g of groups) {
    const mean = g.finished
      ? `**${pct(g.meanTest)} ± ${(100 * g.stdTest).toFixed(2)}**`
      : `${g.runs.length} of ${seeds} seeds only (${pct(g.meanTest)})`;
    const perSeed = g.runs.map((r) => `${r.seed}: ${pct(r.test)} (${pct(r.val)}, ${r.epoch})`).join('; ');
    const avg = (f: (r: RunFile) => number): number => g.runs.reduce((s, r) => s + f(r), 0) / g.runs.length;
    const ops = g.neuron === 'ann' ? '–' : `${(avg((r) => r.synOps) / 1e6).toFixed(2)} M`;
    const energy = `${(avg((r) => r.energy) * 1e6).toFixed(2)} µJ (${(avg((r) => r.annEnergy) * 1e6).toFixed(2)} µJ)`;
    lines.push(`| ${g.dataset} | ${g.neuron} | ${g.T} | ${g.epochs} | ${mean} | ${perSeed} | ${ops} | ${energy} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const positionals = ['(folder)'];
  const args = scriptArgs(
    'seed-table',
    USAGE,
    { seeds: { type: 'string', default: '3' }, json: { type: 'string' } },
    positionals,
  );
  const dir = positionals[1];
  if (dir === undefined || positionals.length > 2)
    fail('seed-table', `expected the folder of result JSONs (usage: ${USAGE})`);
  const seeds = wholeNumber('seed-table', 'seeds', args['seeds'], 1);
  const groups = seedGroups(dir, seeds);
  process.stdout.write(renderSeedTable(groups, seeds));
  if (args['json'] !== undefined) writeFileSync(args['json'], `${JSON.stringify(groups, null, 2)}\n`);
}
