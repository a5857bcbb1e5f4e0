/**
 * How much memory one untrusted file may make spikerep allocate. Readers compare what a file *declares* (an IDX
 * header's dimensions, an HDF5 dataset's shape × dtype, a file's size on disk) with this budget before they
 * allocate, so a small file cannot claim gigabytes. 1 GiB by default; SPIKEREP_MEMORY_BUDGET overrides it
 * (bytes, or a number with K, M or G for KiB, MiB, GiB).
 */
import { SpikerepError } from './errors.js';

export const MEMORY_BUDGET_ENV = 'SPIKEREP_MEMORY_BUDGET';
export const DEFAULT_MEMORY_BUDGET = 2 ** 30;

const UNITS: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };

/** The budget in bytes, read from the environment on every call (tests and the CLI may change it). */
export function memoryBudget(): number {
  const raw = process.env[MEMORY_BUDGET_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MEMORY_BUDGET;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*$/i.exec(raw);
  const bytes = m === null ? Number.NaN : Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
  if (!(bytes >= 1 && Number.isFinite(bytes)))
    throw new SpikerepError('E_ARG', `expected a size in bytes such as 2G or 500M, got '${raw}'`, MEMORY_BUDGET_ENV);
  return Math.floor(bytes);
}

/** A byte count for messages, in binary units: 1 GiB, 2.89 GiB, 320 MiB, 12 KiB, 7 bytes. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const)
    if (n >= size) return `${+(n / size).toPrecision(3)} ${unit}`;
  return `${n} bytes`;
}

/** Throws E_TOO_LARGE ("too large", naming the budget and how to raise it) when `bytes` exceeds the budget. */
export function checkDeclaredSize(bytes: number, what: string, path: string): void {
  const budget = memoryBudget();
  if (bytes <= budget) return;
  throw new SpikerepError(
    'E_TOO_LARGE',
    `too large: ${what} takes ${formatBytes(bytes)}, over the ${formatBytes(budget)} memory budget (set ${MEMORY_BUDGET_ENV} to raise it)`,
    path,
  );
}
