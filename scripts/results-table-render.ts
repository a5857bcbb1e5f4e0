/**
 * Renders the README's results tables from the train --json files under results/: the equal-budget table and the
 * parity table (from <dir>, written by scripts/results-table.sh), and the numeric cells of a best-runs row.
 * scripts/results-table.ts prints them; test/unit/results.test.ts checks the README against them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TrainResult {
  command?: string;
  neuron?: string;
  testAccuracy: number;
  epochs: number;
  T: number;
  firingRates: { firingRate: number }[];
  synOps: number;
  energyJoules: number;
  annEnergyJoules: number;
  secondsPerEpoch: number;
}

const DATASETS = [
  ['mnist', 'MNIST'],
  ['fashion-mnist', 'Fashion-MNIST'],
] as const;
const NEURONS = [
  ['if', 'DSR-IF'],
  ['lif', 'DSR-LIF'],
  ['bptt', 'BPTT (surrogate)'],
] as const;

export function readResult(path: string): TrainResult | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as TrainResult) : null;
}

export const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
export const uJ = (j: number): string => `${(j * 1e6).toFixed(2)} µJ`;
export const megaOps = (n: number): string => `${(n / 1e6).toFixed(2)} M`;
const meanRate = (r: TrainResult): string => {
  const rates = r.firingRates.map((f) => f.firingRate);
  return (rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(3);
};

/** The equal-budget table and the parity table (markdown), separated by one blank line. */
export function renderResultsTables(dir: string): string {
  const load = (name: string): TrainResult | null => readResult(join(dir, `${name}.json`));
  const row = (dataset: string, neuron: string, T: string, name: string): string => {
    const r = load(name);
    if (r === null) return `| ${dataset} | ${neuron} | ${T} | not run | | | | | |`;
    const ann = neuron === 'ANN (clamp)';
    const energy = ann
      ? uJ(r.annEnergyJoules)
      : `${uJ(r.energyJoules)} (${((100 * r.energyJoules) / r.annEnergyJoules).toFixed(0)} %)`;
    const synops = ann ? '–' : megaOps(r.synOps);
    const run = `\`${join(dir, `${name}.json`)}\``;
    return `| ${dataset} | ${neuron} | ${T} | ${pct(r.testAccuracy)} | ${r.epochs} | ${meanRate(r)} | ${synops} | ${energy} | ${run} |`;
  };

  const lines = [
    '| dataset | neuron | T | test accuracy | epochs | mean firing rate | synaptic ops / image | energy / image (% of ANN) | run |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [ds, dsName] of DATASETS) {
    lines.push(row(dsName, 'ANN (clamp)', '–', `${ds}-ann`));
    for (const [n, nName] of NEURONS) {
      for (const T of [1, 2, 4, 8]) lines.push(row(dsName, nName, String(T), `${ds}-${n}-T${T}`));
    }
  }
  // The representation-level backward against the exact one, same seed, recipe and budget; the last column is the
  // same run before the batch-norm correction (src/nn/bn-correction.ts), kept in <dir>/rep-uncorrected/.
  lines.push(
    '',
    '| dataset | T | exact backward | representation backward | difference (pp) | before the BN correction (difference) |',
    '|---|---|---|---|---|---|',
  );
  const parityRows: [string, string, number, string][] = [
    ...DATASETS.flatMap(([ds, dsName]) => [4, 8].map((T): [string, string, number, string] => [ds, dsName, T, ''])),
    ['fashion-mnist', 'Fashion-MNIST (seed 2)', 4, '-seed2'],
  ];
  for (const [ds, dsName, T, seed] of parityRows) {
    const exact = load(`${ds}-if-T${T}${seed}`);
    const repr = load(`${ds}-if-T${T}-rep${seed}`);
    const before = load(join('rep-uncorrected', `${ds}-if-T${T}-rep${seed}`));
    const show = (r: TrainResult | null): string => (r === null ? 'not run' : pct(r.testAccuracy));
    const diff = (r: TrainResult | null): string =>
      exact === null || r === null ? '' : (100 * (r.testAccuracy - exact.testAccuracy)).toFixed(2);
    const old = before === null ? '' : `${show(before)} (${diff(before)})`;
    lines.push(`| ${dsName} | ${T} | ${show(exact)} | ${show(repr)} | ${diff(repr)} | ${old} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The cells of a README best-runs row that come from its JSON: T, epochs, accuracy, per-layer firing rates,
 * synaptic ops, energy (ANN energy) and seconds per epoch. The ANN row shows "–" for T and synaptic ops, and its
 * activations ÷ Vth in parentheses.
 */
export function bestRunCells(r: TrainResult): {
  T: string;
  epochs: string;
  accuracy: string;
  rates: string;
  synops: string;
  energy: string;
  secondsPerEpoch: string;
} {
  const ann = r.neuron === 'ann';
  const rates = r.firingRates.map((f) => f.firingRate.toFixed(3)).join(' ');
  return {
    T: ann ? '–' : String(r.T),
    epochs: String(r.epochs),
    accuracy: pct(r.testAccuracy),
    rates: ann ? `(${rates})` : rates,
    synops: ann ? '–' : megaOps(r.synOps),
    energy: ann ? uJ(r.annEnergyJoules) : `${uJ(r.energyJoules)} (${uJ(r.annEnergyJoules)})`,
    secondsPerEpoch: r.secondsPerEpoch.toFixed(0),
  };
}
