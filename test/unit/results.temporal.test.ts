/**
 * The README's spoken-digit and order-task tables show their JSON's numbers (results/spoken-digits/,
 * results/order-task/), and the README gives each run's command.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const ROOT = new URL('../..', import.meta.url);
process.chdir(ROOT.pathname);
const README = readFileSync('README.md', 'utf8');

interface TemporalResult {
  command: string;
  model: string;
  neuron: string;
  T: number;
  testAccuracy: number;
  bestEpoch: number;
  epochs: number;
  valAccuracy: number | null;
  secondsPerEpoch: number;
  synOps: number;
  analogMacs: number;
  config: { readout: string; tau?: number };
}

/** The rows of the first markdown table after the line starting with `heading`. */
function rowsAfter(heading: string): string[][] {
  const lines = README.split('\n');
  let i = lines.findIndex((l) => l.startsWith(heading));
  assert.ok(i >= 0, `README has no line starting "${heading}"`);
  while (i < lines.length && !lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (i += 2; i < lines.length && lines[i]!.startsWith('|'); i++)
    rows.push(
      lines[i]!.slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  return rows;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

/** Synaptic operations (spiking runs) and multiply-accumulates per sample, in thousands. */
function operations(r: TemporalResult): string {
  const k = (x: number): string => `${(x / 1e3).toFixed(0)} k`;
  return r.neuron === 'relu' || r.neuron === 'ann'
    ? `${k(r.analogMacs)} MACs`
    : `${k(r.synOps)} + ${k(r.analogMacs)} MACs`;
}

for (const heading of ['**Spoken digits**', '**Order task**'])
  test(`every row of the README's ${heading} table shows its JSON's numbers and command`, () => {
    const rows = rowsAfter(heading);
    assert.ok(rows.length >= 4, `expected the rows, got ${rows.length}`);
    for (const [model, neuron, T, readout, accuracy, kept, seconds, ops, run] of rows) {
      const file = run!.replace(/^`|`$/g, '');
      const r = JSON.parse(readFileSync(file, 'utf8')) as TemporalResult;
      assert.equal(model, `\`${r.model}\``, `${file}: model`);
      assert.ok(neuron!.includes(`\`${r.neuron}\``), `${file}: neuron`);
      if (r.config.tau !== undefined) assert.ok(neuron!.includes(`τ ${r.config.tau}`), `${file}: τ`);
      assert.equal(T, String(r.T), `${file}: T`);
      assert.equal(readout, r.config.readout, `${file}: readout`);
      assert.equal(accuracy!.replace(/\*\*/g, ''), pct(r.testAccuracy), `${file}: test accuracy`);
      assert.equal(kept, `${r.bestEpoch} of ${r.epochs} (${pct(r.valAccuracy ?? 0)})`, `${file}: epoch kept`);
      assert.equal(seconds, r.secondsPerEpoch.toFixed(1), `${file}: seconds per epoch`);
      assert.equal(ops, operations(r), `${file}: operations`);
      assert.ok(README.includes(`npx ${r.command}`), `${file}: README does not give its command npx ${r.command}`);
    }
  });
