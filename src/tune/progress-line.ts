import type { TrialParams } from './space.js';
import { bestTrial, latest, type TrialRecord, type TuneState } from './state.js';

const WIDTH = 100;

/** "trial 003 r1 3ep sgd lr .0512 wd 2.1e-4 α .71 vth 5.2 T4 b64 | val 98.12% | best 001 98.40%", ≤ 100 columns. */
export function stepLine(s: TuneState, t: TrialRecord): string {
  const m = latest(t);
  const best = bestTrial(s)!;
  const line =
    `trial ${id(t.id)} r${m.rung} ${m.epochs}ep ${params(t.params)} | val ${pct(m.valAccuracy)} | ` +
    `best ${id(best.id)} ${pct(latest(best).valAccuracy)}`;
  return line.length <= WIDTH ? line : `${line.slice(0, WIDTH - 1)}…`;
}

export function params(p: TrialParams): string {
  const parts = [p.optimizer, `lr ${num(p.lr)}`, `wd ${num(p.weightDecay)}`];
  if (p.alpha !== undefined) parts.push(`α ${num(p.alpha)}`);
  if (p.vth !== undefined) parts.push(`vth ${num(p.vth)}`);
  parts.push(`T${p.T}`, `b${p.batchSize}`);
  return parts.join(' ');
}

export function id(n: number): string {
  return String(n).padStart(3, '0');
}

function pct(a: number): string {
  return `${(100 * a).toFixed(2)}%`;
}

/** Two significant digits, short: 0.0512 → 0.051, 0.00021 → 2.1e-4. */
function num(v: number): string {
  if (v === 0) return '0';
  return Math.abs(v) < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(2)));
}
