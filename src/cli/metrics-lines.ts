/**
 * An evaluation's metrics as `eval` prints them: one row per neuron layer (firing rate, threshold), then one line
 * of synaptic operations and energy per image against the ANN of the same shape. --json holds the same numbers.
 */
import type { RunMetrics } from '../train/metrics.js';

export function metricsLines(m: RunMetrics, neuron: string): string {
  const ann = neuron === 'ann' || neuron === 'relu';
  const rows = [['layer', ann ? 'activation/Vth' : 'firing rate', 'threshold']];
  m.firingRates.forEach((r, i) => {
    rows.push([r.layer, r.firingRate.toFixed(4), (m.thresholds[i]?.vth ?? Number.NaN).toPrecision(4)]);
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
  const uJ = (j: number): string => `${(j * 1e6).toPrecision(3)} µJ`;
  let cost: string;
  if (ann) cost = `${(m.annMacs / 1e6).toFixed(2)} M multiply-accumulates, ${uJ(m.annEnergyJoules)} per image`;
  else {
    const ratio = m.annEnergyJoules / m.energyJoules;
    const vs = ratio >= 1 ? `${ratio.toFixed(1)}× less` : `${(1 / ratio).toFixed(1)}× more`;
    cost =
      `${(m.synOps / 1e6).toFixed(2)} M synaptic ops and ${uJ(m.energyJoules)} per image: ` +
      `${vs} than the same-shape ANN's ${uJ(m.annEnergyJoules)}`;
  }
  return `${table}\n${cost}\n`;
}
