/**
 * Benchmark results: one row per measurement, a printed table, and the JSON file shape
 * { machine: {…}, results: [{ name, backend, threads, value, unit }] } that bench scripts share.
 */

import os from 'node:os';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { StepStats } from './step-stats.js';

export interface BenchResult {
  name: string;
  backend: string;
  threads: number;
  /** null when the measurement was skipped (then `note` says why). */
  value: number | null;
  unit: string;
  note?: string;
  /** Training rows: seconds per step over every timed step (value comes from the median). */
  spread?: StepStats;
  /** Ratio rows: ours ÷ peer from each alternation round's medians. */
  perRound?: number[];
  /** Peer rows: the row of ours this peer run alternated with. */
  alongside?: string;
}

export interface BenchReport {
  machine: Record<string, string | number>;
  results: BenchResult[];
}

export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export class Report {
  readonly results: BenchResult[] = [];
  /** Extra machine facts a bench wants recorded (merged over machineInfo()). */
  readonly machine: Record<string, string | number> = {};
  add(r: BenchResult): void {
    const { name, backend, threads, value, unit, ...extra } = r;
    this.results.push({ name, backend, threads, value, unit, ...extra });
  }
  toJSON(): BenchReport {
    return { machine: { ...machineInfo(), ...this.machine }, results: this.results };
  }
  write(path: string): void {
    writeFileAtomic(path, `${JSON.stringify(this.toJSON(), null, 2)}\n`, { what: 'the bench report' });
  }
  table(): string {
    return [header(), ...this.results.map(formatRow)].join('\n');
  }
}

export function header(): string {
  return `${'name'.padEnd(22)} ${'backend'.padEnd(10)} ${'threads'.padStart(7)} ${'value'.padStart(10)} unit`;
}

function formatRow(r: BenchResult): string {
  const v = r.value === null ? '–' : r.value >= 100 ? r.value.toFixed(1) : r.value.toPrecision(4);
  return `${r.name.padEnd(22)} ${r.backend.padEnd(10)} ${String(r.threads).padStart(7)} ${v.padStart(10)} ${r.unit}${r.note ? `  (${r.note})` : ''}`;
}

/** Best wall time in ms of fn over `reps` runs after `warmup` untimed runs (the machine is shared: take the best). */
export function bestMs(fn: () => void, reps: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
