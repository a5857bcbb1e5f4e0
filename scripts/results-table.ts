/**
 * Prints the README's results table (markdown) from the JSON files scripts/results-table.sh writes:
 *   node --import tsx scripts/results-table.ts [results/table]
 * One row per neuron kind and T for each dataset; a run whose JSON is missing is shown as "not run".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Result {
  testAccuracy: number;
  epochs: number;
  T: number;
  firingRates: { firingRate: number }[];
  synOps: number;
  energyJoules: number;
  annEnergyJoules: number;
  secondsPerEpoch: number;
  config?: { gradMode?: string };
}

const dir = process.argv[2] ?? 'results/table';
const DATASETS = [['mnist', 'MNIST'], ['fashion-mnist', 'Fashion-MNIST']] as const;
const NEURONS = [['if', 'DSR-IF'], ['lif', 'DSR-LIF'], ['bptt', 'BPTT (surrogate)']] as const;

function load(name: string): Result | null {
  const path = join(dir, `${name}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Result) : null;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
const uJ = (j: number): string => `${(j * 1e6).toFixed(2)} µJ`;
const meanRate = (r: Result): string => {
  const rates = r.firingRates.map((f) => f.firingRate);
  return (rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(3);
};

function row(dataset: string, neuron: string, T: string, name: string): string {
  const r = load(name);
  if (r === null) return `| ${dataset} | ${neuron} | ${T} | not run | | | | | |`;
  const energy = neuron === 'ANN (clamp)' ? uJ(r.annEnergyJoules) : `${uJ(r.energyJoules)} (${((100 * r.energyJoules) / r.annEnergyJoules).toFixed(0)} %)`;
  const synops = neuron === 'ANN (clamp)' ? '–' : `${(r.synOps / 1e6).toFixed(2)} M`;
  return `| ${dataset} | ${neuron} | ${T} | ${pct(r.testAccuracy)} | ${r.epochs} | ${meanRate(r)} | ${synops} | ${energy} | \`${join(dir, `${name}.json`)}\` |`;
}

const lines = [
  '| dataset | neuron | T | test accuracy | epochs | mean firing rate | synaptic ops / image | energy / image (% of ANN) | run |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const [ds, dsName] of DATASETS) {
  lines.push(row(dsName, 'ANN (clamp)', '–', `${ds}-ann`));
  for (const [n, nName] of NEURONS) for (const T of [1, 2, 4, 8]) lines.push(row(dsName, nName, String(T), `${ds}-${n}-T${T}`));
}
// the representation-level backward against the exact one, same seed, recipe and budget; the last column
// is the same run before the batch-norm correction (src/nn/bn-correction.ts), kept in <dir>/rep-uncorrected/
lines.push('', '| dataset | T | exact backward | representation backward | difference (pp) | before the BN correction (difference) |', '|---|---|---|---|---|---|');
const parityRows: [string, string, number, string][] = [
  ...DATASETS.flatMap(([ds, dsName]) => [4, 8].map((T): [string, string, number, string] => [ds, dsName, T, ''])),
  ['fashion-mnist', 'Fashion-MNIST (seed 2)', 4, '-seed2'],
];
for (const [ds, dsName, T, seed] of parityRows) {
  const exact = load(`${ds}-if-T${T}${seed}`);
  const repr = load(`${ds}-if-T${T}-rep${seed}`);
  const before = load(join('rep-uncorrected', `${ds}-if-T${T}-rep${seed}`));
  const show = (r: Result | null): string => (r === null ? 'not run' : pct(r.testAccuracy));
  const diff = (r: Result | null): string => (exact === null || r === null ? '' : (100 * (r.testAccuracy - exact.testAccuracy)).toFixed(2));
  const old = before === null ? '' : `${show(before)} (${diff(before)})`;
  lines.push(`| ${dsName} | ${T} | ${show(exact)} | ${show(repr)} | ${diff(repr)} | ${old} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
